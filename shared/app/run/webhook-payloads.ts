import { toBatchObject } from '../../contracts/batch-objects.ts';
import type { Batch } from '../../domain/batch.ts';
import type { OutboxRecord } from '../../domain/outbox.ts';
import { httpsRecordingUrl } from '../../domain/recording-url.ts';
import type { RecipientRun } from '../../ports/run-store.ts';
import type { RunDeps } from './run-deps.ts';

/** The batch and recipient of an event, when the caller read them already (null: they do not exist). */
export interface PayloadItems {
  batch: Batch | null;
  recipient: RecipientRun | null;
}

/**
 * The JSON body of a webhook (contract, "Webhooks"), built from the current items when it is sent:
 * the outbox keeps only the event's identity and time, never a copy of a transcript.
 */
export async function buildWebhookPayload(
  deps: Pick<RunDeps, 'store' | 'runStore' | 'transcripts'>,
  record: OutboxRecord,
  known?: PayloadItems,
): Promise<Record<string, unknown> | null> {
  const batch = known ? known.batch : await deps.store.getBatch(record.workspaceId, record.batchId);
  if (!batch) return null;
  const envelope = (data: unknown) => ({ type: record.eventType, timestamp: record.occurredAt, data });
  if (record.recipientIndex === null) {
    const data = toBatchObject(batch);
    // A pause names its reason as it was then, even when the batch has been resumed since.
    if (record.eventType === 'batch.paused' && record.pauseReason !== undefined) {
      return envelope({ ...data, pause_reason: record.pauseReason });
    }
    return envelope(data);
  }

  const recipient = known
    ? known.recipient
    : await deps.runStore.getRecipientRun(record.batchId, record.recipientIndex);
  if (!recipient) return null;
  const data: Record<string, unknown> = {
    conversation_id: recipient.conversationId,
    agent_id: batch.agentId,
    batch_id: batch.id,
    recipient_id: recipient.id,
    phone: recipient.phone,
    dynamic_vars: recipient.dynamicVars,
    status: recipient.status,
    outcome: recipient.outcome,
    started_at: recipient.startedAt,
    ended_at: recipient.endedAt,
    duration_secs: recipient.durationSecs,
  };
  if (record.eventType === 'call.failed') return envelope({ ...data, error: recipient.error });
  if (record.eventType === 'call.retry_scheduled') return envelope(retryData(data, record, recipient));

  const conversation = recipient.transcriptKey ? await deps.transcripts.get(recipient.transcriptKey) : null;
  return envelope({
    ...data,
    transcript: conversation?.transcript ?? [],
    evaluations: conversation?.evaluations ?? [],
    data_collection: conversation?.dataCollection ?? {},
    recording_url: httpsRecordingUrl(conversation?.recordingUrl),
  });
}

/**
 * `call.retry_scheduled`: the `call.failed` data of the attempt that will be retried (from the attempt
 * history: the recipient may have moved on by the time this is sent), its `attempt` and when the next
 * one is due.
 */
function retryData(
  data: Record<string, unknown>,
  record: OutboxRecord,
  recipient: RecipientRun,
): Record<string, unknown> {
  const attempt = Number(record.webhookId.slice(record.webhookId.lastIndexOf(':') + 1));
  const ended = recipient.attemptHistory.find((a) => a.attempt === attempt);
  const next = recipient.attemptHistory.find((a) => a.attempt === attempt + 1);
  return {
    ...data,
    conversation_id: ended?.conversationId ?? null,
    status: 'pending',
    outcome: ended?.outcome ?? data.outcome,
    started_at: ended?.startedAt ?? null,
    ended_at: ended?.endedAt ?? data.ended_at,
    duration_secs: ended?.durationSecs ?? null,
    error: ended?.error ?? null,
    attempt,
    next_attempt_at: next ? next.dialedAt : recipient.attempts === attempt ? recipient.nextAttemptAt : null,
  };
}
