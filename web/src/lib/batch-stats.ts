import type { BatchObject, RecipientObject } from '../../../shared/contracts/batch-objects.ts';
import { CALL_OUTCOMES } from '../../../shared/domain/recipient.ts';

/** Figures the batch pages show, derived from the contract's batch and recipient objects. */

export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Batches that still change by themselves: the dashboard keeps polling them. */
export function isLive(status: BatchObject['status']): boolean {
  return status === 'pending' || status === 'scheduled' || status === 'running';
}

export function isCancellable(status: BatchObject['status']): boolean {
  return status === 'pending' || status === 'scheduled';
}

/** Recipients whose call is over (completed or failed) of all of them. */
export function progressOf(batch: Pick<BatchObject, 'counts' | 'total_recipients'>): {
  done: number;
  total: number;
} {
  return { done: batch.counts.completed + batch.counts.failed, total: batch.total_recipients };
}

/**
 * Pick-up rate: calls a person answered, of calls actually placed (any outcome but `canceled`,
 * which means the call was never made).
 */
export function pickUpRate(recipients: readonly RecipientObject[]): { answered: number; dialed: number } {
  let answered = 0;
  let dialed = 0;
  for (const r of recipients) {
    if (r.outcome === null || r.outcome === 'canceled') continue;
    dialed += 1;
    if (r.outcome === 'answered') answered += 1;
  }
  return { answered, dialed };
}

export function outcomeBreakdown(recipients: readonly RecipientObject[]): Array<{
  outcome: CallOutcome;
  count: number;
}> {
  const counts = new Map<CallOutcome, number>(CALL_OUTCOMES.map((o) => [o, 0]));
  for (const r of recipients) if (r.outcome !== null) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  return CALL_OUTCOMES.map((outcome) => ({ outcome, count: counts.get(outcome) ?? 0 }));
}
