import type { DueDispatch, RunStore } from '../../../ports/run-store.ts';
import { dueUpTo, ENTITY, keys, recipientPartition, runKeys, SK_PREFIX, type TableKey } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import { tableKeyOf, type Item, type QueryInput, type Table, type TransactItem } from '../table-ops.ts';
import { PROGRESS, progressAttention, RUNNING } from './batch.ts';
import { DUE_TAKEN } from './due-count.ts';
import { expectEntity, read } from './parse.ts';

/**
 * A waiting recipient: BATCH#<batchId> / DUE#<due ms>#<index>. Recipients wait when their attempt
 * must not start yet: a retry's delay, a calling window that is closed in their zone, a pause that
 * parked their dial. The batch partition thus holds its waiting recipients sorted by due time, so the
 * next one to dial is one strongly consistent Query (`SK <= DUE#<now>`, Limit 1) and no recipient is
 * ever polled. The recipient item names its due item (`dueSk`): one waiting recipient has one live due
 * item, and a due item its recipient no longer names is stale (removed when found).
 *
 * Fresh recipients of a running batch need no due item: they are taken in index order through the
 * batch's `dispatched` cursor (./batch.ts), so a batch without retries or windows writes none.
 */

export interface DueItem {
  batchId: string;
  index: number;
  /** The attempt the recipient makes when it is dialed (attempts so far + 1). */
  attempt: number;
  dueAtMs: number;
  key: TableKey;
}

export function dueItem(batchId: string, index: number, attempt: number, dueAtMs: number): Item {
  return { ...runKeys.due(batchId, dueAtMs, index), entity: ENTITY.due, batchId, index, attempt, dueAtMs };
}

export function itemToDue(item: Item): DueItem {
  expectEntity(item, ENTITY.due);
  const batchId = read.string(item, 'batchId');
  const index = read.number(item, 'index');
  const dueAtMs = read.number(item, 'dueAtMs');
  return {
    batchId,
    index,
    attempt: read.number(item, 'attempt'),
    dueAtMs,
    key: tableKeyOf(item),
  };
}

export function putDue(tableName: string, item: Item): TransactItem {
  return { Put: { TableName: tableName, Item: item } };
}

export function deleteDue(tableName: string, key: TableKey): TransactItem {
  return { Delete: { TableName: tableName, Key: key } };
}

function dueQuery(batchId: string, upToMs: number | null): QueryInput {
  const range = upToMs === null ? 'begins_with(#sk, :prefix)' : '#sk BETWEEN :prefix AND :upTo';
  return {
    KeyConditionExpression: `#pk = :pk AND ${range}`,
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
    ExpressionAttributeValues: {
      ':pk': recipientPartition(batchId),
      ':prefix': SK_PREFIX.due,
      ...(upToMs === null ? {} : { ':upTo': dueUpTo(upToMs) }),
    },
    ConsistentRead: true,
  };
}

/** How many stale due items one take may clear before it gives up (each one is a lost race). */
const MAX_STALE_PER_TAKE = 5;

export function dueStore(table: Table): Pick<RunStore, 'takeDue' | 'earliestDue'> {
  return {
    async takeDue(workspaceId, batchId, nowMs, now): Promise<DueDispatch | 'not_running' | null> {
      for (let i = 0; i < MAX_STALE_PER_TAKE; i++) {
        const found = await table.queryFirst(dueQuery(batchId, nowMs));
        if (!found) return null;
        const due = itemToDue(found);
        // Taking the due item and marking the recipient dispatched is one transaction: two
        // dispatchers that found the same item cannot both send it; a batch that does not run
        // (paused, stopping) keeps its waiting recipients. The batch half is progress: its attention
        // moves on, so the sweeper checks this dispatch grace later (no extra request: a condition
        // check costs what an update does).
        const failed = await table.transact([
          {
            Update: {
              TableName: table.name,
              Key: keys.batch(workspaceId, batchId),
              // One waiting recipient fewer (the batch's count of them, ./batch.ts mayHaveDue).
              UpdateExpression:
                'SET #gsk = :attention, #taken = if_not_exists(#taken, :zero) + :one ADD #progress :one',
              ConditionExpression: '#status = :running',
              ExpressionAttributeNames: {
                '#status': 'status',
                '#gsk': TABLE.gsi1.sortKey,
                '#progress': PROGRESS,
                '#taken': DUE_TAKEN,
              },
              ExpressionAttributeValues: {
                ':zero': 0,
                ':running': RUNNING,
                ':attention': progressAttention(now, batchId),
                ':one': 1,
              },
            },
          },
          {
            Delete: {
              TableName: table.name,
              Key: due.key,
              ConditionExpression: 'attribute_exists(#pk)',
              ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
            },
          },
          {
            Update: {
              TableName: table.name,
              Key: keys.recipient(batchId, due.index),
              UpdateExpression: 'SET dispatchedAt = :now REMOVE dueSk, nextAttemptAt',
              ConditionExpression: '#status = :pending AND dueSk = :sk',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':now': now, ':pending': 'pending', ':sk': due.key.SK },
            },
          },
        ]);
        if (failed === null) return { recipientIndex: due.index, attempt: due.attempt };
        if (failed[0]) return 'not_running';
        // Another dispatcher took it (the delete lost), or the recipient moved on (skipped, or it
        // waits under a newer due item): this one is stale. Remove it and look again.
        if (!failed[1]) await table.deleteQuietly(due.key);
      }
      return null;
    },

    async earliestDue(batchId) {
      const found = await table.queryFirst(dueQuery(batchId, null));
      return found ? itemToDue(found).dueAtMs : null;
    },
  };
}
