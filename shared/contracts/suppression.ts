import * as z from 'zod';
import { type FieldIssue, ValidationError } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';
import { SUPPRESSION_SOURCES, type Suppression } from '../domain/suppression.ts';
import {
  fieldIssueSchema,
  limitParamSchema,
  cursorParamSchema,
  listEnvelope,
  zodIssuesToFields,
} from './common.ts';
import { e164Schema } from './phone-number.ts';
import { parseRfc3339 } from './timestamp.ts';

/** Suppression list requests and answers (contract "Suppression list and opt-outs"). Browser-safe. */

const LIMIT = LIMITS.suppression;

/** Free text: why the phone must not be called. Blank means none. */
export const suppressionReasonSchema = z
  .string()
  .trim()
  .max(LIMIT.reasonMaxLength)
  .refine((v) => !/\p{Cs}/u.test(v), { message: 'must be valid Unicode text' })
  .nullish()
  .transform((v) => (v === undefined || v === null || v === '' ? null : v));

/** `POST /v1/suppressions` (JSON). `expires_at` is shape-checked here and checked against the clock below. */
export const createSuppressionJsonSchema = z.strictObject({
  phone: e164Schema,
  reason: suppressionReasonSchema,
  expires_at: z.string().nullish(),
});

/** The multipart form takes no text field: only the file `csv_file` (column `phone`, optional `reason`). */
export const createSuppressionFormSchema = z.strictObject({});

export interface CreateSuppressionInput {
  phone: string;
  reason: string | null;
  /** UTC ISO, whole seconds. */
  expiresAt: string | null;
}

/**
 * `expires_at`: RFC 3339 with an offset, strictly in the future, at most 5 years ahead. Rounded up to
 * the whole second (the table's TTL counts seconds; the entry never expires earlier than asked).
 */
export function checkExpiresAt(
  value: string,
  now: Date,
): { ok: true; iso: string } | { ok: false; message: string } {
  const parsed = parseRfc3339(value);
  if (!parsed.ok) return parsed;
  const ms = Math.ceil(parsed.ms / 1000) * 1000;
  if (ms <= now.getTime()) return { ok: false, message: 'must be in the future' };
  if (ms > now.getTime() + LIMIT.maxExpiryMs) return { ok: false, message: 'must be at most 5 years ahead' };
  return { ok: true, iso: new Date(ms).toISOString() };
}

/** The JSON body, every problem named together. */
export function validateCreateSuppression(body: unknown, now: Date): CreateSuppressionInput {
  const issues: FieldIssue[] = [];
  const shape = createSuppressionJsonSchema.safeParse(body);
  if (!shape.success) issues.push(...zodIssuesToFields(shape.error));
  const raw =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['expires_at'] : undefined;
  const expiry = typeof raw === 'string' ? checkExpiresAt(raw, now) : null;
  if (expiry !== null && !expiry.ok) issues.push({ path: 'expires_at', message: expiry.message });
  if (!shape.success || issues.length > 0) throw new ValidationError(issues);
  return {
    phone: shape.data.phone,
    reason: shape.data.reason,
    expiresAt: expiry !== null && expiry.ok ? expiry.iso : null,
  };
}

/** `GET /v1/suppressions?phone=&limit=&cursor=`; `phone` is normalized like any other (`+1 415…`). */
export const suppressionListQuerySchema = z.object({
  limit: limitParamSchema,
  cursor: cursorParamSchema,
  phone: e164Schema.optional(),
});

export const suppressionObjectSchema = z.strictObject({
  id: z.string(),
  phone: z.string(),
  reason: z.string().nullable(),
  source: z.enum(SUPPRESSION_SOURCES),
  conversation_id: z.string().nullable(),
  /** Where the conversation of a `call` entry is: `GET …/batch-calls/{batch_id}/recipients/{recipient_id}/conversation`. */
  batch_id: z.string().nullable(),
  recipient_id: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
});
export type SuppressionObject = z.infer<typeof suppressionObjectSchema>;

export const suppressionListResponseSchema = listEnvelope(suppressionObjectSchema, 'suppressions');
export type SuppressionListResponse = z.infer<typeof suppressionListResponseSchema>;

/** The answer to a CSV import: rows added, rows whose phone was already listed, rows refused (by line). */
export const suppressionImportResultSchema = z.strictObject({
  added: z.number().int(),
  already_present: z.number().int(),
  errors: z.array(fieldIssueSchema),
});
export type SuppressionImportResult = z.infer<typeof suppressionImportResultSchema>;

export function toSuppressionObject(entry: Suppression): SuppressionObject {
  return {
    id: entry.id,
    phone: entry.phone,
    reason: entry.reason,
    source: entry.source,
    conversation_id: entry.conversationId,
    batch_id: entry.batchId,
    recipient_id: entry.recipientId,
    created_at: entry.createdAt,
    expires_at: entry.expiresAt,
  };
}
