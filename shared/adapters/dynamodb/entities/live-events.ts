import {
  EVENT_TTL_SECONDS,
  liveEventId,
  recipientAtChange,
  type RecipientChange,
} from '../../../domain/live-events.ts';
import type { EventLog, RecipientEvent } from '../../../ports/event-log.ts';
import {
  ENTITY,
  keys,
  liveEventSortKey,
  parseLiveEventSortKey,
  recipientPartition,
  runKeys,
} from '../keys.ts';
import { liveStamp } from '../live-stamp.ts';
import { TABLE } from '../table-definition.ts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTable, type Item, type Table, type TransactItem } from '../table-ops.ts';
import { itemToRecipient } from './recipient.ts';

/**
 * A batch's live event log in the batch's own partition (keys.ts): `EV#<id>` entries, one per
 * recipient change, each holding what the change set. No request of its own: the entry is one more
 * Put in the transaction that makes the change (the claim, a call's end, a skip, …), so it exists
 * exactly when the change does, and its id is a time stamp (no counter; see live-stamp.ts and
 * shared/domain/live-events.ts). Reading is one strongly consistent Query of the ids in a range and
 * one BatchGetItem of the recipients they name.
 */

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The entry of one recipient change, as a transaction item. Its key is stamped again when the
 * transaction is sent (table-ops.ts `transact`), so the id is the time of the write, not of this call.
 */
export function liveEventPut(
  tableName: string,
  batchId: string,
  index: number,
  change: RecipientChange,
): TransactItem {
  const stamp = liveStamp();
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...runKeys.liveEvent(batchId, liveEventId(stamp, index)),
        entity: ENTITY.liveEvent,
        index,
        change,
        [TABLE.ttlAttribute]: epochSeconds(stamp) + EVENT_TTL_SECONDS,
      },
    },
  };
}

export function createDynamoEventLog(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): EventLog {
  return createEventLog(createTable(options.client, options.tableName));
}

export function createEventLog(table: Table): EventLog {
  return {
    async readBetween(batchId, afterId, upToId, limit) {
      if (upToId <= afterId) return { events: [], readUpTo: afterId };
      const items = await table.queryPage({
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: {
          ':pk': recipientPartition(batchId),
          ':from': liveEventSortKey(afterId + 1),
          ':to': liveEventSortKey(upToId),
        },
        ConsistentRead: true,
        Limit: limit,
      });
      const entries = items.flatMap((item) => {
        const id = parseLiveEventSortKey(item.SK);
        return id === null || typeof item.index !== 'number' ? [] : [{ id, index: item.index, item }];
      });
      const full = items.length >= limit;
      const readUpTo = full ? (entries.at(-1)?.id ?? upToId) : upToId;
      if (entries.length === 0) return { events: [], readUpTo };
      // Read after the entries: the item is at least as new as every change they name.
      const indexes = [...new Set(entries.map((e) => e.index))];
      const found = await table.batchGet(indexes.map((index) => keys.recipient(batchId, index)));
      const current = new Map<number, Item>();
      found.forEach((item, i) => {
        if (item) current.set(indexes[i] as number, item);
      });
      const events: RecipientEvent[] = [];
      for (const entry of entries) {
        const item = current.get(entry.index);
        if (!item) continue;
        events.push({
          id: entry.id,
          recipient: recipientAtChange(itemToRecipient(item), entry.item.change as RecipientChange),
        });
      }
      return { events, readUpTo };
    },
  };
}
