import { cancellationCodes, errorName } from './aws-errors.ts';
import { fullJitterMs, sleep } from './backoff.ts';

/**
 * Transaction conflicts on hot items. A batch item (its counts) and a workspace item (its live-call
 * counter) are written by every claim and every call end of a running batch; when two transactions
 * touch one of them at the same moment, DynamoDB cancels one with reason `TransactionConflict` (and
 * a plain write racing a transaction gets `TransactionConflictException`). Neither is an answer about
 * the data, and the SDK does not retry them: the write is simply tried again after a short random
 * pause (full jitter, so the contenders spread out instead of colliding again).
 */

/** True for a conflict with another request; false for a failed condition or anything else. */
export function isTransactionConflict(error: unknown): boolean {
  if (errorName(error) === 'TransactionConflictException') return true;
  const codes = cancellationCodes(error);
  // A failed condition is a real answer ("someone else did it") even when another item conflicted.
  if (codes.includes('ConditionalCheckFailed')) return false;
  return codes.includes('TransactionConflict');
}

export interface ConflictRetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function retryOnConflict<T>(
  work: () => Promise<T>,
  options: ConflictRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 12;
  const base = options.baseDelayMs ?? 10;
  const cap = options.maxDelayMs ?? 400;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
      await wait(Math.round(fullJitterMs(attempt, base, cap, random)));
    }
  }
}
