import { describe, expect, it } from 'vitest';
import {
  classifyResponse,
  MAX_ATTEMPTS,
  MAX_RETRY_AFTER_SECONDS,
  nextAttempt,
  parseRetryAfter,
  RETRY_DELAYS_MS,
  retryDelayMs,
} from '#shared/domain/webhook-retry.ts';

const now = new Date('2025-06-01T12:00:00.000Z');
const middle = () => 0.5; // no jitter
const low = () => 0; // -20 %
const high = () => 0.999999; // ≈ +20 %
const retry = classifyResponse({ statusCode: 500, retryAfterSeconds: null, error: null });

const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe('retry schedule', () => {
  it('waits immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then gives up', () => {
    expect(RETRY_DELAYS_MS).toEqual([0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(MAX_ATTEMPTS).toBe(11);
    const waits: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const next = nextAttempt(attempt, retry, now, middle);
      if (attempt < MAX_ATTEMPTS) {
        expect(next.state).toBe('retrying');
        waits.push((next.nextAttemptAt?.getTime() ?? NaN) - now.getTime());
      } else {
        expect(next).toEqual({ state: 'failed', nextAttemptAt: null });
      }
    }
    expect(waits).toEqual([...RETRY_DELAYS_MS]);
    // The contract asks for at least 24 hours of retries.
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * H);
  });

  it('adds ±20 % jitter, deterministic for a given random source', () => {
    expect(retryDelayMs(3, low)).toBe(4 * M);
    expect(retryDelayMs(3, high)).toBeCloseTo(6 * M, -2);
    expect(retryDelayMs(3, () => 0.25)).toBe(retryDelayMs(3, () => 0.25));
    expect(retryDelayMs(1, high)).toBe(0);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(10, Math.random) ?? NaN;
      expect(d).toBeGreaterThanOrEqual(0.8 * 24 * H);
      expect(d).toBeLessThanOrEqual(1.2 * 24 * H);
    }
    expect(retryDelayMs(MAX_ATTEMPTS, middle)).toBeNull();
    expect(() => retryDelayMs(0, middle)).toThrow(RangeError);
  });
});

describe('classifyResponse', () => {
  it('counts only a 2xx as delivered', () => {
    for (const statusCode of [200, 201, 202, 204, 299]) {
      expect(classifyResponse({ statusCode, retryAfterSeconds: null, error: null })).toEqual({
        kind: 'delivered',
      });
    }
    expect(nextAttempt(4, { kind: 'delivered' }, now)).toEqual({ state: 'delivered', nextAttemptAt: null });
  });

  it('disables the endpoint on 410 Gone', () => {
    const verdict = classifyResponse({ statusCode: 410, retryAfterSeconds: null, error: null });
    expect(verdict.kind).toBe('disable');
    expect(nextAttempt(1, verdict, now)).toEqual({ state: 'disabled', nextAttemptAt: null });
  });

  it('treats redirects as failures to retry, never following them', () => {
    for (const statusCode of [301, 302, 307, 308]) {
      const verdict = classifyResponse({ statusCode, retryAfterSeconds: null, error: null });
      expect(verdict).toEqual({
        kind: 'retry',
        reason: `redirects are not followed (HTTP ${statusCode})`,
        retryAfterSeconds: null,
      });
    }
  });

  it('retries other statuses and transport errors, naming the reason', () => {
    expect(classifyResponse({ statusCode: 500, retryAfterSeconds: null, error: null })).toMatchObject({
      kind: 'retry',
      reason: 'HTTP 500',
    });
    expect(classifyResponse({ statusCode: 404, retryAfterSeconds: null, error: null }).kind).toBe('retry');
    expect(
      classifyResponse({ statusCode: null, retryAfterSeconds: null, error: 'timed out after 15 s' }),
    ).toEqual({ kind: 'retry', reason: 'timed out after 15 s', retryAfterSeconds: null });
  });

  it('honours Retry-After on 429 and 503 only, capped', () => {
    expect(classifyResponse({ statusCode: 429, retryAfterSeconds: 120, error: null })).toMatchObject({
      retryAfterSeconds: 120,
    });
    expect(classifyResponse({ statusCode: 503, retryAfterSeconds: 10 ** 9, error: null })).toMatchObject({
      retryAfterSeconds: MAX_RETRY_AFTER_SECONDS,
    });
    expect(classifyResponse({ statusCode: 500, retryAfterSeconds: 120, error: null })).toMatchObject({
      retryAfterSeconds: null,
    });
  });

  it('lets a Retry-After delay the next attempt but never hasten it', () => {
    const longer = classifyResponse({ statusCode: 429, retryAfterSeconds: 120, error: null });
    // After attempt 2 the schedule says 5 s; the receiver asked for 2 min.
    expect(nextAttempt(2, longer, now, middle).nextAttemptAt).toEqual(new Date(now.getTime() + 120 * S));
    const shorter = classifyResponse({ statusCode: 503, retryAfterSeconds: 1, error: null });
    // After attempt 4 the schedule says 30 min; a 1 s Retry-After does not bring it forward.
    expect(nextAttempt(4, shorter, now, middle).nextAttemptAt).toEqual(new Date(now.getTime() + 30 * M));
    // And it does not extend the number of attempts.
    expect(nextAttempt(MAX_ATTEMPTS, longer, now, middle).state).toBe('failed');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(new Date(now.getTime() + 90 * S).toUTCString(), now)).toBe(90);
    expect(parseRetryAfter(new Date(now.getTime() - 90 * S).toUTCString(), now)).toBe(0);
  });

  it('gives null for absent or unreadable values', () => {
    for (const value of [null, undefined, '', 'soon', '-5', '1.5'])
      expect(parseRetryAfter(value, now)).toBeNull();
  });
});
