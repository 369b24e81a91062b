import { describe, expect, it } from 'vitest';
import { isTransactionConflict, retryOnConflict } from '#shared/adapters/dynamodb/conflicts.ts';

function cancelled(...codes: string[]) {
  return Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

describe('transaction conflicts', () => {
  it('tells a conflict from a failed condition', () => {
    expect(isTransactionConflict(cancelled('None', 'TransactionConflict'))).toBe(true);
    expect(
      isTransactionConflict(Object.assign(new Error('x'), { name: 'TransactionConflictException' })),
    ).toBe(true);
    expect(isTransactionConflict(cancelled('ConditionalCheckFailed', 'TransactionConflict'))).toBe(false);
    expect(isTransactionConflict(cancelled('None', 'ConditionalCheckFailed'))).toBe(false);
    expect(isTransactionConflict(new Error('boom'))).toBe(false);
  });

  it('retries a conflict with growing, jittered pauses and returns the result', async () => {
    const pauses: number[] = [];
    let calls = 0;
    const result = await retryOnConflict(
      async () => {
        calls++;
        if (calls < 4) throw cancelled('TransactionConflict');
        return 'done';
      },
      { baseDelayMs: 10, maxDelayMs: 1000, random: () => 1, sleep: async (ms) => void pauses.push(ms) },
    );
    expect(result).toBe('done');
    expect(pauses).toEqual([20, 40, 80]);
  });

  it('gives up after its attempts, and never retries anything else', async () => {
    let calls = 0;
    const noPause = { sleep: async () => {}, attempts: 3 };
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw cancelled('TransactionConflict');
      }, noPause),
    ).rejects.toThrow('Transaction cancelled');
    expect(calls).toBe(3);

    calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw cancelled('ConditionalCheckFailed');
      }, noPause),
    ).rejects.toThrow();
    expect(calls).toBe(1);
  });
});
