import type { BatchRun, RecipientRun } from '../../ports/run-store.ts';
import { hasBreaker } from '../../domain/guardrails.ts';
import { credentialsRef } from '../../ports/secret-store.ts';
import { attemptEndedUnrecorded, attentionDelayMs, nextLook } from './attention.ts';
import { recordCallEnded } from './call-ended.ts';
import { topUp } from './dispatch.ts';
import { onBatchChanged, onRecipientEnded, skipWaiting } from './reactions.ts';
import type { RunDeps } from './run-deps.ts';
import { startBatch } from './start-batch.ts';

/**
 * The sweeper (every minute): the table is the single source of truth, and queues, streams and the
 * scheduler may lose work (a crash, a restart of the local runtime, a message past its retention).
 * It re-finds that work from the table and redoes it through the same idempotent code paths. It reads
 * only what is due or may be stuck: the batches whose attention time (./attention.ts) is grace ago,
 * and the webhook deliveries due grace ago, so a run costs the same with 1 or 1,000 healthy batches.
 *   - a batch that should have started (its schedule or its stream record lost) is started;
 *   - a running batch: recipients dispatched but never picked up are queued again; ended recipients
 *     whose hand-over was lost are handed over; missing dispatches are topped up; calls stuck in
 *     `dialing` past ringing timeout + the longest call are reconciled with the provider or failed;
 *     counts that add up finish the batch;
 *   - webhook deliveries due for longer than the grace period (long retries, lost messages) are queued.
 * The grace period (`sweepGraceMs`, SWEEP_GRACE_SECONDS) is how long a queue message is trusted to do
 * its work; everything the sweeper queues again is idempotent anyway, so a short one only costs messages.
 */
export interface SweepReport {
  started: number;
  requeued: number;
  /** Ended recipients whose stream reaction (event, hand-over) was lost and is redone. */
  reactionsRedone: number;
  toppedUp: number;
  reconciled: number;
  failedStuck: number;
  webhooksQueued: number;
  /** Creates abandoned mid-way (a crash, a failed clean-up) whose leftovers were removed. */
  abandonedCreations: number;
}

/**
 * A create still marked in progress after this long was abandoned: the API function times out after
 * 29 s (infra/wiring.ts), so no request can still be writing it.
 */
export const ABANDONED_CREATION_MS = 5 * 60 * 1000;

/** How long a paused, idle batch is left unswept (a resume ends the rest at once). */
export const PAUSED_REST_MS = 7 * 86_400_000;

type SweepDeps = Pick<
  RunDeps,
  | 'store'
  | 'runStore'
  | 'dialQueue'
  | 'webhookQueue'
  | 'dialerFor'
  | 'secrets'
  | 'transcripts'
  | 'clock'
  | 'logger'
  | 'maxCallSeconds'
  | 'sweepGraceMs'
  | 'scheduler'
>;

export async function sweep(deps: SweepDeps): Promise<SweepReport> {
  const report: SweepReport = {
    started: 0,
    requeued: 0,
    reactionsRedone: 0,
    toppedUp: 0,
    reconciled: 0,
    failedStuck: 0,
    webhooksQueued: 0,
    abandonedCreations: 0,
  };
  const nowMs = deps.clock().getTime();
  const graceAgo = new Date(nowMs - deps.sweepGraceMs).toISOString();
  const delayAgo = new Date(nowMs - attentionDelay(deps)).toISOString();

  for (const { workspaceId, batchId } of await deps.runStore.listActiveBatches(delayAgo)) {
    try {
      await sweepBatch(deps, workspaceId, batchId, nowMs, report);
    } catch (error) {
      // One broken batch must not stop the sweep of the others.
      deps.logger.error('sweep of a batch failed', { workspaceId, batchId, error });
    }
  }

  const due = await deps.runStore.listDueDeliveries(graceAgo, WEBHOOKS_PER_SHARD);
  for (let i = 0; i < due.length; i += 10) {
    const chunk = due.slice(i, i + 10);
    await deps.webhookQueue.send(chunk);
    report.webhooksQueued += chunk.length;
  }
  report.abandonedCreations = await sweepAbandonedCreations(deps, nowMs);
  return report;
}

/**
 * The most due webhook deliveries one sweep queues from each index shard (16 shards: 1,600 a run);
 * more are queued by the next sweep, so one run stays short whatever piled up.
 */
export const WEBHOOKS_PER_SHARD = 100;

const attentionDelay = (deps: Pick<SweepDeps, 'sweepGraceMs' | 'maxCallSeconds'>) =>
  attentionDelayMs({ graceMs: deps.sweepGraceMs, maxCallMs: deps.maxCallSeconds * 1000 });

/** What a sweep redid for batches so far: a batch look that adds none found it healthy. */
const repairs = (r: SweepReport) => r.requeued + r.reactionsRedone + r.reconciled + r.failedStuck;

/** The sweeper's lease: one sweep at a time, however EventBridge overlaps the minutes. */
export const SWEEP_LEASE = 'sweeper';

/**
 * One sweep, unless another is running (its lease unexpired): then 'busy' and nothing is read.
 * `leaseMs` is how long this run may take (its invocation's remaining time): a sweep that dies
 * holds the lease no longer than that.
 */
export async function sweepUnderLease(
  deps: SweepDeps,
  holder: string,
  leaseMs: number,
): Promise<SweepReport | 'busy'> {
  const nowMs = deps.clock().getTime();
  if (!(await deps.runStore.acquireLease(SWEEP_LEASE, holder, nowMs, nowMs + leaseMs))) return 'busy';
  try {
    return await sweep(deps);
  } finally {
    await deps.runStore.releaseLease(SWEEP_LEASE, holder).catch((error: unknown) => {
      // It expires on its own; the next sweep is only late by the rest of this one's time.
      deps.logger.warn('could not give the sweep lease back', { error });
    });
  }
}

/** Removes what abandoned creates left (recipients without a batch), once no request can still be writing them. */
export async function sweepAbandonedCreations(
  deps: Pick<SweepDeps, 'store' | 'logger'>,
  nowMs: number,
): Promise<number> {
  const before = new Date(nowMs - ABANDONED_CREATION_MS).toISOString();
  let discarded = 0;
  for (const { workspaceId, batchId } of await deps.store.listAbandonedBatchCreations(before)) {
    try {
      const { discardedRecipients } = await deps.store.discardAbandonedBatchCreation(workspaceId, batchId);
      discarded++;
      deps.logger.info('removed an abandoned batch creation', { workspaceId, batchId, discardedRecipients });
    } catch (error) {
      deps.logger.error('could not remove an abandoned batch creation', { workspaceId, batchId, error });
    }
  }
  return discarded;
}

async function sweepBatch(
  deps: SweepDeps,
  workspaceId: string,
  batchId: string,
  nowMs: number,
  report: SweepReport,
) {
  const batch = await deps.runStore.getBatchRun(workspaceId, batchId);
  if (!batch) return;
  const grace = deps.sweepGraceMs;
  const old = (iso: string | null) => iso !== null && Date.parse(iso) < nowMs - grace;

  if (batch.status === 'scheduled' || batch.status === 'pending') {
    const dueAt = batch.status === 'scheduled' ? batch.scheduledAt : batch.createdAt;
    if (
      dueAt !== null &&
      Date.parse(dueAt) < nowMs - (batch.status === 'scheduled' ? Math.min(15_000, grace) : grace)
    ) {
      if ((await startBatch(deps, workspaceId, batchId)) === 'started') report.started++;
    }
    return;
  }
  if (batch.status === 'stopping' && batch.counts.pending > 0 && old(batch.stoppedAt)) {
    // The stop's stream reaction was lost: skip what still waits.
    await skipWaiting(deps, batch, 'batch_stopped');
  }
  if (batch.status !== 'running' && batch.status !== 'paused' && batch.status !== 'stopping') return;

  const recipients = await deps.runStore.listRecipientRuns(batchId);
  const stuckAfterMs = batch.ringingTimeoutMs + deps.maxCallSeconds * 1000;
  const before = repairs(report);
  const lost: RecipientRun[] = [];
  let lastChangeMs = Math.max(
    Date.parse(batch.startedAt ?? batch.createdAt),
    Date.parse(batch.wakeAt ?? '') || 0,
  );
  let heldTurns = 0;
  for (const r of recipients) {
    if (r.endedAt) lastChangeMs = Math.max(lastChangeMs, Date.parse(r.endedAt));
    if (r.dispatchedAt) lastChangeMs = Math.max(lastChangeMs, Date.parse(r.dispatchedAt));
    const holdsTurn = (r.status === 'pending' && r.dispatchedAt !== null) || r.status === 'dialing';
    if (holdsTurn) heldTurns++;
    if (r.status === 'pending' && r.dispatchedAt !== null && old(r.dispatchedAt)) {
      lost.push(r);
    } else if (attemptEndedUnrecorded(r) && old(r.endedAt)) {
      // Its stream reaction was lost: the event is recorded and the turn passed on (if not yet).
      await onRecipientEnded(deps, r);
      report.reactionsRedone++;
    } else if (
      r.status === 'dialing' &&
      r.dialingSince &&
      Date.parse(r.dialingSince) < nowMs - stuckAfterMs
    ) {
      await settleStuckCall(deps, batch, r, report);
    }
  }
  if (lost.length > 0 && batch.status !== 'stopping') {
    // Marked first, as every dispatch is: a message lost again is found again.
    await deps.runStore.markDispatched(
      batchId,
      lost.map((r) => r.index),
      new Date(nowMs).toISOString(),
    );
    await deps.dialQueue.send(
      lost.map((r) => ({
        workspaceId,
        batchId,
        recipientIndex: r.index,
        attempt: r.attempts + 1,
        agentId: batch.agentId,
        phoneNumberId: batch.phoneNumberId,
      })),
    );
    report.requeued += lost.length;
  }

  // A paused batch with nothing live or queued rests: the sweeper leaves it alone until its resume
  // (whose first dial turn brings its attention back), so a paused batch costs storage only.
  const rests = batch.status === 'paused' && heldTurns === 0 && lost.length === 0;
  if (rests) {
    await deps.runStore.rest(workspaceId, batchId, new Date(nowMs + PAUSED_REST_MS).toISOString());
  }

  // A hand-over that crashed between its steps, or a lost wake-up, leaves the batch short of dial
  // turns: once it has been quiet long enough that no hand-over is still in flight, count the turns
  // the recipients hold, and top up.
  if (batch.status === 'running' && lastChangeMs < nowMs - grace) {
    if (
      batch.slots !== heldTurns &&
      (await deps.runStore.repairSlots(workspaceId, batchId, batch.slots, heldTurns))
    ) {
      deps.logger.warn('dial turns repaired', {
        workspaceId,
        batchId,
        counted: batch.slots,
        held: heldTurns,
      });
    }
    report.toppedUp += await topUp(deps, workspaceId, batchId);
  }

  // The batch's last change may have been missed by the stream: finish it if its counts add up.
  const fresh = await deps.runStore.getBatchRun(workspaceId, batchId);
  if (fresh) await onBatchChanged(deps, fresh, fresh);

  if (rests) return;
  // Healthy (nothing redone): not read again before one of its recipients could be stuck. After a
  // repair, grace from now. Either way only if no progress was written since the batch was read
  // (that progress has set the attention itself, and this look may not have seen it).
  const acted = repairs(report) > before;
  const look = acted ? nowMs + grace : nextLook(batch, recipients, nowMs, { graceMs: grace, stuckAfterMs });
  await deps.runStore.setAttention(
    workspaceId,
    batchId,
    new Date(look - attentionDelay(deps)).toISOString(),
    batch.progress ?? 0,
  );
}

/** Asks the provider how a call with no callback ended; without an answer, fails it with the reason. */
async function settleStuckCall(
  deps: SweepDeps,
  batch: Pick<BatchRun, 'workspaceId' | 'phoneNumberId' | 'guardrails'>,
  r: RecipientRun,
  report: SweepReport,
) {
  const { workspaceId, phoneNumberId } = batch;
  const ref = { workspaceId, batchId: r.batchId, recipientIndex: r.index, attempt: r.attempts };
  const dialer = r.provider ? deps.dialerFor(r.provider) : undefined;
  if (dialer?.getCall && r.providerCallId && r.provider) {
    try {
      const credentials =
        r.provider === 'simulated'
          ? null
          : await deps.secrets.get(credentialsRef(workspaceId, phoneNumberId));
      const ended = await dialer.getCall(r.providerCallId, credentials);
      if (ended) {
        await recordCallEnded(deps, r.provider, { ...ended, ref });
        report.reconciled++;
        return;
      }
    } catch (error) {
      deps.logger.warn('reconciliation with the provider failed', {
        batchId: r.batchId,
        index: r.index,
        error,
      });
    }
  }
  const since = r.dialingSince
    ? Math.round((deps.clock().getTime() - Date.parse(r.dialingSince)) / 1000)
    : null;
  const ended = await deps.runStore.endCall(ref, {
    status: 'failed',
    outcome: 'failed',
    startedAt: null,
    endedAt: deps.clock().toISOString(),
    durationSecs: null,
    error: r.providerCallId
      ? `The provider never reported how the call ended (waited ${since ?? '?'} s); its outcome is unknown.`
      : `The call could not be confirmed as placed (no answer from the provider); it was not retried, so no one is called twice.`,
    conversationId: null,
    transcriptKey: null,
    dialedAt: r.dialingSince,
    // Its outcome is unknown: retrying could call a person twice, so it is never retried.
    retryAt: null,
    liveShard: r.liveShard,
    breakerMark: hasBreaker(batch.guardrails),
  });
  if (ended) report.failedStuck++;
}
