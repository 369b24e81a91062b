import * as z from 'zod';
import { WEBHOOK_EVENTS } from '../domain/agent.ts';
import type { Conversation } from '../domain/conversation.ts';
import { deliveryIdOf, type OutboxRecord } from '../domain/outbox.ts';
import { httpsRecordingUrl } from '../domain/recording-url.ts';

/**
 * Answers of the running-batch routes: a recipient's conversation and a batch's webhook delivery log.
 * Browser-safe (zod and the domain only), shared with the dashboard.
 */

export const conversationResponseSchema = z.strictObject({
  transcript: z.array(
    z.strictObject({ role: z.enum(['agent', 'user']), message: z.string(), time_in_call_secs: z.number() }),
  ),
  evaluations: z.array(
    z.strictObject({
      id: z.string(),
      result: z.enum(['success', 'failure', 'unknown']),
      rationale: z.string(),
    }),
  ),
  data_collection: z.record(
    z.string(),
    z.strictObject({
      value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
      rationale: z.string(),
    }),
  ),
  /** Only ever an https URL (domain/recording-url.ts). */
  recording_url: z.url({ protocol: /^https$/ }).nullable(),
});
export type ConversationResponse = z.infer<typeof conversationResponseSchema>;

export function toConversationResponse(c: Conversation): ConversationResponse {
  return {
    transcript: c.transcript,
    evaluations: c.evaluations,
    data_collection: c.dataCollection,
    // Also for conversations stored before recording URLs were checked on the way in.
    recording_url: httpsRecordingUrl(c.recordingUrl),
  };
}

export const deliveryObjectSchema = z.strictObject({
  id: z.string(),
  webhook_id: z.string(),
  event_type: z.enum(WEBHOOK_EVENTS),
  recipient_index: z.number().int().nullable(),
  status: z.enum(['pending', 'retrying', 'delivered', 'failed', 'disabled']),
  attempts: z.array(
    z.strictObject({
      at: z.string(),
      status_code: z.number().int().nullable(),
      error: z.string().nullable(),
      duration_ms: z.number(),
      manual: z.boolean(),
    }),
  ),
  next_attempt_at: z.string().nullable(),
  created_at: z.string(),
});
export type DeliveryObject = z.infer<typeof deliveryObjectSchema>;

export const deliveryListResponseSchema = z.strictObject({ deliveries: z.array(deliveryObjectSchema) });
export type DeliveryListResponse = z.infer<typeof deliveryListResponseSchema>;

export function toDeliveryObject(record: OutboxRecord): DeliveryObject {
  return {
    id: deliveryIdOf(record.batchId, record.webhookId),
    webhook_id: record.webhookId,
    event_type: record.eventType,
    recipient_index: record.recipientIndex,
    status: record.status,
    attempts: record.attempts.map((a) => ({
      at: a.at,
      status_code: a.statusCode,
      error: a.error,
      duration_ms: a.durationMs,
      manual: a.manual,
    })),
    next_attempt_at:
      record.status === 'pending' || record.status === 'retrying' ? record.nextAttemptAt : null,
    created_at: record.createdAt,
  };
}
