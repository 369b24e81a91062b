import { toBatchObject } from '../../contracts/batch-objects.ts';
import type { WebhookEvent } from '../../domain/agent.ts';
import type { Batch } from '../../domain/batch.ts';
import { webhookIdParts, type OutboxRecord, type PayloadSnapshot } from '../../domain/outbox.ts';
import { httpsRecordingUrl } from '../../domain/recording-url.ts';
import type { RecipientRun } from '../../ports/run-store.ts';
import { transcriptKey } from '../../ports/transcripts.ts';
import type { RunDeps } from './run-deps.ts';

/** The batch and recipient of an event, when the caller read them already (null: they do not exist). */
export interface PayloadItems {
  batch: Batch | null;
  recipient: RecipientRun | null;
}

/** What an event is about, as the outbox record is written. */
export interface PayloadSubject {
  batch: Batch;
  recipient: RecipientRun | null;
  /** The attempt of a `call.retry_scheduled` (the webhook id's occurrence). */
  occurrence?: number;
  pauseReason?: Batch['pauseReason'];
}

/**
 * What the payload of `event` needs from its batch and recipient, taken when the outbox record is
 * written (the record carries it, so a delivery reads neither item). The conversation stays in S3:
 * only which attempt's is kept, and the transcript is read when a `conversation.completed` is sent.
 * The largest recipient the API accepts (≈ 170 KB, docs/limits.md) fits beside the delivery log in
 * one 400 KB item.
 */
export function payloadSnapshot(event: WebhookEvent, subject: PayloadSubject): PayloadSnapshot {
  const { recipient } = subject;
  const data = eventData(event, subject);
  if (!recipient) return { data, conversationAttempt: null };
  // The record names these already: left out, the record stays within one write unit more often.
  const { agent_id: _agent, batch_id: _batch, recipient_id: _recipient, ...rest } = data;
  return {
    data: rest,
    conversationAttempt:
      event === 'conversation.completed' && recipient.transcriptKey !== null ? recipient.attempts : null,
  };
}

/**
 * The JSON body of a webhook (contract, "Webhooks"): from the record's snapshot, or, for a record
 * written before snapshots existed, from the batch and recipient as they are when it is sent (read
 * here unless the caller has them). Null when those items no longer exist.
 */
export async function buildWebhookPayload(
  deps: Pick<RunDeps, 'store' | 'runStore' | 'transcripts'>,
  record: OutboxRecord,
  known?: PayloadItems,
): Promise<Record<string, unknown> | null> {
  const built = record.snapshot
    ? fromSnapshot(record, record.snapshot)
    : await fromItems(deps, record, known);
  if (!built) return null;
  const envelope = (data: unknown) => ({ type: record.eventType, timestamp: record.occurredAt, data });
  if (record.eventType !== 'conversation.completed') return envelope(built.data);
  const conversation = built.transcriptKey ? await deps.transcripts.get(built.transcriptKey) : null;
  return envelope({
    ...built.data,
    transcript: conversation?.transcript ?? [],
    evaluations: conversation?.evaluations ?? [],
    data_collection: conversation?.dataCollection ?? {},
    recording_url: httpsRecordingUrl(conversation?.recordingUrl),
  });
}

/** A payload's `data` but for the conversation, and where that conversation is. */
interface Built {
  data: Record<string, unknown>;
  transcriptKey: string | null;
}

/** The snapshot with what it left out put back from the record. */
function fromSnapshot(record: OutboxRecord, snapshot: PayloadSnapshot): Built {
  if (record.recipientIndex === null) return { data: snapshot.data, transcriptKey: null };
  const recipientId = webhookIdParts(record.webhookId).subjectId;
  const { workspaceId, batchId } = record;
  return {
    data: { ...snapshot.data, agent_id: record.agentId, batch_id: batchId, recipient_id: recipientId },
    // The key the call's end stored the conversation under (call-ended.ts).
    transcriptKey:
      snapshot.conversationAttempt === null
        ? null
        : transcriptKey(workspaceId, batchId, recipientId, snapshot.conversationAttempt),
  };
}

/** A record without a snapshot (written before they existed): its payload from the current items. */
async function fromItems(
  deps: Pick<RunDeps, 'store' | 'runStore'>,
  record: OutboxRecord,
  known?: PayloadItems,
): Promise<Built | null> {
  const batch = known ? known.batch : await deps.store.getBatch(record.workspaceId, record.batchId);
  if (!batch) return null;
  if (record.recipientIndex === null) {
    const subject = { batch, recipient: null, pauseReason: record.pauseReason };
    return { data: eventData(record.eventType, subject), transcriptKey: null };
  }
  const recipient = known
    ? known.recipient
    : await deps.runStore.getRecipientRun(record.batchId, record.recipientIndex);
  if (!recipient) return null;
  const { occurrence } = webhookIdParts(record.webhookId);
  return {
    data: eventData(record.eventType, {
      batch,
      recipient,
      ...(occurrence === undefined ? {} : { occurrence }),
    }),
    transcriptKey: record.eventType === 'conversation.completed' ? recipient.transcriptKey : null,
  };
}

/** The payload's `data`, but for a conversation's transcript, evaluations, collected data and recording. */
function eventData(event: WebhookEvent, subject: PayloadSubject): Record<string, unknown> {
  const { batch, recipient } = subject;
  if (!recipient) {
    const data = toBatchObject(batch);
    // A pause names its reason as it was then (a record without a snapshot is sent after the fact).
    if (event === 'batch.paused' && subject.pauseReason !== undefined) {
      return { ...data, pause_reason: subject.pauseReason };
    }
    return data;
  }
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
  if (event === 'call.failed') return { ...data, error: recipient.error };
  if (event === 'call.retry_scheduled')
    return retryData(data, subject.occurrence ?? recipient.attempts, recipient);
  return data;
}

/**
 * `call.retry_scheduled`: the `call.failed` data of the attempt that will be retried (from the attempt
 * history: a record without a snapshot may be sent after the recipient moved on), its `attempt` and
 * when the next one is due.
 */
function retryData(
  data: Record<string, unknown>,
  attempt: number,
  recipient: RecipientRun,
): Record<string, unknown> {
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
