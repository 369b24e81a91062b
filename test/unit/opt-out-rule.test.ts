import { describe, expect, it } from 'vitest';
import { callOptsOut, optOutItemOf } from '#shared/domain/opt-out.ts';

/** The one rule both the end of a call and the stream's capture decide an opt-out by. */

const asks = { optOutDataCollectionId: 'opt_out' };
const saying = (value: string | number | boolean | null) => ({
  dataCollection: {
    opt_out: { value, rationale: 'what the person said' },
    other: { value: true, rationale: '' },
  },
});

describe('callOptsOut', () => {
  it('is true when a completed call collected the agent’s opt-out item as true', () => {
    expect(callOptsOut(asks, 'completed', saying(true))).toBe(true);
  });

  it('is false for any other value of the item, or when the item was not collected', () => {
    for (const value of [false, null, 'true', 1])
      expect(callOptsOut(asks, 'completed', saying(value))).toBe(false);
    expect(callOptsOut(asks, 'completed', { dataCollection: {} })).toBe(false);
  });

  it('is false when the call did not complete, even if its conversation says so', () => {
    for (const status of ['failed', 'pending', 'dialing', 'skipped'] as const)
      expect(callOptsOut(asks, status, saying(true)), status).toBe(false);
  });

  it('is false without an opt-out item on the agent (another true item does not count)', () => {
    expect(callOptsOut({ optOutDataCollectionId: null }, 'completed', saying(true))).toBe(false);
    expect(callOptsOut({ optOutDataCollectionId: 'other_item' }, 'completed', saying(true))).toBe(false);
  });

  it('is false without a conversation', () => {
    expect(callOptsOut(asks, 'completed', null)).toBe(false);
    expect(callOptsOut(asks, 'completed', undefined)).toBe(false);
  });
});

describe('optOutItemOf', () => {
  it('names the item to read only for a completed call of an agent that asks', () => {
    expect(optOutItemOf(asks, 'completed')).toBe('opt_out');
    expect(optOutItemOf(asks, 'failed')).toBeNull();
    expect(optOutItemOf({ optOutDataCollectionId: null }, 'completed')).toBeNull();
  });
});
