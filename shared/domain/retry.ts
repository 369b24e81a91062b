import type { CallOutcome } from './recipient.ts';

/**
 * Retries of a recipient's call (contract "Retries"). `maxAttempts` counts the first call; only the
 * outcomes named in `rules` are retried, each after its own delay; `answered` never is (nor `canceled`,
 * which is the batch's doing). A provider's rate-limit answer is not an attempt: callers do not count it.
 * When the retry is due, the calling window, suppressions and contact limits still apply (the caller's
 * business: this module only says when the next attempt may come at the earliest).
 */

export const RETRYABLE_OUTCOMES = ['no_answer', 'busy', 'voicemail', 'failed'] as const;
export type RetryableOutcome = (typeof RETRYABLE_OUTCOMES)[number];

export interface RetryRule {
  delaySeconds: number;
}

export interface RetryPolicy {
  /** 1–10, the first call included; 1 means no retry. */
  maxAttempts: number;
  rules: Partial<Record<RetryableOutcome, RetryRule>>;
}

export const RETRY_LIMITS = {
  maxAttempts: { min: 1, max: 10, default: 1 },
  delaySeconds: { min: 60, max: 604_800 },
} as const;

/** Without a `retry` field: one attempt, no retry. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: RETRY_LIMITS.maxAttempts.default,
  rules: Object.freeze({}),
});

export function isRetryableOutcome(outcome: string): outcome is RetryableOutcome {
  return (RETRYABLE_OUTCOMES as readonly string[]).includes(outcome);
}

/**
 * When the next attempt is due after an attempt that ended with `outcome` at `endedAt`, or null when
 * there is none: the outcome has no rule (or is `answered`/`canceled`), or `attemptsMade` (calls made
 * so far, this one included) has reached `maxAttempts`.
 */
export function nextRetry(
  policy: RetryPolicy,
  outcome: CallOutcome,
  attemptsMade: number,
  endedAt: Date,
): Date | null {
  if (!isRetryableOutcome(outcome)) return null;
  const rule = policy.rules[outcome];
  if (rule === undefined) return null;
  if (attemptsMade >= policy.maxAttempts) return null;
  return new Date(endedAt.getTime() + rule.delaySeconds * 1_000);
}
