import * as z from 'zod';
import { CALL_OUTCOMES, RECIPIENT_STATUSES, type RecipientFilter } from '../domain/recipient.ts';
import { EXPORT_FORMATS } from '../domain/results-export.ts';
import { recipientObjectSchema } from './batch-objects.ts';
import { cursorParamSchema, limitParamSchema } from './common.ts';

/**
 * Results export and recipient queries (contract "Results export", "Recipient queries"): their
 * query strings and the query's answer. Browser-safe (the dashboard builds its filters from them).
 */

/** `?format=csv|jsonl`; CSV when left out. */
export const exportQuerySchema = z.object({
  format: z.enum(EXPORT_FORMATS).optional().default('csv'),
});

/** `+` and up to 15 digits (a prefix of an E.164 number), or up to 15 digits (its last digits). */
const PHONE_FILTER = /^\+?[0-9]{1,15}$/;

export const recipientQuerySchema = z.object({
  limit: limitParamSchema,
  cursor: cursorParamSchema,
  status: z.enum(RECIPIENT_STATUSES).optional(),
  outcome: z.enum(CALL_OUTCOMES).optional(),
  phone: z
    .string()
    .regex(PHONE_FILTER, { message: 'must be "+" and the first digits of a number, or its last digits' })
    .optional(),
});
export type RecipientQuery = z.output<typeof recipientQuerySchema>;

/** The store's filter of a parsed query: a `+` value is a prefix, digits alone are the number's end. */
export function recipientFilterOf(q: RecipientQuery): RecipientFilter {
  return {
    ...(q.status ? { status: q.status } : {}),
    ...(q.outcome ? { outcome: q.outcome } : {}),
    ...(q.phone?.startsWith('+') ? { phonePrefix: q.phone } : {}),
    ...(q.phone && !q.phone.startsWith('+') ? { phoneSuffix: q.phone } : {}),
  };
}

export const recipientListResponseSchema = z.strictObject({
  recipients: z.array(recipientObjectSchema),
  next_cursor: z.string().nullable(),
  has_more: z.boolean(),
});
export type RecipientListResponse = z.infer<typeof recipientListResponseSchema>;
