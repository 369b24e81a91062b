import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  isRetryableOutcome,
  nextRetry,
  RETRYABLE_OUTCOMES,
  type RetryPolicy,
} from '#shared/domain/retry.ts';
import { CALL_OUTCOMES } from '#shared/domain/recipient.ts';

const ENDED = new Date('2026-06-01T15:00:00.000Z');

const policy: RetryPolicy = {
  maxAttempts: 3,
  rules: {
    no_answer: { delaySeconds: 7_200 },
    busy: { delaySeconds: 900 },
    voicemail: { delaySeconds: 86_400 },
    failed: { delaySeconds: 600 },
  },
};

describe('nextRetry', () => {
  it('waits the rule`s delay after the attempt ended', () => {
    expect(nextRetry(policy, 'no_answer', 1, ENDED)?.toISOString()).toBe('2026-06-01T17:00:00.000Z');
    expect(nextRetry(policy, 'busy', 1, ENDED)?.toISOString()).toBe('2026-06-01T15:15:00.000Z');
    expect(nextRetry(policy, 'voicemail', 2, ENDED)?.toISOString()).toBe('2026-06-02T15:00:00.000Z');
    expect(nextRetry(policy, 'failed', 2, ENDED)?.toISOString()).toBe('2026-06-01T15:10:00.000Z');
  });

  it('counts the first call: max_attempts 3 means two retries', () => {
    expect(nextRetry(policy, 'busy', 1, ENDED)).not.toBeNull();
    expect(nextRetry(policy, 'busy', 2, ENDED)).not.toBeNull();
    expect(nextRetry(policy, 'busy', 3, ENDED)).toBeNull();
    expect(nextRetry(policy, 'busy', 4, ENDED)).toBeNull();
  });

  it('never retries an answered or cancelled call', () => {
    expect(nextRetry(policy, 'answered', 1, ENDED)).toBeNull();
    expect(nextRetry(policy, 'canceled', 1, ENDED)).toBeNull();
  });

  it('retries only the outcomes named in rules', () => {
    const busyOnly: RetryPolicy = { maxAttempts: 5, rules: { busy: { delaySeconds: 60 } } };
    expect(nextRetry(busyOnly, 'busy', 1, ENDED)?.toISOString()).toBe('2026-06-01T15:01:00.000Z');
    for (const outcome of ['no_answer', 'voicemail', 'failed'] as const) {
      expect(nextRetry(busyOnly, outcome, 1, ENDED), outcome).toBeNull();
    }
  });

  it('the default policy is one attempt, no retry', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 1, rules: {} });
    for (const outcome of CALL_OUTCOMES)
      expect(nextRetry(DEFAULT_RETRY_POLICY, outcome, 1, ENDED)).toBeNull();
    // Rules without attempts to spend retry nothing either.
    expect(nextRetry({ maxAttempts: 1, rules: policy.rules }, 'busy', 1, ENDED)).toBeNull();
  });

  it('the retryable outcomes are call outcomes other than answered and canceled', () => {
    expect([...RETRYABLE_OUTCOMES].sort()).toEqual(
      CALL_OUTCOMES.filter((o) => o !== 'answered' && o !== 'canceled').sort(),
    );
    expect(isRetryableOutcome('busy')).toBe(true);
    expect(isRetryableOutcome('answered')).toBe(false);
    expect(isRetryableOutcome('toString')).toBe(false);
  });
});
