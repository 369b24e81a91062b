import type { Agent, WebhookEvent } from '../../domain/agent.ts';
import type { Batch } from '../../domain/batch.ts';
import { webhookIdFor, type OutboxRecord } from '../../domain/outbox.ts';
import type { Recipient } from '../../domain/recipient.ts';
import type { RunDeps } from './run-deps.ts';

/**
 * Turns a finished recipient or batch into an outbox record, for the events its agent subscribed to.
 * The record's id comes from the event, so writing it twice (a stream retry, the sweeper) is a no-op;
 * only the writer that created it sends the queue message, and the sweeper re-queues a record whose
 * message was lost (it stays in the due index until delivered).
 */
type OutboxDeps = Pick<RunDeps, 'store' | 'runStore' | 'webhookQueue' | 'clock' | 'logger'>;

async function record(
  deps: OutboxDeps,
  agent: Agent,
  event: WebhookEvent,
  subject: { batch: Batch; recipient: Recipient | null; occurredAt: string },
): Promise<void> {
  if (!agent.webhookUrl || !agent.webhookEvents.includes(event)) return;
  const { batch, recipient } = subject;
  const outbox: OutboxRecord = {
    webhookId: webhookIdFor(event, recipient?.id ?? batch.id),
    workspaceId: batch.workspaceId,
    batchId: batch.id,
    agentId: agent.id,
    eventType: event,
    recipientIndex: recipient?.index ?? null,
    occurredAt: subject.occurredAt,
    status: 'pending',
    attempts: [],
    nextAttemptAt: deps.clock().toISOString(),
    createdAt: deps.clock().toISOString(),
  };
  if (!(await deps.runStore.putOutbox(outbox))) return;
  try {
    await deps.webhookQueue.send([
      {
        batchId: batch.id,
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

export async function recordRecipientEvent(
  deps: OutboxDeps,
  batch: Batch,
  recipient: Recipient,
): Promise<void> {
  const event: WebhookEvent = recipient.status === 'completed' ? 'conversation.completed' : 'call.failed';
  const agent = await deps.store.getAgent(batch.workspaceId, batch.agentId);
  if (!agent) return;
  await record(deps, agent, event, {
    batch,
    recipient,
    occurredAt: recipient.endedAt ?? deps.clock().toISOString(),
  });
}

export async function recordBatchEvent(deps: OutboxDeps, batch: Batch): Promise<void> {
  if (batch.status !== 'completed' && batch.status !== 'failed') return;
  const agent = await deps.store.getAgent(batch.workspaceId, batch.agentId);
  if (!agent) return;
  const event: WebhookEvent = batch.status === 'completed' ? 'batch.completed' : 'batch.failed';
  await record(deps, agent, event, {
    batch,
    recipient: null,
    occurredAt: batch.completedAt ?? deps.clock().toISOString(),
  });
}
