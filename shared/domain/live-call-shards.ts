/**
 * How a workspace's live-call limit is split over counter shards. Every claim and every call end
 * writes one counter item in a transaction (2 write units each), and one item takes at most 1,000
 * write units a second: one counter for the whole workspace tops out near 250 calls started a
 * second. K shards, each holding a share of the limit, carry K times that.
 *
 * The rule: one shard per LIVE_CALL_SHARD_SIZE calls of the limit (rounded up), at most
 * MAX_LIVE_CALL_SHARDS (and never fewer than the shards still holding live calls), and the shares
 * add up to the limit exactly (`liveCallShares`). So the limit always holds (a claim takes a slot in
 * one shard, conditioned on that shard being below its share), and a limit of 250 or less is one
 * shard: exact in both directions, as before sharding (a claim is refused only when the workspace is
 * full). Above it, a claim that finds its shard full while another has room tries two others before
 * the recipient waits (docs/capacity.md, "The live-call counter").
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

/**
 * The shares of `limit` over shards that hold `live` calls now (one entry a shard). They add up to the
 * limit and are as even as the live calls allow ("water-filling"), so resharding never lets the
 * workspace exceed its limit, nor, when more calls are live than a lowered limit, start any new call
 * beyond those: with room (the live calls ≤ the limit), each shard's share is at least what it holds;
 * without, at most, so no shard takes a call until its own calls have ended below its share.
 */
export function liveCallShares(limit: number, live: readonly number[]): number[] {
  const total = live.reduce((sum, n) => sum + n, 0);
  const room = total <= limit;
  const shareAt = (level: number, held: number) => (room ? Math.max(held, level) : Math.min(held, level));
  const sumAt = (level: number) => live.reduce((sum, held) => sum + shareAt(level, held), 0);
  // The highest level whose shares fit in the limit (sumAt grows with the level).
  let low = 0;
  let high = limit;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (sumAt(mid) <= limit) low = mid;
    else high = mid - 1;
  }
  const shares = live.map((held) => shareAt(low, held));
  // What is left is less than the shards that would grow at the next level: one more to the first.
  let left = limit - sumAt(low);
  for (let k = 0; k < shares.length && left > 0; k++) {
    if (shareAt(low + 1, live[k] ?? 0) > (shares[k] ?? 0)) {
      shares[k] = (shares[k] ?? 0) + 1;
      left--;
    }
  }
  return shares;
}
