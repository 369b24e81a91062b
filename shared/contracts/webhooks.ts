import * as z from 'zod';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../domain/agent.ts';
import { CALL_OUTCOMES, RECIPIENT_STATUSES } from '../domain/recipient.ts';
import { batchObjectSchema } from './batch-objects.ts';
import { conversationResponseSchema } from './run.ts';

/**
 * The bodies of the webhooks the service POSTs (contract, "Webhooks"), by event type: the
 * machine-readable form of what shared/app/run/webhook-payloads.ts builds, published under
 * `webhooks` in the OpenAPI document (shared/contracts/openapi.ts). Browser-safe.
 */

/** What every call event's `data` says about the call (the recipient as it is when sent). */
const callDataSchema = z.strictObject({
  conversation_id: z.string().nullable(),
  agent_id: z.string(),
  batch_id: z.string(),
  recipient_id: z.string(),
  phone: z.string(),
  dynamic_vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  status: z.enum(RECIPIENT_STATUSES),
  outcome: z.enum(CALL_OUTCOMES).nullable(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  duration_secs: z.number().nullable(),
});

export const conversationCompletedDataSchema = callDataSchema.extend(conversationResponseSchema.shape);
export const callFailedDataSchema = callDataSchema.extend({ error: z.string().nullable() });
/** The `call.failed` data of the attempt that will be retried, its number and when the next one is due. */
export const callRetryScheduledDataSchema = callFailedDataSchema.extend({
  attempt: z.number().int(),
  next_attempt_at: z.string().nullable(),
});

const envelope = <T extends WebhookEvent, D extends z.ZodType>(type: T, data: D) =>
  z.strictObject({ type: z.literal(type), timestamp: z.string(), data });

/** The JSON body of each event type. */
export const WEBHOOK_PAYLOAD_SCHEMAS = {
  'conversation.completed': envelope('conversation.completed', conversationCompletedDataSchema),
  'call.failed': envelope('call.failed', callFailedDataSchema),
  'call.retry_scheduled': envelope('call.retry_scheduled', callRetryScheduledDataSchema),
  'batch.completed': envelope('batch.completed', batchObjectSchema),
  'batch.failed': envelope('batch.failed', batchObjectSchema),
  // `pause_reason` is the reason of this pause, even when the batch has been resumed since.
  'batch.paused': envelope('batch.paused', batchObjectSchema),
  'batch.resumed': envelope('batch.resumed', batchObjectSchema),
  'batch.cancelled': envelope('batch.cancelled', batchObjectSchema),
} as const satisfies Record<WebhookEvent, z.ZodType>;

/** What each event means, for the document's readers. */
export const WEBHOOK_DESCRIPTIONS: Record<WebhookEvent, string> = {
  'conversation.completed': 'A call connected (a person or a voicemail answered) and ended.',
  'call.failed': "A recipient's last attempt never connected; no retry follows.",
  'call.retry_scheduled': 'An attempt that never connected will be retried (`next_attempt_at`).',
  'batch.completed': 'Every recipient of the batch is completed, failed or skipped.',
  'batch.failed': 'The batch failed as a whole (`failure_reason`).',
  'batch.paused': 'The batch paused (`pause_reason`: user, failure_rate, spend_cap, provider_auth).',
  'batch.resumed': 'A paused batch runs again.',
  'batch.cancelled': 'The batch was cancelled, or a stop has finished.',
};

export { WEBHOOK_EVENTS };
