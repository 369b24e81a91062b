import { boundedCache } from '../../../domain/bounded-cache.ts';
import { liveCallShardCount, liveCallShares } from '../../../domain/live-call-shards.ts';
import type { RunStore } from '../../../ports/run-store.ts';
import { ENTITY, keys, runKeys, type TableKey } from '../keys.ts';
import type { Item, Table, TransactItem } from '../table-ops.ts';

/**
 * A workspace's live-call counter, in shards (shared/domain/live-call-shards.ts for the rule).
 * Shard 0 is the workspace item itself (`liveCalls`, `maxLiveCalls`, and when there are several
 * shards `liveShare` and `liveShards`); shard k ≥ 1 is LIVE#<ws>#<k> / LIVE (`liveCalls`,
 * `liveShare`, `liveShards`). A workspace with one shard (a limit ≤ 250, every workspace until its
 * limit is raised) is exactly the counter before sharding, so a recipient claimed before the shards
 * came (no `liveShard` recorded) releases shard 0, where its claim counted it.
 *
 * A claim takes a slot in one shard, conditioned on that shard being below its share; the recipient
 * records the shard (`liveShard`, absent for 0) and its end or give-back releases that shard. The
 * shares add up to the limit, so the workspace never has more live calls than its limit.
 */

/** How long a container trusts the shard count it learned of a workspace (a limit change reshards). */
const SHARD_COUNT_TTL_MS = 60_000;
/** Shards a claim tries before it answers `workspace_full` (each try is one transaction). */
export const CLAIM_SHARD_TRIES = 3;
/** Workspaces whose shard count a container remembers, oldest out first (a few bytes each). */
const MAX_KNOWN_WORKSPACES = 10_000;

export function liveCallShardKey(workspaceId: string, shard: number): TableKey {
  return shard === 0 ? keys.workspace(workspaceId) : runKeys.liveCallShard(workspaceId, shard);
}

/**
 * Takes a slot in `shard`, below its share. On the workspace item without `liveShare` (one shard),
 * the share is the whole limit, `maxLiveCalls`.
 */
export function takeLiveCall(tableName: string, workspaceId: string, shard: number): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: liveCallShardKey(workspaceId, shard),
      UpdateExpression: 'SET liveCalls = if_not_exists(liveCalls, :zero) + :one',
      ConditionExpression:
        shard === 0
          ? 'attribute_exists(PK) AND ((attribute_not_exists(liveShare) AND ' +
            '(attribute_not_exists(liveCalls) OR liveCalls < maxLiveCalls)) OR liveCalls < liveShare)'
          : 'liveCalls < liveShare',
      ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
    },
  };
}

/**
 * Gives a slot of `shard` back (a call ended, a claim undone): the shard the recipient recorded at
 * its claim. Unconditioned: a counter that drifted must not block the recipient's own change.
 * This is the live-call half of every end transaction (the recipient's condition on its recorded
 * shard, `liveShardCondition`, makes sure it is the right one).
 */
export function releaseLiveCall(tableName: string, workspaceId: string, shard: number): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: liveCallShardKey(workspaceId, shard),
      UpdateExpression: 'SET liveCalls = if_not_exists(liveCalls, :one) - :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/** The recipient-side record of the shard a claim took (set, or removed for shard 0). */
export function liveShardRecord(shard: number): {
  set: string;
  remove: string;
  values: Record<string, unknown>;
} {
  return shard === 0
    ? { set: '', remove: ', liveShard', values: {} }
    : { set: ', liveShard = :liveShard', remove: '', values: { ':liveShard': shard } };
}

/** The recipient's condition that it holds a slot of `shard` (an old recipient without one: 0). */
export function liveShardCondition(shard: number): { condition: string; values: Record<string, unknown> } {
  return shard === 0
    ? { condition: 'attribute_not_exists(liveShard)', values: {} }
    : { condition: 'liveShard = :liveShard', values: { ':liveShard': shard } };
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

/** A workspace item's shard count (absent: one shard, the item itself). */
export const shardCountOf = (workspace: Item): number => numberOr(workspace.liveShards, 1);

/**
 * The shard counts a container has seen, per workspace, for a bounded time. Unknown, a claim tries
 * shard 0 first (no read: most workspaces have only it) and reads the workspace item only when
 * that shard is full.
 */
export interface LiveShardMemory {
  known(workspaceId: string, nowMs: number): number | undefined;
  remember(workspaceId: string, count: number, nowMs: number): void;
  forget(workspaceId: string): void;
}

export function liveShardMemory(): LiveShardMemory {
  const counts = boundedCache<number>({ ttlMs: SHARD_COUNT_TTL_MS, maxEntries: MAX_KNOWN_WORKSPACES });
  return {
    known: (workspaceId, nowMs) => counts.get(workspaceId, nowMs),
    remember: (workspaceId, count, nowMs) => counts.set(workspaceId, count, nowMs),
    forget: (workspaceId) => counts.delete(workspaceId),
  };
}

/**
 * The shards a claim tries, in order: up to CLAIM_SHARD_TRIES consecutive ones of `count` from a
 * random start, so claims spread evenly and no shard fills long before the others.
 */
export function shardsToTry(count: number, random: () => number = Math.random): number[] {
  const start = Math.floor(random() * count);
  return Array.from({ length: Math.min(CLAIM_SHARD_TRIES, count) }, (_, i) => (start + i) % count);
}

/** Whether a shard item (or the workspace item, shard 0) is below its share. */
function shardHasRoom(item: Item | null, shard: number): boolean {
  if (!item) return false;
  const live = numberOr(item.liveCalls, 0);
  if (shard === 0 && item.liveShare === undefined) {
    return typeof item.maxLiveCalls !== 'number' || live < item.maxLiveCalls;
  }
  return live < numberOr(item.liveShare, 0);
}

export function liveCallStore(table: Table, memory: LiveShardMemory): Pick<RunStore, 'workspaceHasRoom'> {
  return {
    async workspaceHasRoom(workspaceId) {
      // One shard (known or not yet): one GetItem, as before sharding. Several: one BatchGetItem of
      // them all, then any missed if the count grew since this container learned it.
      const nowMs = Date.now();
      const guess = memory.known(workspaceId, nowMs) ?? 1;
      const shardKeys = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, i) => liveCallShardKey(workspaceId, from + i));
      const items =
        guess === 1
          ? [await table.get(keys.workspace(workspaceId))]
          : await table.batchGet(shardKeys(0, guess));
      const workspace = items[0];
      if (!workspace) return false;
      const count = shardCountOf(workspace);
      memory.remember(workspaceId, count, nowMs);
      if (count > items.length) items.push(...(await table.batchGet(shardKeys(items.length, count))));
      return items.slice(0, count).some((item, shard) => shardHasRoom(item, shard));
    },
  };
}

/**
 * Sets a workspace's live-call limit and reshards its counter for it, in one transaction: the
 * workspace item and every shard. The shares are computed from the calls each shard holds now
 * (liveCallShares), and the transaction is conditioned on those counts and on the shard count read,
 * so a claim, an end or another change in between makes it read and try again. A shard still
 * holding calls is kept (share 0 beyond the new count is only given to empty shards).
 * False when the workspace does not exist.
 */
export async function setLiveCallLimit(table: Table, workspaceId: string, limit: number): Promise<boolean> {
  for (let round = 0; round < 8; round++) {
    const workspace = await table.get(keys.workspace(workspaceId));
    if (!workspace) return false;
    const before = shardCountOf(workspace);
    // Every shard the change touches, including any an earlier, larger limit left (empty).
    const span = Math.max(before, liveCallShardCount(limit));
    const found = [
      workspace,
      ...(await table.batchGet(
        Array.from({ length: span - 1 }, (_, i) => runKeys.liveCallShard(workspaceId, i + 1)),
      )),
    ];
    const live = found.map((item) => numberOr(item?.liveCalls, 0));
    const busiest = live.reduce((last, held, shard) => (held > 0 ? shard + 1 : last), 1);
    const count = Math.max(liveCallShardCount(limit), busiest);
    const shares = liveCallShares(limit, live.slice(0, count));
    const shared = count > 1;
    const seen = (shard: number) =>
      found[shard]?.liveCalls === undefined
        ? { condition: 'attribute_not_exists(liveCalls)', values: {} }
        : { condition: 'liveCalls = :seen', values: { ':seen': live[shard] } };
    const items: TransactItem[] = [
      {
        Update: {
          TableName: table.name,
          Key: keys.workspace(workspaceId),
          UpdateExpression: shared
            ? 'SET maxLiveCalls = :limit, liveShards = :count, liveShare = :share, liveCalls = if_not_exists(liveCalls, :zero)'
            : 'SET maxLiveCalls = :limit REMOVE liveShards, liveShare',
          ConditionExpression:
            (before === 1 ? 'attribute_not_exists(liveShards)' : 'liveShards = :before') +
            ` AND ${seen(0).condition}`,
          ExpressionAttributeValues: {
            ':limit': limit,
            ...(shared ? { ':count': count, ':share': shares[0], ':zero': 0 } : {}),
            ...(before === 1 ? {} : { ':before': before }),
            ...seen(0).values,
          },
        },
      },
    ];
    for (let shard = 1; shard < span; shard++) {
      const check = seen(shard);
      items.push({
        Update: {
          TableName: table.name,
          Key: runKeys.liveCallShard(workspaceId, shard),
          UpdateExpression:
            'SET liveShare = :share, liveShards = :count, liveCalls = if_not_exists(liveCalls, :zero), ' +
            'entity = :entity, workspaceId = :ws',
          ConditionExpression: check.condition,
          ExpressionAttributeValues: {
            ':share': shares[shard] ?? 0,
            ':count': count,
            ':zero': 0,
            ':entity': ENTITY.liveCallShard,
            ':ws': workspaceId,
            ...check.values,
          },
        },
      });
    }
    if ((await table.transact(items)) === null) return true;
  }
  throw new Error(`The live calls of workspace ${workspaceId} changed under every try: set the limit again`);
}
