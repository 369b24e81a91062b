import * as z from 'zod';
import type { Batch } from '../domain/batch.ts';
import { BATCH_STATUSES, DUPLICATE_POLICIES, PAUSE_REASONS } from '../domain/batch.ts';
import { localTime } from '../domain/calling-window.ts';
import type { Recipient } from '../domain/recipient.ts';
import { CALL_OUTCOMES, RECIPIENT_STATUSES, SKIP_REASONS } from '../domain/recipient.ts';
import {
  callingWindowObjectSchema,
  contactLimitSchema,
  guardrailsObjectSchema,
  retryObjectSchema,
  toCallingWindowObject,
  toContactLimitObject,
  toGuardrailsObject,
  toRetryObject,
} from './campaign.ts';
import { listEnvelope } from './common.ts';

/**
 * A batch and its recipients as the API answers them (snake_case, exactly the contract's shapes),
 * and the mapping from the domain. The request side of batches is ./batch.ts.
 */

// ---------------------------------------------------------------------------------------------------
// Responses (snake_case, exactly the contract's shapes; strict so a test catches any stray field)

export const batchCountsSchema = z.strictObject({
  pending: z.number().int(),
  dialing: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
});

export const batchObjectSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  agent_id: z.string(),
  phone_number_id: z.string(),
  status: z.enum(BATCH_STATUSES),
  scheduled_at: z.string().nullable(),
  ringing_timeout_ms: z.number().int(),
  max_concurrent_calls: z.number().int(),
  source: z.enum(['json', 'csv']),
  total_recipients: z.number().int(),
  counts: batchCountsSchema,
  failure_reason: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  cancelled_at: z.string().nullable(),
  pause_reason: z.enum(PAUSE_REASONS).nullable(),
  paused_at: z.string().nullable(),
  stopped_at: z.string().nullable(),
  retry: retryObjectSchema,
  calling_window: callingWindowObjectSchema.nullable(),
  guardrails: guardrailsObjectSchema.nullable(),
  duplicates: z.enum(DUPLICATE_POLICIES),
  contact_limit: contactLimitSchema.nullable(),
});
export type BatchObject = z.infer<typeof batchObjectSchema>;

export const recipientObjectSchema = z.strictObject({
  id: z.string(),
  index: z.number().int(),
  phone: z.string(),
  dynamic_vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  status: z.enum(RECIPIENT_STATUSES),
  outcome: z.enum(CALL_OUTCOMES).nullable(),
  attempts: z.number().int(),
  conversation_id: z.string().nullable(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  duration_secs: z.number().nullable(),
  error: z.string().nullable(),
  skip_reason: z.enum(SKIP_REASONS).nullable(),
  next_attempt_at: z.string().nullable(),
  /** The zone its calling window and local times use, or the list when its number spans several. */
  timezone: z.union([z.string(), z.array(z.string())]),
});
export type RecipientObject = z.infer<typeof recipientObjectSchema>;

export const attemptObjectSchema = z.strictObject({
  attempt: z.number().int(),
  started_at: z.string(),
  ended_at: z.string(),
  outcome: z.enum(CALL_OUTCOMES),
  duration_secs: z.number().nullable(),
  conversation_id: z.string().nullable(),
  error: z.string().nullable(),
  timezone: z.string(),
  /** `started_at` in the recipient's zone, with its offset then (RFC 3339). */
  local_started_at: z.string(),
});

export const recipientWithHistorySchema = recipientObjectSchema.extend({
  attempt_history: z.array(attemptObjectSchema),
});
export type RecipientWithHistory = z.infer<typeof recipientWithHistorySchema>;

export const batchDetailResponseSchema = z.strictObject({
  batch: batchObjectSchema,
  recipients: z.array(recipientObjectSchema),
});
export type BatchDetailResponse = z.infer<typeof batchDetailResponseSchema>;

export const batchListResponseSchema = listEnvelope(batchObjectSchema, 'batches');
export type BatchListResponse = z.infer<typeof batchListResponseSchema>;

/** The domain batch as the API shows it. */
export function toBatchObject(batch: Batch): BatchObject {
  return {
    id: batch.id,
    name: batch.name,
    agent_id: batch.agentId,
    phone_number_id: batch.phoneNumberId,
    status: batch.status,
    scheduled_at: batch.scheduledAt,
    ringing_timeout_ms: batch.ringingTimeoutMs,
    max_concurrent_calls: batch.maxConcurrentCalls,
    source: batch.source,
    total_recipients: batch.totalRecipients,
    counts: { ...batch.counts },
    failure_reason: batch.failureReason,
    created_at: batch.createdAt,
    started_at: batch.startedAt,
    completed_at: batch.completedAt,
    cancelled_at: batch.cancelledAt,
    pause_reason: batch.pauseReason,
    paused_at: batch.pausedAt,
    stopped_at: batch.stoppedAt,
    retry: toRetryObject(batch.retry),
    calling_window: batch.callingWindow ? toCallingWindowObject(batch.callingWindow) : null,
    guardrails: batch.guardrails ? toGuardrailsObject(batch.guardrails) : null,
    duplicates: batch.duplicates,
    contact_limit: batch.contactLimit ? toContactLimitObject(batch.contactLimit) : null,
  };
}

/** The domain recipient as the API shows it. */
export function toRecipientObject(recipient: Recipient): RecipientObject {
  return {
    id: recipient.id,
    index: recipient.index,
    phone: recipient.phone,
    dynamic_vars: Object.fromEntries(Object.entries(recipient.dynamicVars)),
    status: recipient.status,
    outcome: recipient.outcome,
    attempts: recipient.attempts,
    conversation_id: recipient.conversationId,
    started_at: recipient.startedAt,
    ended_at: recipient.endedAt,
    duration_secs: recipient.durationSecs,
    error: recipient.error,
    skip_reason: recipient.skipReason,
    next_attempt_at: recipient.status === 'pending' ? recipient.nextAttemptAt : null,
    timezone: recipient.timezones.length === 1 ? (recipient.timezones[0] ?? 'UTC') : [...recipient.timezones],
  };
}

/**
 * A recipient with its attempt history (contract "Attempt history"). An attempt's `started_at` is when
 * the call connected, or when it was placed for one that never connected; its local time is in the
 * recipient's (first) zone.
 */
export function toRecipientWithHistory(recipient: Recipient): RecipientWithHistory {
  const zone = recipient.timezones[0] ?? 'UTC';
  return {
    ...toRecipientObject(recipient),
    attempt_history: recipient.attemptHistory.map((a) => {
      const startedAt = a.startedAt ?? a.dialedAt;
      return {
        attempt: a.attempt,
        started_at: startedAt,
        ended_at: a.endedAt,
        outcome: a.outcome,
        duration_secs: a.durationSecs,
        conversation_id: a.conversationId,
        error: a.error,
        timezone: zone,
        local_started_at: localTime(zone, new Date(startedAt)),
      };
    }),
  };
}
