/**
 * The webhook retry policy (DESIGN.md §6). The first attempt goes out at once; after a failed attempt
 * n (1-based) the next one waits RETRY_DELAYS_MS[n - 1] with ±20 % jitter — immediately, 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h — so an event is retried for about three days (well over the
 * contract's 24 hours) across 11 attempts, then given up. Jitter spreads the retries of many events
 * that failed together (a receiver outage) so they do not all come back at the same second.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const RETRY_DELAYS_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/** The first attempt plus one retry per scheduled delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export const JITTER_RATIO = 0.2;

/** A receiver's Retry-After is honoured up to this; beyond it the receiver cannot stall an event. */
export const MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60;

/** A source of uniform numbers in [0, 1), like Math.random; tests pass a fixed one. */
export type RandomSource = () => number;

export type DeliveryVerdict =
  | { kind: 'delivered' }
  /** 410 Gone: the receiver asks us to stop; the endpoint is disabled. */
  | { kind: 'disable'; reason: string }
  /** Anything else: try again later, no sooner than `retryAfterSeconds` when the receiver said so. */
  | { kind: 'retry'; reason: string; retryAfterSeconds: number | null };

export interface DeliveryResponse {
  /** null when no HTTP answer came (refused address, DNS failure, timeout, connection error). */
  statusCode: number | null;
  retryAfterSeconds: number | null;
  error: string | null;
}

/** Only a 2xx delivers; redirects are failures because following one could lead anywhere. */
export function classifyResponse(response: DeliveryResponse): DeliveryVerdict {
  const { statusCode, retryAfterSeconds, error } = response;
  if (statusCode === null) return { kind: 'retry', reason: error ?? 'no answer', retryAfterSeconds: null };
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered' };
  if (statusCode === 410) return { kind: 'disable', reason: 'the receiver answered 410 Gone' };
  if (statusCode >= 300 && statusCode < 400) {
    return {
      kind: 'retry',
      reason: `redirects are not followed (HTTP ${statusCode})`,
      retryAfterSeconds: null,
    };
  }
  const honoured =
    (statusCode === 429 || statusCode === 503) && retryAfterSeconds !== null && retryAfterSeconds >= 0
      ? Math.min(retryAfterSeconds, MAX_RETRY_AFTER_SECONDS)
      : null;
  return { kind: 'retry', reason: error ?? `HTTP ${statusCode}`, retryAfterSeconds: honoured };
}

/** The scheduled wait after failed attempt `attempt` (1-based) with jitter, or null once given up. */
export function retryDelayMs(attempt: number, random: RandomSource): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt must be an integer ≥ 1');
  const base = RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return null;
  const factor = 1 + (random() * 2 - 1) * JITTER_RATIO;
  return Math.round(base * factor);
}

export type DeliveryState = 'delivered' | 'retrying' | 'failed' | 'disabled';

/**
 * What happens after an attempt: `attemptsSoFar` counts every attempt made, this one included.
 * A Retry-After only ever delays the next attempt (the later of it and the schedule wins).
 */
export function nextAttempt(
  attemptsSoFar: number,
  verdict: DeliveryVerdict,
  now: Date,
  random: RandomSource = Math.random,
): { state: DeliveryState; nextAttemptAt: Date | null } {
  if (verdict.kind === 'delivered') return { state: 'delivered', nextAttemptAt: null };
  if (verdict.kind === 'disable') return { state: 'disabled', nextAttemptAt: null };
  const delay = retryDelayMs(attemptsSoFar, random);
  if (delay === null) return { state: 'failed', nextAttemptAt: null };
  const wait = Math.max(delay, (verdict.retryAfterSeconds ?? 0) * 1_000);
  return { state: 'retrying', nextAttemptAt: new Date(now.getTime() + wait) };
}

/** Retry-After in seconds, from a number of seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  if (/^\d+$/.test(text)) return Number(text);
  // Only an HTTP date is valid here; Date.parse would also accept odd strings such as "1.5".
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
