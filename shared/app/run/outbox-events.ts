import type { Agent, WebhookEvent } from '../../domain/agent.ts';
import type { Batch } from '../../domain/batch.ts';
import { webhookIdFor, type OutboxRecord } from '../../domain/outbox.ts';
import type { RecipientRun } from '../../ports/run-store.ts';
import type { RunDeps } from './run-deps.ts';
import { payloadSnapshot } from './webhook-payloads.ts';

/**
 * Turns a recipient's ended attempt or a batch's change into an outbox record, for the events its
 * agent subscribed to. The record's id comes from the event, so writing it twice (a stream retry, the
 * sweeper) is a no-op; only the writer that created it sends the queue message, and the sweeper
 * re-queues a record whose message was lost (it stays in the due index until delivered).
 */
type OutboxDeps = Pick<RunDeps, 'store' | 'runStore' | 'webhookQueue' | 'clock' | 'logger'>;

interface EventSubject {
  batch: Batch;
  recipient: RecipientRun | null;
  occurredAt: string;
  occurrence?: number;
  pauseReason?: Batch['pauseReason'];
}

/** The outbox record of an event, or null when the agent does not subscribe to it. */
function outboxRecord(
  agent: Agent,
  event: WebhookEvent,
  subject: EventSubject,
  now: string,
): OutboxRecord | null {
  if (!agent.webhookUrl || !agent.webhookEvents.includes(event)) return null;
  const { batch, recipient } = subject;
  return {
    webhookId: webhookIdFor(event, recipient?.id ?? batch.id, subject.occurrence),
    workspaceId: batch.workspaceId,
    batchId: batch.id,
    agentId: agent.id,
    eventType: event,
    recipientIndex: recipient?.index ?? null,
    occurredAt: subject.occurredAt,
    status: 'pending',
    attempts: [],
    nextAttemptAt: now,
    createdAt: now,
    ...(subject.pauseReason !== undefined ? { pauseReason: subject.pauseReason } : {}),
    // What the payload needs, as it is now: the delivery reads neither item (webhook-payloads.ts).
    snapshot: payloadSnapshot(event, subject),
  };
}

async function record(
  deps: OutboxDeps,
  agent: Agent,
  event: WebhookEvent,
  subject: EventSubject,
): Promise<void> {
  const outbox = outboxRecord(agent, event, subject, deps.clock().toISOString());
  if (!outbox || !(await deps.runStore.putOutbox(outbox))) return;
  await queueWebhook(deps, outbox);
}

/** Queues a written record's delivery; a lost message is the sweeper's (the record stays due). */
export async function queueWebhook(
  deps: Pick<RunDeps, 'webhookQueue' | 'logger'>,
  outbox: OutboxRecord,
): Promise<void> {
  try {
    await deps.webhookQueue.send([
      {
        batchId: outbox.batchId,
        webhookId: outbox.webhookId,
        workspaceId: outbox.workspaceId,
        agentId: outbox.agentId,
        recipientIndex: outbox.recipientIndex,
      },
    ]);
  } catch (error) {
    // The record is written and due: the sweeper will queue it.
    deps.logger.warn('could not queue a webhook; the sweeper will', { webhookId: outbox.webhookId, error });
  }
}

/**
 * A recipient's attempt ended: `call.retry_scheduled` when it will be tried again (one per attempt),
 * else `conversation.completed` or `call.failed` (once, for the final end). A skipped recipient
 * sends nothing.
 */
export async function recordRecipientEvent(
  deps: OutboxDeps,
  agent: Agent,
  batch: Batch,
  recipient: RecipientRun,
): Promise<void> {
  const outbox = recipientEventRecord(agent, batch, recipient, deps.clock().toISOString());
  if (!outbox || !(await deps.runStore.putOutbox(outbox))) return;
  await queueWebhook(deps, outbox);
}

/**
 * The outbox record of a recipient's ended attempt (null: none subscribed, or nothing to tell): the
 * stream reaction writes it, or the call's end transaction itself (./call-ended.ts).
 */
export function recipientEventRecord(
  agent: Agent,
  batch: Batch,
  recipient: RecipientRun,
  now: string,
): OutboxRecord | null {
  const event: WebhookEvent | null =
    recipient.status === 'completed'
      ? 'conversation.completed'
      : recipient.status === 'failed'
        ? 'call.failed'
        : recipient.status === 'pending' && recipient.attempts > 0
          ? 'call.retry_scheduled'
          : null;
  if (!event) return null;
  const subject = { batch, recipient, occurredAt: recipient.endedAt ?? now };
  return outboxRecord(
    agent,
    event,
    event === 'call.retry_scheduled' ? { ...subject, occurrence: recipient.attempts } : subject,
    now,
  );
}

type BatchWebhookEvent = Extract<WebhookEvent, `batch.${string}`>;

/**
 * A batch event. `occurrence` tells apart the events that can happen more than once (a pause, a
 * resume): it must be the same on every redelivery of the change that carried it (the pause's time).
 */
export async function recordBatchEvent(
  deps: OutboxDeps,
  batch: Batch,
  event: BatchWebhookEvent,
  occurrence?: string | null,
): Promise<void> {
  const agent = await deps.store.getAgent(batch.workspaceId, batch.agentId);
  if (!agent) return;
  const now = deps.clock().toISOString();
  const occurredAt =
    event === 'batch.completed'
      ? batch.completedAt
      : event === 'batch.cancelled'
        ? batch.cancelledAt
        : event === 'batch.paused'
          ? batch.pausedAt
          : null;
  const repeat = occurrence ? Date.parse(occurrence) : NaN;
  await record(deps, agent, event, {
    batch,
    recipient: null,
    occurredAt: occurredAt ?? now,
    ...(Number.isFinite(repeat) ? { occurrence: repeat } : {}),
    ...(event === 'batch.paused' ? { pauseReason: batch.pauseReason } : {}),
  });
}
