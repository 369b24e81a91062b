import { beforeAll, describe, expect, it } from 'vitest';
import { createDynamoEventLog } from '#shared/adapters/dynamodb/entities/live-events.ts';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { newId } from '#shared/domain/ids.ts';
import type { EventLog } from '#shared/ports/event-log.ts';
import type { Store } from '#shared/ports/store.ts';
import { useLocalTable } from '../helpers/local-table.ts';

/**
 * A batch's live event log against DynamoDB Local: writers racing on one batch (two stream shards)
 * never share an id, a reader gets entries in id order after any id, and the log lives beside the
 * batch's recipients without showing up among them.
 */

const TABLE_NAME = 'batch-calls-live-events-test';
const table = useLocalTable(TABLE_NAME);
let log: EventLog;
let store: Store;

beforeAll(() => {
  log = createDynamoEventLog({ client: table.doc, tableName: TABLE_NAME });
  store = createDynamoStore({ client: table.doc, tableName: TABLE_NAME });
});

const events = (writer: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ kind: 'recipient' as const, data: JSON.stringify({ writer, i }) }));

describe('the live event log', () => {
  it('gives racing writers distinct consecutive ids, each writer’s events in its order', async () => {
    const batchId = newId('batch');
    expect(await log.lastId(batchId)).toBe(0);
    const appended = await Promise.all(['a', 'b', 'c', 'd'].map((w) => log.append(batchId, events(w, 30))));
    const all = appended.flat().sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    for (const ids of appended)
      expect(ids.slice(1).every((id, i) => id === (ids[i] as number) + 1)).toBe(true);
    expect(await log.lastId(batchId)).toBe(120);

    const page = await log.readAfter(batchId, 0, 100);
    expect(page.map((e) => e.id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const rest = await log.readAfter(batchId, 100, 100);
    expect(rest.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 101));
    // Each writer's events kept their order under their ids.
    for (const writer of ['a', 'b', 'c', 'd']) {
      const mine = [...page, ...rest].filter((e) => JSON.parse(e.data).writer === writer);
      expect(mine.map((e) => JSON.parse(e.data).i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }
  });

  it('reads nothing after the last id, and nothing of another batch', async () => {
    const one = newId('batch');
    const other = newId('batch');
    await log.append(one, events('x', 3));
    await log.append(other, events('y', 2));
    expect(await log.readAfter(one, 3, 100)).toEqual([]);
    expect((await log.readAfter(other, 0, 100)).map((e) => JSON.parse(e.data).writer)).toEqual(['y', 'y']);
  });

  it('is not among the batch’s recipients', async () => {
    const batchId = newId('batch');
    await log.append(batchId, events('z', 2));
    expect(await store.listRecipients(batchId)).toEqual([]);
  });
});
