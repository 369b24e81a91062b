import { batchTransition } from '../../domain/batch.ts';
import type { DialMessage } from '../../ports/queues.ts';
import type { RunDeps } from './run-deps.ts';
import { recordBatchEvent } from './outbox-events.ts';

/**
 * Starts a batch (from the table stream for an immediate batch, from its one-time schedule otherwise,
 * or from the sweeper when either was lost). `pending|scheduled → running` is one conditional write,
 * so a second scheduler delivery, a stream retry and a cancel racing the start have one winner.
 *
 * Only the first `max_concurrent_calls` recipients go to the dial queue now; each recipient that ends
 * hands its slot to the next one (./reactions.ts). The queue thus never holds messages that could not
 * get a slot, and the batch never has more live calls than its limit.
 */
export async function startBatch(
  deps: Pick<RunDeps, 'store' | 'runStore' | 'dialQueue' | 'clock' | 'logger' | 'webhookQueue'>,
  workspaceId: string,
  batchId: string,
): Promise<'started' | 'not_startable' | 'failed'> {
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch || !batchTransition('start').from.includes(batch.status)) return 'not_startable';

  const now = deps.clock().toISOString();
  const window = Math.min(batch.maxConcurrentCalls, batch.totalRecipients);
  const started = await deps.runStore.startBatch(workspaceId, batchId, window, now);
  if (!started) return 'not_startable';

  const problem = await batchLevelProblem(deps, started.workspaceId, started.agentId, started.phoneNumberId);
  if (problem) {
    await failBatch(deps, workspaceId, batchId, problem);
    return 'failed';
  }

  const messages: DialMessage[] = Array.from({ length: window }, (_, index) => ({
    workspaceId,
    batchId,
    recipientIndex: index,
    attempt: 1,
    agentId: started.agentId,
    phoneNumberId: started.phoneNumberId,
  }));
  await deps.dialQueue.send(messages);
  await deps.runStore.markDispatched(
    batchId,
    messages.map((m) => m.recipientIndex),
    now,
  );
  deps.logger.info('batch started', { workspaceId, batchId, total: started.totalRecipients, window });
  return 'started';
}

/** Why the batch cannot dial at all (its agent or caller number is gone or cannot call out), or null. */
export async function batchLevelProblem(
  deps: Pick<RunDeps, 'store'>,
  workspaceId: string,
  agentId: string,
  phoneNumberId: string,
): Promise<string | null> {
  const agent = await deps.store.getAgent(workspaceId, agentId);
  if (!agent) return `The agent ${agentId} was deleted.`;
  const phone = await deps.store.getPhoneNumber(workspaceId, phoneNumberId);
  if (!phone) return `The caller number ${phoneNumberId} was deleted.`;
  if (!phone.outbound) return `The caller number ${phoneNumberId} cannot place outbound calls.`;
  return null;
}

export async function failBatch(
  deps: Pick<RunDeps, 'store' | 'runStore' | 'clock' | 'logger' | 'webhookQueue'>,
  workspaceId: string,
  batchId: string,
  reason: string,
): Promise<void> {
  const failed = await deps.runStore.failBatch(workspaceId, batchId, reason, deps.clock().toISOString());
  if (!failed) return;
  deps.logger.warn('batch failed', { workspaceId, batchId, reason });
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (batch) await recordBatchEvent(deps, batch, 'batch.failed');
}
