import {
  DescribeTableCommand,
  QueryCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { BatchStateConflictError, createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { ensureTable } from '#shared/adapters/dynamodb/table.ts';
import type { Agent } from '#shared/domain/agent.ts';
import { initialCounts, type Batch, type BatchStatus } from '#shared/domain/batch.ts';
import {
  InvalidRequestError,
  PayloadTooLargeError,
  StateConflictError,
  ValidationError,
} from '#shared/domain/errors.ts';
import { ABANDONED_CREATION_MS, sweepAbandonedCreations } from '#shared/app/run/sweep.ts';
import { countItems } from '../helpers/table-count.ts';
import { newId } from '#shared/domain/ids.ts';
import type { PhoneNumber } from '#shared/domain/phone-number.ts';
import type { Recipient } from '#shared/domain/recipient.ts';
import type { ApiKeyRecord } from '#shared/domain/workspace.ts';
import type { IdempotencyRecord, Page, PageRequest, Store } from '#shared/ports/store.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/emulators/dynamodb-local.ts';
import {
  agentFixture,
  batchFixture,
  phoneNumberFixture,
  recipientFixture,
} from '../helpers/domain-fixtures.ts';

const TABLE_NAME = 'batch-calls-test';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

let db: DynamoDbLocal | undefined;
const rawClients: DynamoDBClient[] = [];
let store: Store;

/** A raw client on the local endpoint; `onCommand` sees every command before it is sent. */
function rawClient(onCommand?: (name: string) => void | Promise<void>): DynamoDBClient {
  if (!db) throw new Error('DynamoDB Local is not running');
  const client = createDynamoDbClient({ endpoint: db.endpoint, region: 'local', credentials: CREDENTIALS });
  if (onCommand) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        await onCommand(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'observeCommands' },
    );
  }
  rawClients.push(client);
  return client;
}

function storeOn(client: DynamoDBClient, extra: { clock?: () => Date } = {}): Store {
  return createDynamoStore({ client: createDocumentClient({ client }), tableName: TABLE_NAME, ...extra });
}

beforeAll(async () => {
  db = await startDynamoDbLocal();
  const client = rawClient();
  await ensureTable(client, TABLE_NAME);
  store = storeOn(client);
});

afterAll(async () => {
  for (const client of rawClients) client.destroy();
  await db?.stop();
});

// ── fixtures ──────────────────────────────────────────────────────────────────────────────────

const CREATED_AT = '2025-01-02T03:04:05.000Z';

function makeRecipients(batch: Batch, count: number): Recipient[] {
  return Array.from({ length: count }, (_, index) =>
    recipientFixture(
      { batchId: batch.id, workspaceId: batch.workspaceId },
      {
        index,
        phone: `+1415555${String(index).padStart(4, '0')}`,
        dynamicVars: { name: `Person ${index}`, vip: index % 2 === 0, score: index },
      },
    ),
  );
}

const makeAgent = agentFixture;
const makePhoneNumber = (workspaceId: string) => phoneNumberFixture(workspaceId);

/** Every item of a batch's partition (recipients, outbox, the creation marker), read raw. */
async function partitionItems(batchId: string): Promise<Record<string, unknown>[]> {
  const out = await rawClient().send(
    new QueryCommand({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: `BATCH#${batchId}` } },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

/** Follows the cursors to the end; fails if paging does not terminate. */
async function pageThrough<T>(fetch: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const page: Page<T> = await fetch({ limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page.items);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('paging did not terminate');
}

// ── tests ─────────────────────────────────────────────────────────────────────────────────────

describe('ensureTable', () => {
  it('is idempotent and leaves the table active with a stream and TTL on expiresAt', async () => {
    const client = rawClient();
    await ensureTable(client, TABLE_NAME);
    const table = await client.send(new DescribeTableCommand({ TableName: TABLE_NAME }));
    expect(table.Table?.TableStatus).toBe('ACTIVE');
    expect(table.Table?.StreamSpecification).toMatchObject({
      StreamEnabled: true,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: TABLE_NAME }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
  });
});

describe('workspaces', () => {
  it('creates once, reads back, refuses a second create', async () => {
    const ws = { id: newId('workspace'), name: 'Acme', maxLiveCalls: 100, createdAt: CREATED_AT };
    await store.createWorkspace(ws);
    expect(await store.getWorkspace(ws.id)).toEqual(ws);
    await expect(store.createWorkspace({ ...ws, name: 'Other' })).rejects.toBeInstanceOf(StateConflictError);
    expect(await store.getWorkspace(ws.id)).toEqual(ws);
    expect(await store.getWorkspace(newId('workspace'))).toBeNull();
  });
});

describe('batches', () => {
  it('creates a batch and reads it back exactly', async () => {
    const ws = newId('workspace');
    const batch = batchFixture(ws, {
      totalRecipients: 3,
      scheduledAt: '2025-02-01T00:00:00.000Z',
    });
    const recipients = makeRecipients(batch, 3);
    await store.createBatch(batch, recipients);
    expect(await store.getBatch(ws, batch.id)).toEqual(batch);
    expect(await store.listRecipients(batch.id)).toEqual(recipients);
    expect(await store.getBatch(newId('workspace'), batch.id)).toBeNull();
  });

  it('lists newest first and pages through every item exactly once, with and without filters', async () => {
    const ws = newId('workspace');
    const statuses: BatchStatus[] = [
      'pending',
      'running',
      'pending',
      'completed',
      'pending',
      'pending',
      'failed',
    ];
    const created: Batch[] = [];
    for (const [i, status] of statuses.entries()) {
      const batch = batchFixture(ws, { status, agentId: i % 3 === 0 ? 'agent_X' : 'agent_Y', name: `b${i}` });
      await store.createBatch(batch, []);
      created.push(batch);
    }
    // Another workspace's batches must never show up.
    await store.createBatch(batchFixture(newId('workspace')), []);
    const newestFirst = [...created].reverse();

    const cases: { filter: { status?: BatchStatus; agentId?: string }; limit: number }[] = [
      { filter: {}, limit: 1 },
      { filter: {}, limit: 3 },
      { filter: {}, limit: 7 },
      { filter: {}, limit: 50 },
      { filter: { status: 'pending' }, limit: 1 },
      { filter: { status: 'pending' }, limit: 2 },
      { filter: { status: 'pending' }, limit: 3 },
      { filter: { agentId: 'agent_X' }, limit: 2 },
      { filter: { status: 'pending', agentId: 'agent_Y' }, limit: 1 },
      { filter: { status: 'cancelled' }, limit: 2 },
    ];
    for (const { filter, limit } of cases) {
      const expected = newestFirst.filter(
        (b) =>
          (filter.status === undefined || b.status === filter.status) &&
          (filter.agentId === undefined || b.agentId === filter.agentId),
      );
      const pages = await pageThrough((page) => store.listBatches(ws, filter, page), limit);
      const ids = pages.flat().map((b) => b.id);
      expect(ids, JSON.stringify({ filter, limit })).toEqual(expected.map((b) => b.id));
      // Full pages until the last one, and no empty trailing page.
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
      if (expected.length > 0) expect(pages.at(-1)?.length).toBeGreaterThan(0);
    }
    const all = await store.listBatches(ws, {}, { limit: 50, cursor: null });
    expect(all.items).toEqual(newestFirst);
    expect(all.nextCursor).toBeNull();
  });

  it('keeps querying past pages the filter emptied, when matches are sparse in a long partition', async () => {
    const ws = newId('workspace');
    const created: Batch[] = [];
    for (let i = 0; i < 230; i++) {
      created.push(batchFixture(ws, { status: i % 40 === 7 ? 'failed' : 'completed', name: `b${i}` }));
    }
    // Sequentially: the ids (and so the listing order) follow creation order.
    for (const batch of created) await store.createBatch(batch, []);
    const expected = created.filter((b) => b.status === 'failed').reverse();
    expect(expected).toHaveLength(6);
    for (const limit of [1, 4]) {
      const pages = await pageThrough((page) => store.listBatches(ws, { status: 'failed' }, page), limit);
      expect(pages.flat().map((b) => b.id)).toEqual(expected.map((b) => b.id));
    }
  });

  it('writes 1,000 recipients in 40 BatchWriteItem calls, at most 4 at a time, and reads them back in input order', async () => {
    const names: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const client = rawClient((name) => {
      names.push(name);
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'BatchWriteItemCommand') return next(args);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countInFlight' },
    );
    const observed = storeOn(client);
    const ws = newId('workspace');
    const batch = batchFixture(ws, { totalRecipients: 1_000 });
    const recipients = makeRecipients(batch, 1_000);

    await observed.createBatch(batch, recipients);

    expect(names.filter((n) => n === 'BatchWriteItemCommand')).toHaveLength(40);
    // The creation marker, then (after every recipient) the batch; then the marker goes.
    expect(names.filter((n) => n === 'PutItemCommand')).toHaveLength(2);
    expect(names[0]).toBe('PutItemCommand');
    expect(names.slice(-2)).toEqual(['PutItemCommand', 'DeleteItemCommand']);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(4);

    const readBack = await store.listRecipients(batch.id);
    expect(readBack).toHaveLength(1_000);
    expect(readBack.map((r) => r.index)).toEqual(recipients.map((r) => r.index));
    expect(readBack).toEqual(recipients);
  });

  it('refuses a batch whose id exists and keeps the existing batch unchanged', async () => {
    const ws = newId('workspace');
    const original = batchFixture(ws, { name: 'original' });
    await store.createBatch(original, []);
    const clash = { ...original, name: 'clash', totalRecipients: 2, counts: initialCounts(2) };
    await expect(store.createBatch(clash, makeRecipients(clash, 2))).rejects.toBeInstanceOf(
      StateConflictError,
    );
    expect(await store.getBatch(ws, original.id)).toEqual(original);
    const listed = await store.listBatches(ws, {}, { limit: 10, cursor: null });
    expect(listed.items).toEqual([original]);
  });

  it('leaves nothing when the final put fails after the recipients were written', async () => {
    let puts = 0;
    const client = rawClient((name) => {
      // The first put is the creation marker; the second, the batch.
      if (name === 'PutItemCommand' && ++puts === 2) throw new Error('simulated failure of the batch put');
    });
    const failing = storeOn(client);
    const ws = newId('workspace');
    const batch = batchFixture(ws, { totalRecipients: 30 });
    await expect(failing.createBatch(batch, makeRecipients(batch, 30))).rejects.toThrow('simulated failure');
    expect(await store.getBatch(ws, batch.id)).toBeNull();
    expect((await store.listBatches(ws, {}, { limit: 10, cursor: null })).items).toEqual([]);
    expect(await store.listRecipients(batch.id)).toEqual([]);
    expect(await partitionItems(batch.id)).toEqual([]);
  });

  it('refuses recipients of another batch before writing anything', async () => {
    const ws = newId('workspace');
    const batch = batchFixture(ws);
    const other = batchFixture(ws);
    await expect(store.createBatch(batch, makeRecipients(other, 1))).rejects.toThrow(/does not belong/);
    expect(await store.listRecipients(other.id)).toEqual([]);
  });
});

describe('transitionBatch', () => {
  it('applies the transition and its changes in one conditional update', async () => {
    const ws = newId('workspace');
    const batch = batchFixture(ws);
    await store.createBatch(batch, []);
    const startedAt = '2025-01-02T03:05:00.000Z';
    const updated = await store.transitionBatch(ws, batch.id, ['pending', 'scheduled'], 'running', {
      startedAt,
    });
    expect(updated).toEqual({ ...batch, status: 'running', startedAt });
    expect(await store.getBatch(ws, batch.id)).toEqual(updated);
  });

  it('lets exactly one of two concurrent transitions win; the loser sees the current batch', async () => {
    const ws = newId('workspace');
    const batch = batchFixture(ws);
    await store.createBatch(batch, []);
    const at = '2025-01-02T03:06:00.000Z';
    const results = await Promise.allSettled([
      store.transitionBatch(ws, batch.id, ['pending', 'scheduled'], 'running', { startedAt: at }),
      store.transitionBatch(ws, batch.id, ['pending', 'scheduled'], 'cancelled', { cancelledAt: at }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<Batch>).value;
    const error = (lost[0] as PromiseRejectedResult).reason as unknown;
    expect(error).toBeInstanceOf(BatchStateConflictError);
    expect(error).toBeInstanceOf(StateConflictError);
    const conflict = error as BatchStateConflictError;
    expect(conflict.current).toEqual(winner);
    expect(conflict.message).toContain(`is ${winner.status}`);
    expect(await store.getBatch(ws, batch.id)).toEqual(winner);
  });

  it('refuses a transition from a status the batch is not in, leaving it unchanged', async () => {
    const ws = newId('workspace');
    const batch = batchFixture(ws, { status: 'completed' });
    await store.createBatch(batch, []);
    const attempt = store.transitionBatch(ws, batch.id, ['pending', 'scheduled'], 'cancelled', {
      cancelledAt: CREATED_AT,
    });
    await expect(attempt).rejects.toThrow(`Batch ${batch.id} is completed`);
    await expect(attempt).rejects.toMatchObject({ current: batch });
    expect(await store.getBatch(ws, batch.id)).toEqual(batch);
  });

  it('reports a missing batch with current null and creates nothing', async () => {
    const ws = newId('workspace');
    const id = newId('batch');
    const attempt = store.transitionBatch(ws, id, ['running'], 'failed', { failureReason: 'x' });
    await expect(attempt).rejects.toBeInstanceOf(BatchStateConflictError);
    await expect(attempt).rejects.toMatchObject({ current: null, message: `Batch ${id} does not exist` });
    expect(await store.getBatch(ws, id)).toBeNull();
  });
});

describe('api keys', () => {
  function makeKey(workspaceId: string): ApiKeyRecord {
    return {
      id: newId('apiKey'),
      workspaceId,
      name: 'default',
      prefix: 'bck_abcdef',
      createdAt: CREATED_AT,
      revokedAt: null,
    };
  }
  const hash = (n: string) => n.repeat(64).slice(0, 64);

  it('creates, resolves, lists and revokes keys', async () => {
    const ws = newId('workspace');
    const first = makeKey(ws);
    const second = makeKey(ws);
    await store.createApiKey(first, hash('a'));
    await store.createApiKey(second, hash('b'));
    await store.createApiKey(makeKey(newId('workspace')), hash('c'));

    expect(await store.resolveApiKey(hash('a'))).toEqual({ workspaceId: ws, keyId: first.id });
    expect(await store.resolveApiKey(hash('d'))).toBeNull();
    expect(await store.listApiKeys(ws)).toEqual([first, second]);

    expect(await store.revokeApiKey(ws, first.id, '2025-03-01T00:00:00.000Z')).toBe(true);
    expect(await store.resolveApiKey(hash('a'))).toBeNull();
    expect(await store.resolveApiKey(hash('b'))).toEqual({ workspaceId: ws, keyId: second.id });
    // Revoking twice is fine and keeps the first revocation time.
    expect(await store.revokeApiKey(ws, first.id, '2025-04-01T00:00:00.000Z')).toBe(true);
    expect(await store.listApiKeys(ws)).toEqual([
      { ...first, revokedAt: '2025-03-01T00:00:00.000Z' },
      second,
    ]);
  });

  it('does not revoke a key of another workspace or an unknown key', async () => {
    const ws = newId('workspace');
    const key = makeKey(ws);
    await store.createApiKey(key, hash('e'));
    expect(await store.revokeApiKey(newId('workspace'), key.id, CREATED_AT)).toBe(false);
    expect(await store.revokeApiKey(ws, newId('apiKey'), CREATED_AT)).toBe(false);
    expect(await store.resolveApiKey(hash('e'))).toEqual({ workspaceId: ws, keyId: key.id });
  });

  it('refuses a second key with the same hash and writes neither item', async () => {
    const ws = newId('workspace');
    await store.createApiKey(makeKey(ws), hash('f'));
    const dup = makeKey(ws);
    await expect(store.createApiKey(dup, hash('f'))).rejects.toBeInstanceOf(StateConflictError);
    expect((await store.listApiKeys(ws)).map((k) => k.id)).not.toContain(dup.id);
  });

  it('lets exactly one of two concurrent revocations write the revocation time', async () => {
    const ws = newId('workspace');
    const key = makeKey(ws);
    await store.createApiKey(key, hash('g'));
    const results = await Promise.all([
      store.revokeApiKey(ws, key.id, '2025-05-01T00:00:00.000Z'),
      store.revokeApiKey(ws, key.id, '2025-06-01T00:00:00.000Z'),
    ]);
    expect(results).toEqual([true, true]);
    const [listed] = await store.listApiKeys(ws);
    expect(['2025-05-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z']).toContain(listed?.revokedAt);
    expect(await store.resolveApiKey(hash('g'))).toBeNull();
  });
});

describe('idempotency keys', () => {
  // Claims are made "now": a claim in progress for minutes counts as abandoned (see the stale test).
  const claimedAt = new Date().toISOString();
  function makeRecord(
    workspaceId: string,
    key: string,
    requestHash: string,
    createdAt = claimedAt,
  ): IdempotencyRecord {
    return { workspaceId, key, requestHash, state: 'in_progress', response: null, createdAt };
  }
  const response = {
    statusCode: 202,
    headers: { 'content-type': 'application/json' },
    body: '{"id":"batch_1"}',
  };

  it('claims once; a second claim gets the existing record; complete stores the response', async () => {
    const ws = newId('workspace');
    const key = 'order#42 / retry'; // any characters, '#' included
    expect(await store.claimIdempotencyKey(makeRecord(ws, key, 'hash-1'), 3600)).toBeNull();
    expect(await store.claimIdempotencyKey(makeRecord(ws, key, 'hash-2'), 3600)).toEqual(
      makeRecord(ws, key, 'hash-1'),
    );
    // The same key in another workspace is another key.
    expect(await store.claimIdempotencyKey(makeRecord(newId('workspace'), key, 'hash-3'), 3600)).toBeNull();

    await store.completeIdempotencyKey(ws, key, response);
    expect(await store.claimIdempotencyKey(makeRecord(ws, key, 'hash-1'), 3600)).toEqual({
      ...makeRecord(ws, key, 'hash-1'),
      state: 'completed',
      response,
    });
    // A completed record is not released (its answer is replayed instead).
    await store.releaseIdempotencyKey(ws, key);
    expect(await store.claimIdempotencyKey(makeRecord(ws, key, 'hash-1'), 3600)).toMatchObject({
      state: 'completed',
    });
  });

  it('releases a claim in progress so the key can be claimed again', async () => {
    const ws = newId('workspace');
    expect(await store.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-1'), 3600)).toBeNull();
    await store.releaseIdempotencyKey(ws, 'k');
    expect(await store.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-2'), 3600)).toBeNull();
    // Releasing a key that is not there is fine.
    await store.releaseIdempotencyKey(ws, 'never-claimed');
  });

  it('treats an expired record as absent even before TTL removes it', async () => {
    const ws = newId('workspace');
    const start = new Date('2030-01-01T00:00:00.000Z');
    const client = rawClient();
    const early = storeOn(client, { clock: () => start });
    const later = storeOn(client, { clock: () => new Date(start.getTime() + 61_000) });
    const at = (d: Date) => d.toISOString();
    const laterDate = new Date(start.getTime() + 61_000);
    expect(await early.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-1', at(start)), 60)).toBeNull();
    expect(await early.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-2', at(start)), 60)).toMatchObject({
      requestHash: 'hash-1',
    });
    expect(await later.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-3', at(laterDate)), 60)).toBeNull();
    expect(await later.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-4', at(laterDate)), 60)).toMatchObject({
      requestHash: 'hash-3',
    });
  });

  it('lets a claim abandoned in progress (a crashed request) be taken over, but not a fresh one', async () => {
    const ws = newId('workspace');
    const start = new Date('2030-02-01T00:00:00.000Z');
    const client = rawClient();
    const first = storeOn(client, { clock: () => start });
    const soon = storeOn(client, { clock: () => new Date(start.getTime() + 30_000) });
    const muchLater = storeOn(client, { clock: () => new Date(start.getTime() + 3 * 60_000) });
    expect(
      await first.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-1', start.toISOString()), 3600),
    ).toBeNull();
    expect(
      await soon.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-1', start.toISOString()), 3600),
    ).toMatchObject({
      state: 'in_progress',
    });
    const retryAt = new Date(start.getTime() + 3 * 60_000).toISOString();
    expect(await muchLater.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-1', retryAt), 3600)).toBeNull();
    // A completed answer is never taken over, however old.
    await muchLater.completeIdempotencyKey(ws, 'k', response);
    const evenLater = storeOn(client, { clock: () => new Date(start.getTime() + 30 * 60_000) });
    expect(await evenLater.claimIdempotencyKey(makeRecord(ws, 'k', 'hash-1'), 3600)).toMatchObject({
      state: 'completed',
    });
  });

  it('refuses to complete a key that is not claimed', async () => {
    await expect(store.completeIdempotencyKey(newId('workspace'), 'k', response)).rejects.toBeInstanceOf(
      StateConflictError,
    );
  });
});

describe('cursors', () => {
  it('refuses a cursor from another workspace, another list, or garbage', async () => {
    const wsA = newId('workspace');
    const wsB = newId('workspace');
    for (let i = 0; i < 3; i++) {
      await store.createBatch(batchFixture(wsA), []);
      await store.createBatch(batchFixture(wsB), []);
      await store.putAgent(makeAgent(wsA));
    }
    const batchPage = await store.listBatches(wsA, {}, { limit: 1, cursor: null });
    const agentPage = await store.listAgents(wsA, { limit: 1, cursor: null });
    expect(batchPage.nextCursor).not.toBeNull();
    expect(agentPage.nextCursor).not.toBeNull();

    const refused = [
      store.listBatches(wsB, {}, { limit: 1, cursor: batchPage.nextCursor }),
      store.listBatches(wsA, {}, { limit: 1, cursor: agentPage.nextCursor }),
      store.listAgents(wsA, { limit: 1, cursor: batchPage.nextCursor }),
      store.listBatches(wsA, {}, { limit: 1, cursor: 'not a cursor!' }),
      store.listBatches(wsA, {}, { limit: 1, cursor: Buffer.from('{"PK":1}').toString('base64url') }),
      store.listPhoneNumbers(wsA, { limit: 1, cursor: Buffer.from('[]').toString('base64url') }),
    ];
    for (const attempt of refused) {
      await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(attempt).rejects.toMatchObject({
        fields: [{ path: 'cursor', message: 'is not a valid cursor' }],
      });
    }
    // The genuine cursor still works on its own list.
    const next = await store.listBatches(wsA, {}, { limit: 1, cursor: batchPage.nextCursor });
    expect(next.items).toHaveLength(1);
    expect(next.items[0]?.id).not.toBe(batchPage.items[0]?.id);
  });
});

describe('agents', () => {
  it('puts once, replaces only with the expected updatedAt, lists with cursors and deletes', async () => {
    const ws = newId('workspace');
    const agents = [makeAgent(ws), makeAgent(ws), makeAgent(ws)];
    for (const agent of agents) await store.putAgent(agent);
    await expect(store.putAgent(agents[0] as Agent)).rejects.toBeInstanceOf(StateConflictError);

    const first = agents[0] as Agent;
    expect(await store.getAgent(ws, first.id)).toEqual(first);
    const renamed = { ...first, name: 'Renamed', updatedAt: '2025-02-02T00:00:00.000Z' };
    await store.replaceAgent(renamed, first.updatedAt);
    expect(await store.getAgent(ws, first.id)).toEqual(renamed);

    // A writer that read the agent before the rename is refused, and changes nothing.
    const stale = { ...first, name: 'Stale', updatedAt: '2025-02-03T00:00:00.000Z' };
    await expect(store.replaceAgent(stale, first.updatedAt)).rejects.toThrow(/changed meanwhile/);
    expect(await store.getAgent(ws, first.id)).toEqual(renamed);
    // Replacing an agent that does not exist does not create it.
    const ghost = makeAgent(ws);
    await expect(store.replaceAgent(ghost, ghost.updatedAt)).rejects.toBeInstanceOf(StateConflictError);
    expect(await store.getAgent(ws, ghost.id)).toBeNull();

    const pages = await pageThrough((page) => store.listAgents(ws, page), 2);
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    expect(pages.flat()).toEqual([renamed, agents[1], agents[2]]);

    expect(await store.deleteAgent(ws, first.id)).toBe(true);
    expect(await store.deleteAgent(ws, first.id)).toBe(false);
    expect(await store.getAgent(ws, first.id)).toBeNull();
    expect(await store.deleteAgent(newId('workspace'), (agents[1] as Agent).id)).toBe(false);
    expect(await store.getAgent(ws, (agents[1] as Agent).id)).toEqual(agents[1]);
  });
});

describe('phone numbers', () => {
  it('puts once, reads, lists with cursors and deletes', async () => {
    const ws = newId('workspace');
    const phones = [makePhoneNumber(ws), makePhoneNumber(ws), makePhoneNumber(ws)];
    for (const phone of phones) await store.putPhoneNumber(phone);
    await expect(store.putPhoneNumber(phones[1] as PhoneNumber)).rejects.toBeInstanceOf(StateConflictError);
    expect(await store.getPhoneNumber(ws, (phones[0] as PhoneNumber).id)).toEqual(phones[0]);

    const pages = await pageThrough((page) => store.listPhoneNumbers(ws, page), 1);
    expect(pages.flat()).toEqual(phones);
    expect(pages).toHaveLength(3);

    expect(await store.deletePhoneNumber(ws, (phones[0] as PhoneNumber).id)).toBe(true);
    expect(await store.deletePhoneNumber(ws, (phones[0] as PhoneNumber).id)).toBe(false);
    expect((await store.listPhoneNumbers(ws, { limit: 10, cursor: null })).items).toEqual(phones.slice(1));
  });
});

describe('a refused create stores nothing (issue 11, item 3)', () => {
  const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  let tables = 0;

  /** A table of its own, so a scan of the whole table is the proof. */
  async function freshTable(): Promise<string> {
    const name = `refused-create-${++tables}`;
    await ensureTable(rawClient(), name);
    return name;
  }

  /**
   * A store whose BatchWriteItem puts fail from the `failPutChunk`-th call on (1-based), and whose
   * deletes fail too when `failDeletes`. Counts puts that complete after `answered` is set.
   */
  function faultyStore(tableName: string, opts: { failPutChunk: number; failDeletes: boolean }) {
    const state = { putChunks: 0, answered: false, lateWrites: 0 };
    const client = rawClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'BatchWriteItemCommand') return next(args);
        const input = args.input as { RequestItems: Record<string, { DeleteRequest?: unknown }[]> };
        const isDelete = (input.RequestItems[tableName] ?? []).some((r) => r.DeleteRequest !== undefined);
        if (isDelete) {
          if (opts.failDeletes) throw new Error('simulated delete failure');
          return next(args);
        }
        const n = ++state.putChunks;
        if (n === opts.failPutChunk) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          throw new Error('simulated chunk failure');
        }
        // The chunks beside the failing one are slower than it, so they are in flight when it fails.
        await new Promise((resolve) => setTimeout(resolve, 40));
        const out = await next(args);
        if (state.answered) state.lateWrites++;
        return out;
      },
      { step: 'initialize', name: 'injectFaults' },
    );
    const faulty = createDynamoStore({
      client: createDocumentClient({ client }),
      tableName,
      batchWrite: { sleep: async () => undefined },
    });
    return { store: faulty, state };
  }

  it('undoes a create whose recipient chunk fails mid-way: the table is empty when it answers', async () => {
    const tableName = await freshTable();
    const { store: faulty, state } = faultyStore(tableName, { failPutChunk: 6, failDeletes: false });
    const ws = newId('workspace');
    const batch = batchFixture(ws, { totalRecipients: 1_000 });

    await expect(faulty.createBatch(batch, makeRecipients(batch, 1_000))).rejects.toThrow(
      /simulated chunk failure/,
    );
    state.answered = true;
    // Chunks 1–8 at most were started (4 in flight when the 6th failed); none of the 40 after.
    expect(state.putChunks).toBeLessThanOrEqual(9);
    expect(await countItems(db?.endpoint ?? '', tableName)).toBe(0);
    // Nothing was still writing after the answer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(state.lateWrites).toBe(0);
    expect(await countItems(db?.endpoint ?? '', tableName)).toBe(0);
  });

  it('leaves only what the sweeper removes once no request can still be writing, when the clean-up fails too', async () => {
    const tableName = await freshTable();
    const now = Date.now();
    const { store: faulty } = faultyStore(tableName, { failPutChunk: 3, failDeletes: true });
    const good = createDynamoStore({ client: createDocumentClient({ client: rawClient() }), tableName });
    const ws = newId('workspace');
    const batch = batchFixture(ws, { totalRecipients: 200 });
    // A batch created meanwhile, complete: the sweeper must leave it alone.
    const kept = batchFixture(ws, { totalRecipients: 30 });
    await good.createBatch(kept, makeRecipients(kept, 30));
    const keptItems = 31;

    await expect(faulty.createBatch(batch, makeRecipients(batch, 200))).rejects.toThrow(/simulated/);
    // Some recipients and the marker are left: the clean-up could not delete them.
    const left = await countItems(db?.endpoint ?? '', tableName);
    expect(left).toBeGreaterThan(keptItems);
    expect(await good.listAbandonedBatchCreations(new Date(now + 60_000).toISOString())).toEqual([
      { workspaceId: ws, batchId: batch.id },
    ]);

    // Within the window a request may still run: nothing is touched.
    expect(await sweepAbandonedCreations({ store: good, logger: quietLogger }, now + 60_000)).toBe(0);
    expect(await countItems(db?.endpoint ?? '', tableName)).toBe(left);

    // Past it, everything of the abandoned create goes, and the complete batch stays.
    const later = now + ABANDONED_CREATION_MS + 60_000;
    expect(await sweepAbandonedCreations({ store: good, logger: quietLogger }, later)).toBe(1);
    expect(await countItems(db?.endpoint ?? '', tableName)).toBe(keptItems);
    expect(await good.getBatch(ws, kept.id)).toEqual(kept);
    expect(await good.listRecipients(kept.id)).toHaveLength(30);
    expect(await good.listAbandonedBatchCreations(new Date(later).toISOString())).toEqual([]);
  });

  it('refuses an item DynamoDB cannot store before writing anything', async () => {
    const tableName = await freshTable();
    const good = createDynamoStore({ client: createDocumentClient({ client: rawClient() }), tableName });
    const ws = newId('workspace');
    const batch = batchFixture(ws, { totalRecipients: 3 });
    const recipients = makeRecipients(batch, 3);
    const big = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`v${i}`, 'x'.repeat(1_000)]));
    (recipients[2] as Recipient).dynamicVars = big;
    await expect(good.createBatch(batch, recipients)).rejects.toBeInstanceOf(PayloadTooLargeError);
    (recipients[2] as Recipient).dynamicVars = { account: Number('12345678901234567') };
    const error = await good.createBatch(batch, recipients).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields[0]?.path).toBe('recipients[2]');
    expect(JSON.stringify((error as ValidationError).fields)).not.toContain('1234567890');
    (recipients[2] as Recipient).dynamicVars = { tiny: 1e-200 };
    await expect(good.createBatch(batch, recipients)).rejects.toBeInstanceOf(ValidationError);
    expect(await countItems(db?.endpoint ?? '', tableName)).toBe(0);

    const agent = { ...makeAgent(ws), prompt: 'p'.repeat(500_000) };
    await expect(good.putAgent(agent)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await countItems(db?.endpoint ?? '', tableName)).toBe(0);
  });
});
