import { describe, expect, it } from 'vitest';
import {
  LIVE_CALL_SHARD_SIZE,
  MAX_LIVE_CALL_SHARDS,
  liveCallShardCount,
  liveCallShares,
} from '#shared/domain/live-call-shards.ts';
import { CLAIM_SHARD_TRIES, shardsToTry } from '#shared/adapters/dynamodb/entities/live-calls.ts';

/** How a workspace's live-call limit is split over its counter's shards, and which shards a claim tries. */

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe('live-call shards', () => {
  it('one shard up to 250 calls of limit (exact, as before sharding), one more per 250, at most 64', () => {
    expect(liveCallShardCount(1)).toBe(1);
    expect(liveCallShardCount(100)).toBe(1);
    expect(liveCallShardCount(LIVE_CALL_SHARD_SIZE)).toBe(1);
    expect(liveCallShardCount(LIVE_CALL_SHARD_SIZE + 1)).toBe(2);
    expect(liveCallShardCount(10_000)).toBe(40);
    expect(liveCallShardCount(1_000_000)).toBe(MAX_LIVE_CALL_SHARDS);
  });

  it('shares add up to the limit exactly, as evenly as possible when no call is live', () => {
    for (const limit of [1, 7, 250, 251, 600, 999, 10_000, 123_457]) {
      const count = liveCallShardCount(limit);
      const shares = liveCallShares(limit, new Array<number>(count).fill(0));
      expect(sum(shares)).toBe(limit);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });

  it('with room, every shard gets at least what it holds; without, at most: the limit never overshoots', () => {
    const cases: [number, number[]][] = [
      [600, [250, 0, 0]],
      [250, [100, 100, 100]],
      [1_000, [0, 400, 10, 0]],
      [300, [100, 100, 100]],
      [10, [7, 0, 9]],
    ];
    for (const [limit, live] of cases) {
      const shares = liveCallShares(limit, live);
      expect(sum(shares), `${limit} over ${live.join(',')}`).toBe(limit);
      const held = sum(live);
      // What the shards can reach: each its share or what it holds, whichever is more.
      const reach = sum(shares.map((share, k) => Math.max(share, live[k] ?? 0)));
      expect(reach).toBe(Math.max(limit, held));
      shares.forEach((share, k) => {
        if (held <= limit) expect(share).toBeGreaterThanOrEqual(live[k] ?? 0);
        else expect(share).toBeLessThanOrEqual(live[k] ?? 0);
      });
    }
    expect(liveCallShares(600, [250, 0, 0])).toEqual([250, 175, 175]);
    expect(liveCallShares(250, [100, 100, 100])).toEqual([84, 83, 83]);
  });

  it('a claim tries up to three distinct shards from a random start, all of them when there are fewer', () => {
    expect(shardsToTry(1, () => 0.99)).toEqual([0]);
    expect(shardsToTry(2, () => 0.6)).toEqual([1, 0]);
    expect(shardsToTry(40, () => 0.99)).toEqual([39, 0, 1]);
    for (const count of [3, 5, 64]) {
      const tries = shardsToTry(count);
      expect(new Set(tries).size).toBe(CLAIM_SHARD_TRIES);
      tries.forEach((shard) => expect(shard).toBeLessThan(count));
    }
  });
});
