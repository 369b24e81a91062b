import { createHash } from 'node:crypto';
import { RETRY_DELAYS_MS, type RandomSource } from './webhook-retry.ts';

/**
 * The per-endpoint circuit breaker of webhook delivery (docs/webhooks.md): what keeps one tenant's
 * dead or slow receiver from holding the consumers every tenant shares. An endpoint is an agent's
 * webhook URL in one workspace (never shared across workspaces: a tenant pointing its agent at
 * another tenant's URL must not be able to trip that tenant's breaker).
 *
 * - closed (`openUntil` null): proven healthy; every delivery is sent, nothing is written.
 * - open (`openUntil` later than now): nothing is sent; deliveries wait until then without spending
 *   an attempt or a consumer's time.
 * - half-open (`openUntil` now or earlier): one probe at a time (a lease taken by a conditional
 *   write); the others wait a moment. An endpoint seen for the first time (or whose URL changed)
 *   starts here: it proves itself with one fast answer before it gets the full concurrency.
 *
 * What it guards is consumers' time, so it looks at how an attempt went, not at what the receiver
 * said: any HTTP answer within SLOW_ATTEMPT_MS (a 500 too: the retry schedule deals with that, and it
 * costs a consumer no more than a 204) closes it; an answer slower than that leaves it half-open; no
 * answer at all (a timeout, a refused or reset connection, DNS) counts as a failure, and failures
 * open it for an exponential backoff: at once for a slow one, after FAILURES_TO_OPEN in a row else.
 */

export interface EndpointHealth {
  /** Which URL this state is about (a hash); a different URL starts over. */
  urlKey: string;
  /** Failed attempts in a row. */
  failures: number;
  /** ms epoch; null when closed. */
  openUntil: number | null;
  /** The probe lease of a half-open endpoint (ms epoch), or null. */
  probeUntil: number | null;
}

/** An attempt slower than this (answered or not) marks its endpoint slow: one attempt at a time. */
export const SLOW_ATTEMPT_MS = 5_000;

/** Failed attempts in a row that open a closed endpoint (a slow or timed-out one opens at once). */
export const FAILURES_TO_OPEN = 3;

/** The first open period; it doubles with every failure in a row, up to MAX_OPEN_MS. */
export const BASE_OPEN_MS = 30_000;
export const MAX_OPEN_MS = 10 * 60_000;

/**
 * A delivery that finds the probe of an endpoint that never failed taken, and running for less than
 * SLOW_ATTEMPT_MS, looks again this long later (times 1–1.5, jitter): a new, healthy endpoint's
 * first deliveries wait seconds. Behind any other probe they wait for its lease to end, so a held
 * delivery costs one short pass per probe or open period, not one every few seconds.
 */
export const PROBE_WAIT_MS = 2_000;

/** How long a probe holds its lease: the 15 s attempt and its bookkeeping, with room. */
export const PROBE_LEASE_MS = 25_000;

/**
 * A delivery the breaker has held back for longer than the whole retry schedule is given up
 * (`failed`), as an event whose attempts all failed would be: the breaker delays events, it never
 * keeps one forever.
 */
export const MAX_HOLD_MS = RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);

/** The URL an endpoint state is about, as a short hash (the URL itself lives on the agent). */
export function endpointKeyOf(url: string): string {
  return createHash('sha256').update(url, 'utf8').digest('base64url').slice(0, 22);
}

export type Gate =
  | { kind: 'send' }
  /** Take the probe lease first; `fresh`: no state for this URL yet (the lease starts it). */
  | { kind: 'probe'; fresh: boolean }
  | { kind: 'wait'; untilMs: number };

/** What a delivery to this endpoint may do now. */
export function gate(state: EndpointHealth | null, urlKey: string, nowMs: number): Gate {
  if (!state || state.urlKey !== urlKey) return { kind: 'probe', fresh: true };
  if (state.openUntil === null) return { kind: 'send' };
  if (state.openUntil > nowMs) return { kind: 'wait', untilMs: state.openUntil };
  if (state.probeUntil !== null && state.probeUntil > nowMs) {
    // Only a probe that may well be fast (no failure yet, not slow so far) is worth asking about
    // again soon; behind any other, the held deliveries wait for its lease to end.
    const running = nowMs - (state.probeUntil - PROBE_LEASE_MS);
    const hopeful = state.failures === 0 && running < SLOW_ATTEMPT_MS;
    return { kind: 'wait', untilMs: hopeful ? nowMs + PROBE_WAIT_MS : state.probeUntil };
  }
  return { kind: 'probe', fresh: false };
}

/** When a held-back delivery comes back: after `untilMs`, spread so a crowd does not return at once. */
export function waitUntil(untilMs: number, nowMs: number, random: RandomSource): number {
  const wait = Math.max(untilMs - nowMs, PROBE_WAIT_MS);
  return Math.round(nowMs + wait * (1 + random() * 0.5));
}

/** How long an endpoint stays open after `failures` failed attempts in a row. */
export function openPeriodMs(failures: number): number {
  const doublings = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(BASE_OPEN_MS * 2 ** doublings, MAX_OPEN_MS);
}

export interface AttemptOutcome {
  /** An HTTP answer came, whatever its status. */
  answered: boolean;
  durationMs: number;
}

/**
 * The state to store after an attempt (`failures` already counts this attempt when it failed), or
 * null when nothing changes (a healthy endpoint answering fast: the common case writes nothing).
 * `wasClosed`: the attempt was sent while the endpoint was closed (not a probe).
 */
export function afterAttempt(
  outcome: AttemptOutcome,
  state: { failures: number; wasClosed: boolean },
  nowMs: number,
): { openUntil: number | null; resetFailures: boolean } | null {
  const slow = outcome.durationMs >= SLOW_ATTEMPT_MS;
  if (outcome.answered) {
    if (slow) return { openUntil: nowMs, resetFailures: true };
    return state.wasClosed && state.failures === 0 ? null : { openUntil: null, resetFailures: true };
  }
  if (slow || !state.wasClosed || state.failures >= FAILURES_TO_OPEN) {
    return { openUntil: nowMs + openPeriodMs(state.failures), resetFailures: false };
  }
  return null;
}
