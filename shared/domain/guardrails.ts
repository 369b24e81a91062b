import type { CallOutcome } from './recipient.ts';

/**
 * A batch's guardrails (contract "Guardrails"): a failure breaker over the last `minCalls` ended
 * attempts and a spend cap on summed call time. Both pause the batch (live calls finish); neither
 * fails a recipient. Pure rules: the run path keeps the figures on the batch item and asks these.
 */

export interface Guardrails {
  /** In (0, 1]; null: no failure breaker. */
  maxFailureRate: number | null;
  /** 1–1,000: how many ended attempts the breaker looks at (and waits for). */
  minCalls: number;
  /** > 0, fractions allowed; null: no spend cap. */
  maxCallMinutes: number | null;
}

export const GUARDRAIL_LIMITS = {
  minCalls: { min: 1, max: 1_000, default: 10 },
} as const;

/** How an ended attempt counts for the breaker: `f` failed, `o` anything else (busy, no answer…). */
export type BreakerMark = 'f' | 'o';

export function breakerMark(outcome: CallOutcome): BreakerMark {
  return outcome === 'failed' ? 'f' : 'o';
}

/** Whether the guardrails have a failure breaker: the only reader of the breaker marks. */
export function hasBreaker(
  guardrails: Guardrails | null,
): guardrails is Guardrails & { maxFailureRate: number } {
  return typeof guardrails?.maxFailureRate === 'number';
}

/**
 * The breaker trips once at least `minCalls` attempts have ended and, among the last `minCalls` of
 * them, the share that failed reaches `maxFailureRate`. `recent` is oldest first.
 */
export function breakerTripped(guardrails: Guardrails | null, recent: readonly BreakerMark[]): boolean {
  if (!hasBreaker(guardrails)) return false;
  const n = guardrails.minCalls;
  if (recent.length < n) return false;
  const window = recent.slice(recent.length - n);
  const failed = window.filter((m) => m === 'f').length;
  return failed / n >= guardrails.maxFailureRate;
}

/** The spend cap is reached once the summed call time reaches `maxCallMinutes`. */
export function spendCapReached(guardrails: Guardrails | null, callMs: number): boolean {
  if (!guardrails || guardrails.maxCallMinutes === null) return false;
  return callMs >= guardrails.maxCallMinutes * 60_000;
}

/**
 * The time a call counts for: from its start to its end, not rounded (whole seconds only where the
 * provider gives no more); a call that never connected costs nothing.
 */
export function callTimeMs(startedAt: string | null, endedAt: string, durationSecs: number | null): number {
  const start = startedAt === null ? NaN : Date.parse(startedAt);
  const end = Date.parse(endedAt);
  if (Number.isFinite(start) && Number.isFinite(end) && end >= start) return end - start;
  return durationSecs !== null && durationSecs > 0 ? durationSecs * 1000 : 0;
}
