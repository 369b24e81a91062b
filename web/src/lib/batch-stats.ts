import type { BatchObject, RecipientObject } from '../../../shared/contracts/batch-objects.ts';
import { CALL_OUTCOMES } from '../../../shared/domain/recipient.ts';

/** Figures the batch pages show, derived from the contract's batch and recipient objects. */

export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Batches that still change by themselves: the dashboard keeps polling them. */
export function isLive(status: BatchObject['status']): boolean {
  return ['pending', 'scheduled', 'running', 'paused', 'stopping'].includes(status);
}

/** Which of Pause, Resume and Stop a batch in this status offers (Cancel is isCancellable). */
export function controlsFor(status: BatchObject['status']): {
  pause: boolean;
  resume: boolean;
  stop: boolean;
} {
  return {
    pause: status === 'running',
    resume: status === 'paused',
    stop: status === 'running' || status === 'paused',
  };
}

export function isCancellable(status: BatchObject['status']): boolean {
  return status === 'pending' || status === 'scheduled';
}

/** Recipients that are final (completed, failed or skipped) of all of them. */
export function progressOf(batch: Pick<BatchObject, 'counts' | 'total_recipients'>): {
  done: number;
  total: number;
} {
  return {
    done: batch.counts.completed + batch.counts.failed + batch.counts.skipped,
    total: batch.total_recipients,
  };
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

/** The chart's categories: how calls ended, and `skipped` for recipients never to be called again. */
export type OutcomeKey = CallOutcome | 'skipped';
export const OUTCOME_KEYS: readonly OutcomeKey[] = [...CALL_OUTCOMES, 'skipped'];

/** A skipped recipient counts as skipped, whatever its last attempt's outcome was. */
export function outcomeBreakdown(recipients: readonly RecipientObject[]): Array<{
  outcome: OutcomeKey;
  count: number;
}> {
  const counts = new Map<OutcomeKey, number>(OUTCOME_KEYS.map((o) => [o, 0]));
  for (const r of recipients) {
    const key: OutcomeKey | null = r.status === 'skipped' ? 'skipped' : r.outcome;
    if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return OUTCOME_KEYS.map((outcome) => ({ outcome, count: counts.get(outcome) ?? 0 }));
}
