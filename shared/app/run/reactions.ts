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
type ReactionDeps = Pick<RunDeps, 'store' | 'runStore' | 'dialQueue' | 'webhookQueue' | 'clock' | 'logger'>;

export async function onBatchChanged(deps: ReactionDeps, before: Batch | null, after: Batch): Promise<void> {
  if (before === null && after.status === 'pending') {
    await startBatch(deps, after.workspaceId, after.id);
    return;
  }
  if (after.status === 'running' && after.counts.pending === 0 && after.counts.dialing === 0) {
    // The counts just added up: this change finishes the batch (its own record then sends the event).
    await deps.runStore.completeBatch(after.workspaceId, after.id, deps.clock().toISOString());
    return;
  }
  if (before?.status !== after.status && (after.status === 'completed' || after.status === 'failed')) {
    await recordBatchEvent(deps, after);
  }
}

/**
 * A recipient ended: send its webhook, then mark the event recorded, which also hands its call slot
 * over if the provider-events function did not (one write: the once-only guard of both). Until the
 * mark is there the sweeper runs this again, so an event whose stream record was lost is still sent.
 */
export async function onRecipientEnded(deps: ReactionDeps, recipient: Recipient): Promise<void> {
  const batch = await deps.store.getBatch(recipient.workspaceId, recipient.batchId);
  if (!batch) return;
  await recordRecipientEvent(deps, batch, recipient);
  if (await deps.runStore.markEventRecorded(batch.id, recipient.index)) {
    await dispatchNext(deps, batch.workspaceId, batch.id);
  }
}

export async function dispatchNext(
  deps: Pick<RunDeps, 'runStore' | 'dialQueue' | 'clock'>,
  workspaceId: string,
  batchId: string,
): Promise<boolean> {
  const next = await deps.runStore.takeNextDispatch(workspaceId, batchId);
  if (next === null) return false;
  await deps.dialQueue.send([{ workspaceId, batchId, attempt: 1, ...next }]);
  await deps.runStore.markDispatched(batchId, [next.recipientIndex], deps.clock().toISOString());
  return true;
}
