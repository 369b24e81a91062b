/**
 * How a workspace's live-call limit is split over counter shards. Every claim and every call end
 * writes one counter item in a transaction (2 write units each), and one item takes at most 1,000
 * write units a second: one counter for the whole workspace tops out near 250 calls started a
 * second. K shards, each holding a share of the limit, carry K times that.
 *
 * The rule: one shard per SHARD_SIZE calls of the limit (rounded up), at most MAX_LIVE_CALL_SHARDS,
 * and the shares add up to the limit exactly (the first `limit mod K` shards hold one more). So the
 * limit always holds (a claim takes a slot in one shard, conditioned on that shard being below its
 * share), and a limit of SHARD_SIZE or less is one shard: exact in both directions, as before
 * sharding (a claim is refused only when the workspace is full). Above it, a claim that finds its
 * shard full while another has room tries a few others before it waits (shared/app/run/dial.ts).
 */

/** Calls of the limit per shard. A shard of 250 live 60 s calls starts ≈ 4 a second: 2 % of an item. */
export const LIVE_CALL_SHARD_SIZE = 250;

/**
 * At most this many shards (one workspace item + the rest): a limit change rewrites every shard's
 * share in one transaction (≤ 100 items), and the room check reads them in one BatchGetItem.
 */
export const MAX_LIVE_CALL_SHARDS = 64;

export function liveCallShardCount(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`Invalid live-call limit ${limit}`);
  return Math.min(MAX_LIVE_CALL_SHARDS, Math.max(1, Math.ceil(limit / LIVE_CALL_SHARD_SIZE)));
}

/** Shard `shard`'s share of `limit` over `count` shards; 0 for a shard beyond the count (retired). */
export function liveCallShare(limit: number, count: number, shard: number): number {
  if (shard >= count) return 0;
  return Math.floor(limit / count) + (shard < limit % count ? 1 : 0);
}
