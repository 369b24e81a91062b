import type { SkipReason } from '../../domain/recipient.ts';
import type { BatchRun, RecipientRun } from '../../ports/run-store.ts';
import { passTurn, topUp } from './dispatch.ts';
import { applyGuardrails } from './guardrails.ts';
import { captureOptOut } from './opt-out.ts';
import { recordBatchEvent, recordRecipientEvent } from './outbox-events.ts';
import type { RunDeps } from './run-deps.ts';
import { startBatch } from './start-batch.ts';

/**
 * What the table's changes set in motion (the stream function; the sweeper calls the same code for
 * changes whose stream record was lost). Each reaction is idempotent: a record delivered twice does
 * the work once.
 */
type ReactionDeps = Pick<
  RunDeps,
  'store' | 'runStore' | 'dialQueue' | 'webhookQueue' | 'clock' | 'logger' | 'scheduler' | 'transcripts'
>;

export async function onBatchChanged(
  deps: ReactionDeps,
  before: BatchRun | null,
  after: BatchRun,
): Promise<void> {
  if (before === null && after.status === 'pending') {
    await startBatch(deps, after.workspaceId, after.id);
    return;
  }
  if (after.wakeAt !== null && after.wakeAt !== before?.wakeAt) {
    // The batch waits for its earliest due recipient: its one wake-up becomes a one-time schedule.
    await deps.scheduler.scheduleWake({
      workspaceId: after.workspaceId,
      batchId: after.id,
      at: after.wakeAt,
    });
  }
  const statusChanged = before?.status !== after.status;
  if (statusChanged) await onStatusChanged(deps, before, after);

  const nothingLeft = after.counts.pending === 0 && after.counts.dialing === 0;
  if (nothingLeft && (after.status === 'running' || after.status === 'paused')) {
    // The counts just added up: this change finishes the batch (its own record then sends the event).
    await deps.runStore.completeBatch(after.workspaceId, after.id, deps.clock().toISOString());
  } else if (nothingLeft && after.status === 'stopping') {
    await deps.runStore.finishStop(after.workspaceId, after.id, deps.clock().toISOString());
  }
}

async function onStatusChanged(deps: ReactionDeps, before: BatchRun | null, after: BatchRun): Promise<void> {
  switch (after.status) {
    case 'paused':
      await recordBatchEvent(deps, after, 'batch.paused', after.pausedAt ?? deps.clock().toISOString());
      return;
    case 'running':
      if (before?.status === 'paused') {
        // The pause it ends names this resume: a redelivered change records the same event.
        await recordBatchEvent(deps, after, 'batch.resumed', before.pausedAt ?? after.startedAt);
        await topUp(deps, after.workspaceId, after.id);
      }
      return;
    case 'stopping':
      await skipWaiting(deps, after, 'batch_stopped');
      return;
    case 'cancelled':
      // A cancelled pending/scheduled batch moved its counts at once; its recipients follow here.
      if (before?.status !== 'stopping') await skipWaiting(deps, after, 'batch_cancelled');
      await recordBatchEvent(deps, after, 'batch.cancelled');
      return;
    case 'completed':
      await recordBatchEvent(deps, after, 'batch.completed');
      return;
    case 'failed':
      await recordBatchEvent(deps, after, 'batch.failed');
      return;
    default:
      return;
  }
}

/** How often a skip is tried again when the recipient changed between the read and the write. */
const SKIP_TRIES = 3;

/**
 * Skips every recipient of the batch that is still waiting (a stop, a cancel). A recipient being
 * dialed is left to finish; one whose dial message is queued is skipped too (its message then finds
 * it skipped), giving its turn back in the same transaction.
 */
export async function skipWaiting(deps: ReactionDeps, batch: BatchRun, reason: SkipReason): Promise<number> {
  const countsMoved = reason === 'batch_cancelled';
  let skipped = 0;
  const pending = (await deps.runStore.listRecipientRuns(batch.id)).filter((r) => r.status === 'pending');
  const ref = (r: RecipientRun) => ({
    workspaceId: batch.workspaceId,
    batchId: batch.id,
    recipientIndex: r.index,
  });
  // A few at a time: a 1,000-recipient stop is 1,000 small transactions on one partition.
  for (let i = 0; i < pending.length; i += 10) {
    const results = await Promise.all(
      pending.slice(i, i + 10).map(async (first) => {
        let r: RecipientRun | null = first;
        for (let tries = 0; r && r.status === 'pending' && tries < SKIP_TRIES; tries++) {
          const state = { heldSlot: r.dispatchedAt !== null, dueSk: r.dueSk, countsMoved };
          if (await deps.runStore.skipRecipient(ref(r), reason, state)) return true;
          r = await deps.runStore.getRecipientRun(batch.id, r.index);
        }
        return false;
      }),
    );
    skipped += results.filter(Boolean).length;
  }
  deps.logger.info('waiting recipients skipped', { batchId: batch.id, reason, skipped });
  return skipped;
}

/**
 * A recipient's attempt ended (a final end, or one that will be retried): send its webhook, then mark
 * the event recorded, which also passes its dial turn on if the provider-events function did not (one
 * write: the once-only guard of both). Until the mark is there the sweeper runs this again, so an
 * event whose stream record was lost is still sent.
 */
export async function onRecipientEnded(deps: ReactionDeps, recipient: RecipientRun): Promise<void> {
  // The end's own transaction recorded the event and passed the turn on (call-ended.ts): nothing
  // left to do, not even a read.
  if (recipient.eventRecorded) return;
  // One read of the agent for both: its webhook subscription and its opt-out item; with the batch.
  const { batch, agent } = await deps.runStore.getRunReads(
    { workspaceId: recipient.workspaceId, batchId: recipient.batchId, recipientIndex: recipient.index },
    { recipient: false, agent: true },
  );
  if (!batch) return;
  if (agent) {
    await recordRecipientEvent(deps, agent, batch, recipient);
    await captureOptOut(deps, agent, batch, recipient);
  }
  // Before the turn passes on: a tripped guardrail pauses the batch, so the turn is given back.
  await applyGuardrails(deps, batch);
  if (await deps.runStore.markEventRecorded(batch.id, recipient.index, recipient.attempts)) {
    await passTurn(deps, batch.workspaceId, batch.id, batch);
  }
}
