import type { Batch } from '../../domain/batch.ts';
import type { Recipient } from '../../domain/recipient.ts';
import { recordBatchEvent, recordRecipientEvent } from './outbox-events.ts';
import type { RunDeps } from './run-deps.ts';
import { startBatch } from './start-batch.ts';

/**
 * What the table's changes set in motion (the stream function; the sweeper calls the same code for
 * changes whose stream record was lost). Each reaction is idempotent: a record delivered twice does
 * the work once.
 */
type ReactionDeps = Pick<RunDeps, 'store' | 'run' | 'dialQueue' | 'webhookQueue' | 'clock' | 'logger'>;

export async function onBatchChanged(deps: ReactionDeps, before: Batch | null, after: Batch): Promise<void> {
  if (before === null && after.status === 'pending') {
    await startBatch(deps, after.workspaceId, after.id);
    return;
  }
  if (after.status === 'running' && after.counts.pending === 0 && after.counts.dialing === 0) {
    // The counts just added up: this change finishes the batch (its own record then sends the event).
    await deps.run.completeBatch(after.workspaceId, after.id, deps.clock().toISOString());
    return;
  }
  if (before?.status !== after.status && (after.status === 'completed' || after.status === 'failed')) {
    await recordBatchEvent(deps, after);
  }
}

/**
 * A recipient ended: send its webhook, and hand its call slot to the next recipient not yet
 * dispatched. `handOver` is the once-only guard, so a duplicate record never dispatches twice.
 */
export async function onRecipientEnded(deps: ReactionDeps, recipient: Recipient): Promise<void> {
  const batch = await deps.store.getBatch(recipient.workspaceId, recipient.batchId);
  if (!batch) return;
  await recordRecipientEvent(deps, batch, recipient);
  await handOverSlot(deps, batch.workspaceId, batch.id, recipient.index);
}

/**
 * Gives an ended recipient's call slot to the next recipient, once: the provider-events function does
 * it right after recording the call's end (the short path), the stream reaction and the sweeper do it
 * again when that step was lost, and `handOver` lets only the first of them dispatch.
 */
export async function handOverSlot(
  deps: Pick<RunDeps, 'run' | 'dialQueue' | 'clock'>,
  workspaceId: string,
  batchId: string,
  index: number,
): Promise<boolean> {
  if (!(await deps.run.handOver(batchId, index))) return false;
  await dispatchNext(deps, workspaceId, batchId);
  return true;
}

export async function dispatchNext(
  deps: Pick<RunDeps, 'run' | 'dialQueue' | 'clock'>,
  workspaceId: string,
  batchId: string,
): Promise<boolean> {
  const next = await deps.run.takeNextDispatch(workspaceId, batchId);
  if (next === null) return false;
  await deps.dialQueue.send([{ workspaceId, batchId, recipientIndex: next, attempt: 1 }]);
  await deps.run.markDispatched(batchId, [next], deps.clock().toISOString());
  return true;
}
