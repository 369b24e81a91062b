import type { BatchRun, RecipientRun } from '../../ports/run-store.ts';

/**
 * When the sweeper must look at a batch again. A batch not finished carries an attention time in the
 * table's ACTIVE index, and the sweeper reads only the batches whose attention time is its attention
 * delay ago (its grace period, `attentionDelayMs`), so its cost follows trouble, not the number of
 * running batches:
 *   - progress sets it to now (a dial turn taken, passed on or given back, a pause, a stop: written
 *     by the same update, shared/adapters/dynamodb/entities/batch.ts), so a batch that goes quiet is
 *     looked at once its last dispatch could have been lost or its last reaction missed;
 *   - after a look that found the batch healthy, the sweeper moves it to the earliest moment one of
 *     the recipients it read could turn out stuck (`nextAttention`): a dial message unclaimed for
 *     grace, an ended attempt whose reaction is not recorded after grace, a call `dialing` past its
 *     ringing timeout + the longest call, a wake-up not done grace after its time;
 *   - a batch that waits with no turn in flight is looked at grace after its wake-up; a paused one at
 *     rest not before its rest ends (or its resume, which is progress).
 * A busy batch is never quiet, and one with only long calls in flight is read once, then not before
 * its first call could be stuck. A dial message lost while other calls of its batch keep progressing
 * is found once the batch is quiet (its turn is missing meanwhile, no person is called twice).
 */

/** The longest a running batch is left unread, whatever it holds (a safety net for the unforeseen). */
export const MAX_ATTENTION_DELAY_MS = 86_400_000;

/**
 * How long after its attention time the sweeper reads a batch: its grace period, or the longest call
 * when that is shorter (a test's short calls), so a progress mark never hides a stuck call.
 */
export function attentionDelayMs(limits: { graceMs: number; maxCallMs: number }): number {
  return Math.min(limits.graceMs, limits.maxCallMs);
}

/**
 * When (ms) the sweeper should read `batch` again after a look at it and its `recipients` at `nowMs`
 * (it stores that time less its attention delay). Conservative: a moment earlier than needed only
 * costs a read.
 */
export function nextLook(
  batch: Pick<BatchRun, 'status' | 'wakeAt' | 'stoppedAt' | 'counts' | 'slots'>,
  recipients: readonly RecipientRun[],
  nowMs: number,
  limits: { graceMs: number; stuckAfterMs: number },
): number {
  let at = nowMs + MAX_ATTENTION_DELAY_MS;
  const earlier = (ms: number) => {
    if (!Number.isNaN(ms)) at = Math.min(at, ms);
  };
  let inFlight = false;
  let heldTurns = 0;
  for (const r of recipients) {
    if ((r.status === 'pending' && r.dispatchedAt !== null) || r.status === 'dialing') heldTurns++;
    if (r.status === 'pending' && r.dispatchedAt !== null) {
      // Its dial message is trusted for grace. A claim moves no attention, so this look must also
      // come no later than the claimed call could be stuck (a stuck limit shorter than grace).
      earlier(Date.parse(r.dispatchedAt) + Math.min(limits.graceMs, limits.stuckAfterMs));
      inFlight = true;
    } else if (r.status === 'dialing' && r.dialingSince) {
      // Stuck once past ringing timeout + the longest call (the sweeper then reconciles it).
      earlier(Date.parse(r.dialingSince) + limits.stuckAfterMs);
      inFlight = true;
    } else if (attemptEndedUnrecorded(r) && r.endedAt) {
      // Its reaction (event, hand-over) is trusted for grace.
      earlier(Date.parse(r.endedAt) + limits.graceMs);
      inFlight = true;
    }
  }
  if (batch.wakeAt) earlier(Date.parse(batch.wakeAt) + limits.graceMs);
  if (batch.status === 'stopping' && batch.counts.pending > 0 && batch.stoppedAt) {
    earlier(Date.parse(batch.stoppedAt) + limits.graceMs);
  }
  if (batch.status === 'running' && heldTurns < batch.slots) {
    // A turn counted but held by no recipient read: one being dispatched right now (its mark not
    // written yet, and that mark moves no attention) or lost. Looked at again as soon as that
    // dispatch could need it.
    earlier(nowMs + Math.min(limits.graceMs, limits.stuckAfterMs));
  }
  if (batch.status === 'running' && !inFlight && !batch.wakeAt) {
    // Running with nothing in flight and no wake-up: nothing will move it; look again after grace.
    earlier(nowMs + limits.graceMs);
  }
  return at;
}

/** An attempt ended (for good, or to be retried) whose event and hand-over are not recorded yet. */
export function attemptEndedUnrecorded(r: RecipientRun): boolean {
  if (r.eventRecorded) return false;
  if (r.status === 'completed' || r.status === 'failed') return true;
  return r.status === 'pending' && r.attempts > 0 && r.endedAt !== null;
}
