import { describe, expect, it } from 'vitest';
import {
  afterAttempt,
  BASE_OPEN_MS,
  endpointKeyOf,
  FAILURES_TO_OPEN,
  gate,
  MAX_HOLD_MS,
  MAX_OPEN_MS,
  openPeriodMs,
  PROBE_LEASE_MS,
  PROBE_WAIT_MS,
  SLOW_ATTEMPT_MS,
  waitUntil,
  type EndpointHealth,
} from '#shared/domain/endpoint-breaker.ts';
import { RETRY_DELAYS_MS } from '#shared/domain/webhook-retry.ts';

/** The rules of the webhook endpoint's circuit breaker, one by one. */

const NOW = 1_800_000_000_000;
const URL_KEY = endpointKeyOf('https://hooks.example.com/in');
const state = (overrides: Partial<EndpointHealth> = {}): EndpointHealth => ({
  urlKey: URL_KEY,
  failures: 0,
  openUntil: null,
  probeUntil: null,
  ...overrides,
});

describe('the gate before an attempt', () => {
  it('lets every delivery to a closed endpoint go', () => {
    expect(gate(state(), URL_KEY, NOW)).toEqual({ kind: 'send' });
    expect(gate(state({ failures: 2 }), URL_KEY, NOW)).toEqual({ kind: 'send' });
  });

  it('makes an endpoint never seen, or whose URL changed, prove itself with one probe', () => {
    expect(gate(null, URL_KEY, NOW)).toEqual({ kind: 'probe', fresh: true });
    const other = endpointKeyOf('https://hooks.example.com/other');
    expect(other).not.toBe(URL_KEY);
    expect(gate(state({ openUntil: NOW + 60_000 }), other, NOW)).toEqual({ kind: 'probe', fresh: true });
  });

  it('holds every delivery to an open endpoint until it half-opens', () => {
    expect(gate(state({ openUntil: NOW + 30_000 }), URL_KEY, NOW)).toEqual({
      kind: 'wait',
      untilMs: NOW + 30_000,
    });
  });

  it('lets one probe at a time through a half-open endpoint', () => {
    expect(gate(state({ openUntil: NOW }), URL_KEY, NOW)).toEqual({ kind: 'probe', fresh: false });
    // A probe just sent to an endpoint that never failed: the others look again shortly.
    expect(gate(state({ openUntil: NOW - 1, probeUntil: NOW + PROBE_LEASE_MS - 500 }), URL_KEY, NOW)).toEqual(
      {
        kind: 'wait',
        untilMs: NOW + PROBE_WAIT_MS,
      },
    );
    // A probe running for longer than SLOW_ATTEMPT_MS, or to an endpoint that failed: until its lease ends.
    const slowProbe = state({ openUntil: NOW - 1, probeUntil: NOW + PROBE_LEASE_MS - SLOW_ATTEMPT_MS });
    expect(gate(slowProbe, URL_KEY, NOW)).toEqual({ kind: 'wait', untilMs: slowProbe.probeUntil });
    const failing = state({ openUntil: NOW - 1, failures: 2, probeUntil: NOW + PROBE_LEASE_MS - 500 });
    expect(gate(failing, URL_KEY, NOW)).toEqual({ kind: 'wait', untilMs: failing.probeUntil });
    // A probe whose holder died: its lease expired, the next delivery probes.
    expect(gate(state({ openUntil: NOW - 1, probeUntil: NOW - 1 }), URL_KEY, NOW)).toEqual({
      kind: 'probe',
      fresh: false,
    });
  });
});

describe('what an attempt teaches', () => {
  const closed = { failures: 0, wasClosed: true };

  it('writes nothing when a healthy endpoint answers fast (the common case)', () => {
    expect(afterAttempt({ answered: true, durationMs: 40 }, closed, NOW)).toBeNull();
  });

  it('closes the endpoint after a fast answer to a probe, or after failures in a row', () => {
    const closes = { openUntil: null, resetFailures: true };
    expect(afterAttempt({ answered: true, durationMs: 40 }, { failures: 0, wasClosed: false }, NOW)).toEqual(
      closes,
    );
    expect(afterAttempt({ answered: true, durationMs: 40 }, { failures: 2, wasClosed: true }, NOW)).toEqual(
      closes,
    );
  });

  it('puts a slow endpoint at one attempt at a time, even when it answers', () => {
    expect(afterAttempt({ answered: true, durationMs: SLOW_ATTEMPT_MS }, closed, NOW)).toEqual({
      openUntil: NOW,
      resetFailures: true,
    });
  });

  it('opens at once on a timeout, and after FAILURES_TO_OPEN fast failures in a row', () => {
    expect(
      afterAttempt({ answered: false, durationMs: 15_000 }, { failures: 1, wasClosed: true }, NOW),
    ).toEqual({ openUntil: NOW + BASE_OPEN_MS, resetFailures: false });
    for (let failures = 1; failures < FAILURES_TO_OPEN; failures++) {
      expect(
        afterAttempt({ answered: false, durationMs: 30 }, { failures, wasClosed: true }, NOW),
      ).toBeNull();
    }
    expect(
      afterAttempt({ answered: false, durationMs: 30 }, { failures: FAILURES_TO_OPEN, wasClosed: true }, NOW),
    ).toEqual({ openUntil: NOW + openPeriodMs(FAILURES_TO_OPEN), resetFailures: false });
  });

  it('opens again, for longer, when a probe fails', () => {
    expect(afterAttempt({ answered: false, durationMs: 30 }, { failures: 5, wasClosed: false }, NOW)).toEqual(
      {
        openUntil: NOW + openPeriodMs(5),
        resetFailures: false,
      },
    );
  });
});

describe('timing', () => {
  it('doubles the open period with each failure in a row, up to its cap', () => {
    expect(openPeriodMs(1)).toBe(BASE_OPEN_MS);
    expect(openPeriodMs(2)).toBe(2 * BASE_OPEN_MS);
    expect(openPeriodMs(3)).toBe(4 * BASE_OPEN_MS);
    expect(openPeriodMs(50)).toBe(MAX_OPEN_MS);
    expect(openPeriodMs(1_000_000)).toBe(MAX_OPEN_MS);
  });

  it('brings held deliveries back after the time, spread over half of the wait', () => {
    expect(waitUntil(NOW + 60_000, NOW, () => 0)).toBe(NOW + 60_000);
    expect(waitUntil(NOW + 60_000, NOW, () => 0.999_999)).toBeLessThanOrEqual(NOW + 90_000);
    // Never sooner than a probe's wait: a crowd must not spin on a lease.
    expect(waitUntil(NOW, NOW, () => 0)).toBe(NOW + PROBE_WAIT_MS);
  });

  it('holds an event at most as long as the retry schedule lasts (over the contract 24 hours)', () => {
    expect(MAX_HOLD_MS).toBe(RETRY_DELAYS_MS.reduce((a, b) => a + b, 0));
    expect(MAX_HOLD_MS).toBeGreaterThan(24 * 3_600_000);
  });
});
