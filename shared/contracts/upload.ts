import * as z from 'zod';

/**
 * `POST /v1/uploads` (beyond the contract, docs/api.md): a pre-signed S3 POST form for one CSV.
 * Browser-safe (zod only).
 */
export const uploadTicketSchema = z.strictObject({
  upload_id: z.string(),
  method: z.literal('POST'),
  url: z.string(),
  /** Sent before the file, in this order (policy, signature, key, …). */
  fields: z.record(z.string(), z.string()),
  file_field: z.literal('file'),
  max_bytes: z.number().int(),
  expires_at: z.string(),
});
export type UploadTicket = z.infer<typeof uploadTicketSchema>;
