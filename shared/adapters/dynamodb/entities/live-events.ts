import {
  EVENT_COUNTER_TTL_SECONDS,
  EVENT_TTL_SECONDS,
  type LiveEventKind,
  type LoggedEvent,
} from '../../../domain/live-events.ts';
import type { EventLog } from '../../../ports/event-log.ts';
import { ENTITY, liveEventSortKey, parseLiveEventSortKey, recipientPartition, runKeys } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTable, type Table } from '../table-ops.ts';

/**
 * A batch's live event log in the batch's own partition (keys.ts): `EVSEQ` holds the last id
 * allocated, `EV#<id>` the entries. Appending is one UpdateItem (ADD n: n ids at once, atomic, so two
 * stream shards writing one batch's events never share an id) and one BatchWriteItem per 25
 * entries. Reading is one strongly consistent Query of the ids after the last one sent.
 */

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export function createDynamoEventLog(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): EventLog {
  return createEventLog(createTable(options.client, options.tableName));
}

export function createEventLog(table: Table, clock: () => number = Date.now): EventLog {
  return {
    async append(batchId, events) {
      if (events.length === 0) return [];
      const now = clock();
      const allocated = await table.update({
        Key: runKeys.liveEventCounter(batchId),
        UpdateExpression: 'ADD #seq :n SET #entity = :entity, #ttl = :ttl',
        ExpressionAttributeNames: { '#seq': 'seq', '#entity': 'entity', '#ttl': TABLE.ttlAttribute },
        ExpressionAttributeValues: {
          ':n': events.length,
          ':entity': ENTITY.liveEventCounter,
          ':ttl': epochSeconds(now) + EVENT_COUNTER_TTL_SECONDS,
        },
        ReturnValues: 'UPDATED_NEW',
      });
      if (!allocated.ok) throw new Error('live event ids: the counter update failed');
      const last = Number(allocated.item.seq);
      const first = last - events.length + 1;
      const ids = events.map((_, i) => first + i);
      await table.batchPut(
        events.map((event, i) => ({
          ...runKeys.liveEvent(batchId, first + i),
          entity: ENTITY.liveEvent,
          kind: event.kind,
          data: event.data,
          [TABLE.ttlAttribute]: epochSeconds(now) + EVENT_TTL_SECONDS,
        })),
      );
      return ids;
    },

    async readAfter(batchId, afterId, limit) {
      const items = await table.queryPage({
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: {
          ':pk': recipientPartition(batchId),
          ':from': liveEventSortKey(afterId + 1),
          ':to': liveEventSortKey(9_999_999_999),
        },
        ConsistentRead: true,
        Limit: limit,
      });
      const events: LoggedEvent[] = [];
      for (const item of items) {
        const id = parseLiveEventSortKey(item.SK);
        const kind = item.kind as LiveEventKind;
        if (id === null || typeof item.data !== 'string') continue;
        events.push({ id, kind, data: item.data });
      }
      return events;
    },

    async lastId(batchId) {
      const item = await table.get(runKeys.liveEventCounter(batchId));
      return item ? Number(item.seq ?? 0) : 0;
    },
  };
}
