import { isTerminalBatchStatus, type BatchStatus } from '../../domain/batch.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { RecipientRun } from '../../ports/run-store.ts';
import { stopBatch } from '../batch-controls.ts';
import { onBatchChanged, onRecipientEnded, skipWaiting } from './reactions.ts';
import type { RunDeps } from './run-deps.ts';

/**
 * An operator's way out for a batch that will not finish on its own (a provider that never reports
 * its calls, a bug): `npm run admin -- force-finish`. It is a stop that does not wait for live calls
 * (contract "Pause, resume, stop"), built from the same transitions and reactions the run uses, so
 * counts, turns and events stay what the run would have made them:
 *   - pending | scheduled → cancelled (the cancel); running | paused → stopping (the stop);
 *   - every call still `dialing` ends `failed` (outcome `failed`, error FORCE_FINISH_ERROR) in the
 *     run's own end transaction (counts, turn and workspace slot in one write);
 *   - every recipient still waiting is skipped (`batch_stopped`), as a stop skips it;
 *   - the ended calls' `call.failed` and the batch's `batch.cancelled` go to the outbox; their ids
 *     come from the events, so the stream reacting to the same changes writes nothing twice.
 * A call that was live at the provider and reports later finds its recipient no longer `dialing`:
 * its end is ignored (the end transaction is conditioned on the attempt in progress).
 */

export const FORCE_FINISH_ERROR = 'force-finished by an operator';

export type ForceFinishDeps = Pick<
  RunDeps,
  'store' | 'runStore' | 'dialQueue' | 'webhookQueue' | 'clock' | 'logger' | 'scheduler' | 'transcripts'
>;

export interface ForceFinishReport {
  before: BatchStatus;
  after: BatchStatus;
  /** Calls that were `dialing` and are now failed by this command. */
  failedCalls: number;
  /**
   * Recipients the stop skipped, by this command or by the stream's reaction to the same stop
   * (whichever came first: each recipient is skipped once): the batch's skipped count, after − before.
   */
  skipped: number;
}

export async function forceFinishBatch(
  deps: ForceFinishDeps,
  workspaceId: string,
  batchId: string,
): Promise<ForceFinishReport> {
  const batch = await deps.runStore.getBatchRun(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist in workspace ${workspaceId}.`);
  const before = batch.status;
  if (isTerminalBatchStatus(before)) return { before, after: before, failedCalls: 0, skipped: 0 };

  // Cancel (pending, scheduled) or stop (running, paused); already stopping stays so.
  if (before !== 'stopping') await stopBatch(deps, workspaceId, batchId);

  const failed = await failLiveCalls(deps, workspaceId, batchId);
  let current = await deps.runStore.getBatchRun(workspaceId, batchId);
  if (!current) throw new NotFoundError(`Batch ${batchId} disappeared while being finished.`);
  if (current.status === 'stopping' || current.status === 'cancelled') {
    await skipWaiting(deps, current, current.status === 'stopping' ? 'batch_stopped' : 'batch_cancelled');
  }

  // The events of the calls it ended, and the turns they held given back, as the stream would.
  // Calls that ended before are the run's own business (its stream reaction already ran or retries).
  for (const index of failed) {
    const r = await deps.runStore.getRecipientRun(batchId, index);
    if (r && !r.eventRecorded) await onRecipientEnded(deps, r);
  }

  // Nothing live or waiting is left: the stop finishes (stopping → cancelled). Then the reaction to
  // the batch's end (its event), from the last state this command saw before it.
  current = await deps.runStore.getBatchRun(workspaceId, batchId);
  if (current && !isTerminalBatchStatus(current.status)) await onBatchChanged(deps, current, current);
  const finished = await deps.runStore.getBatchRun(workspaceId, batchId);
  const previous = current && !isTerminalBatchStatus(current.status) ? current : batch;
  if (finished && isTerminalBatchStatus(finished.status)) await onBatchChanged(deps, previous, finished);
  const after = finished?.status ?? before;
  const failedCalls = failed.length;
  const skipped = (finished?.counts.skipped ?? batch.counts.skipped) - batch.counts.skipped;
  deps.logger.info('batch force-finished by an operator', {
    workspaceId,
    batchId,
    before,
    after,
    failedCalls,
  });
  return { before, after, failedCalls, skipped };
}

/** Ends every `dialing` recipient of the batch `failed`, through the run's end transaction; their indexes. */
async function failLiveCalls(deps: ForceFinishDeps, workspaceId: string, batchId: string): Promise<number[]> {
  const live = (await deps.runStore.listRecipientRuns(batchId)).filter((r) => r.status === 'dialing');
  const failed: number[] = [];
  // One at a time: they share the batch item's counts, and a stuck batch has few live calls.
  for (const r of live) if (await failLiveCall(deps, workspaceId, r)) failed.push(r.index);
  return failed;
}

function failLiveCall(deps: ForceFinishDeps, workspaceId: string, r: RecipientRun): Promise<boolean> {
  return deps.runStore.endCall(
    { workspaceId, batchId: r.batchId, recipientIndex: r.index, attempt: r.attempts },
    {
      status: 'failed',
      outcome: 'failed',
      startedAt: null,
      endedAt: deps.clock().toISOString(),
      durationSecs: null,
      error: FORCE_FINISH_ERROR,
      conversationId: null,
      transcriptKey: null,
      dialedAt: r.dialingSince,
      // Never retried: the operator ends the batch.
      retryAt: null,
      liveShard: r.liveShard,
      // The batch finishes here: no breaker reads its marks again.
      breakerMark: false,
    },
  );
}
