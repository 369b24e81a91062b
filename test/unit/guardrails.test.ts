import { describe, expect, it } from 'vitest';
import {
  breakerMark,
  breakerTripped,
  callTimeMs,
  spendCapReached,
  type BreakerMark,
} from '#shared/domain/guardrails.ts';
import { validateGuardrails } from '#shared/contracts/campaign.ts';

const marks = (text: string) => [...text] as BreakerMark[];
const breaker = { maxFailureRate: 0.5, minCalls: 4, maxCallMinutes: null };

describe('failure breaker', () => {
  it('waits for min_calls ended attempts', () => {
    expect(breakerTripped(breaker, marks('fff'))).toBe(false);
    expect(breakerTripped(breaker, marks('ffoo'))).toBe(true);
  });

  it('looks only at the last min_calls attempts', () => {
    expect(breakerTripped(breaker, marks('ffffoooo'))).toBe(false);
    expect(breakerTripped(breaker, marks('oooooffo'))).toBe(true);
    expect(breakerTripped(breaker, marks('ooooofoo'))).toBe(false);
  });

  it('counts only failed as a failure: busy, no answer and voicemail are not', () => {
    expect(
      ['failed', 'busy', 'no_answer', 'voicemail', 'answered'].map((o) => breakerMark(o as never)),
    ).toEqual(['f', 'o', 'o', 'o', 'o']);
  });

  it('trips at exactly the rate (reaches), and never without a breaker', () => {
    expect(breakerTripped({ ...breaker, maxFailureRate: 1 }, marks('ffff'))).toBe(true);
    expect(breakerTripped({ ...breaker, maxFailureRate: 1 }, marks('offf'))).toBe(false);
    expect(breakerTripped(null, marks('ffff'))).toBe(false);
    expect(breakerTripped({ ...breaker, maxFailureRate: null }, marks('ffff'))).toBe(false);
  });
});

describe('spend cap', () => {
  it('is reached once the summed call time reaches max_call_minutes (fractions allowed)', () => {
    const cap = { maxFailureRate: null, minCalls: 10, maxCallMinutes: 0.5 };
    expect(spendCapReached(cap, 29_999)).toBe(false);
    expect(spendCapReached(cap, 30_000)).toBe(true);
    expect(spendCapReached(null, 10 ** 9)).toBe(false);
  });

  it('sums calls from their start and end times, not rounded; whole seconds only as a fallback', () => {
    expect(callTimeMs('2026-12-07T10:00:00.000Z', '2026-12-07T10:00:42.250Z', 42)).toBe(42_250);
    expect(callTimeMs(null, '2026-12-07T10:00:42.250Z', 42)).toBe(42_000);
    expect(callTimeMs(null, '2026-12-07T10:00:42.250Z', null)).toBe(0);
  });
});

describe('guardrails contract', () => {
  it('takes the contract ranges and defaults min_calls', () => {
    expect(validateGuardrails({ max_failure_rate: 0.5 })).toEqual({
      ok: true,
      value: { maxFailureRate: 0.5, minCalls: 10, maxCallMinutes: null },
    });
    expect(validateGuardrails({ max_call_minutes: 0.25, min_calls: 1000 })).toMatchObject({ ok: true });
  });

  it('refuses values outside the ranges, naming each field', () => {
    const check = validateGuardrails({
      max_failure_rate: 0,
      min_calls: 1001,
      max_call_minutes: -1,
      extra: 1,
    });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.issues.map((i) => i.path).sort()).toEqual([
      'guardrails.extra',
      'guardrails.max_call_minutes',
      'guardrails.max_failure_rate',
      'guardrails.min_calls',
    ]);
  });
});
