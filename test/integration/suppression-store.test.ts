import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoStore, suppressionConditionCheck } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { ensureTable } from '#shared/adapters/dynamodb/table.ts';
import { newId } from '#shared/domain/ids.ts';
import type { Suppression } from '#shared/domain/suppression.ts';
import type { Store } from '#shared/ports/store.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/emulators/dynamodb-local.ts';

/** The suppression list's items against DynamoDB Local: one-key lookups, the batch read, the claim's check. */

const TABLE_NAME = 'batch-calls-suppressions';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const NOW = new Date('2026-06-01T12:00:00.000Z');
const LATER = new Date('2026-06-01T14:00:00.000Z');

let db: DynamoDbLocal | undefined;
let raw: DynamoDBClient;
let store: Store;

beforeAll(async () => {
  db = await startDynamoDbLocal();
  raw = createDynamoDbClient({ endpoint: db.endpoint, region: 'local', credentials: CREDENTIALS });
  await ensureTable(raw, TABLE_NAME);
  store = createDynamoStore({ client: createDocumentClient({ client: raw }), tableName: TABLE_NAME });
});

afterAll(async () => {
  raw?.destroy();
  await db?.stop();
});

function entry(workspaceId: string, phone: string, extra: Partial<Suppression> = {}): Suppression {
  return {
    id: newId('suppression', NOW.getTime()),
    workspaceId,
    phone,
    reason: null,
    source: 'api',
    conversationId: null,
    batchId: null,
    recipientId: null,
    createdAt: NOW.toISOString(),
    expiresAt: null,
    ...extra,
  };
}

const ws = () => newId('workspace');

/** A transaction as the dial claim will run it: the suppression check beside a write of its own. */
async function claimWith(workspaceId: string, phone: string, now: Date): Promise<'committed' | 'refused'> {
  const doc = createDocumentClient({ client: raw });
  try {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          suppressionConditionCheck(TABLE_NAME, workspaceId, phone, now),
          { Put: { TableName: TABLE_NAME, Item: { PK: `TEST#${newId('batch')}`, SK: 'CLAIM' } } },
        ],
      }),
    );
    return 'committed';
  } catch (error) {
    if (error instanceof Error && error.name === 'TransactionCanceledException') return 'refused';
    throw error;
  }
}

describe('suppression store', () => {
  it('keeps one entry per phone: adding it again answers the existing entry', async () => {
    const w = ws();
    const first = await store.addSuppression(entry(w, '+14155550100', { reason: 'asked' }), NOW);
    expect(first.created).toBe(true);
    const again = await store.addSuppression(entry(w, '+14155550100'), NOW);
    expect(again).toEqual({ entry: first.entry, created: false });
    expect(await store.getSuppression(w, first.entry.id, NOW)).toEqual(first.entry);
    expect(await store.findSuppression(w, '+14155550100', NOW)).toEqual(first.entry);
    // Another workspace sees nothing of it.
    const other = ws();
    expect(await store.getSuppression(other, first.entry.id, NOW)).toBeNull();
    expect(await store.isSuppressed(other, ['+14155550100'], NOW)).toEqual(new Set());
  });

  it('gives concurrent adds of one phone one entry', async () => {
    const w = ws();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => store.addSuppression(entry(w, '+14155550108'), NOW)),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
    expect((await store.listSuppressions(w, { limit: 10, cursor: null }, NOW)).items).toHaveLength(1);
  });

  it('answers which phones are suppressed in one batch read, expired entries not counted', async () => {
    const w = ws();
    await store.addSuppression(entry(w, '+14155550101'), NOW);
    await store.addSuppression(entry(w, '+14155550102', { expiresAt: '2026-06-01T13:00:00.000Z' }), NOW);
    const phones = ['+14155550101', '+14155550102', '+14155550103', '+14155550101'];
    expect(await store.isSuppressed(w, phones, NOW)).toEqual(new Set(['+14155550101', '+14155550102']));
    // Past its expiry (TTL has not removed it): no longer counted, listed, or found.
    expect(await store.isSuppressed(w, phones, LATER)).toEqual(new Set(['+14155550101']));
    expect(
      (await store.listSuppressions(w, { limit: 10, cursor: null }, LATER)).items.map((e) => e.phone),
    ).toEqual(['+14155550101']);
    expect(await store.findSuppression(w, '+14155550102', LATER)).toBeNull();
  });

  it('reads more than 100 phones in chunks', async () => {
    const w = ws();
    await store.addSuppression(entry(w, '+14155550150'), NOW);
    const phones = Array.from({ length: 250 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);
    expect(await store.isSuppressed(w, phones, NOW)).toEqual(new Set(['+14155550150']));
  });

  it('replaces an expired entry when its phone is added again', async () => {
    const w = ws();
    const old = await store.addSuppression(
      entry(w, '+14155550104', { expiresAt: '2026-06-01T13:00:00.000Z' }),
      NOW,
    );
    const renewed = await store.addSuppression(entry(w, '+14155550104', { reason: 'again' }), LATER);
    expect(renewed.created).toBe(true);
    expect(renewed.entry.id).not.toBe(old.entry.id);
    expect(await store.getSuppression(w, old.entry.id, NOW)).toBeNull(); // its listing went with it
    const page = await store.listSuppressions(w, { limit: 10, cursor: null }, LATER);
    expect(page.items.map((e) => e.id)).toEqual([renewed.entry.id]);
  });

  it('lists in creation order, paged, and deletes both items of an entry', async () => {
    const w = ws();
    const added: Suppression[] = [];
    for (let i = 0; i < 5; i++) {
      added.push((await store.addSuppression(entry(w, `+1415555011${i}`), NOW)).entry);
    }
    const first = await store.listSuppressions(w, { limit: 3, cursor: null }, NOW);
    expect(first.items.map((e) => e.id)).toEqual(added.slice(0, 3).map((e) => e.id));
    const second = await store.listSuppressions(w, { limit: 3, cursor: first.nextCursor }, NOW);
    expect(second.items.map((e) => e.id)).toEqual(added.slice(3).map((e) => e.id));
    expect(second.nextCursor).toBeNull();

    const [gone] = added;
    if (gone === undefined) throw new Error('nothing was added');
    expect(await store.deleteSuppression(w, gone.id, NOW)).toBe(true);
    expect(await store.deleteSuppression(w, gone.id, NOW)).toBe(false);
    expect(await store.isSuppressed(w, [gone.phone], NOW)).toEqual(new Set());
    const scan = await raw.send(new ScanCommand({ TableName: TABLE_NAME }));
    expect(JSON.stringify(scan.Items)).not.toContain(gone.id);
  });

  it('stores the TTL attribute in epoch seconds, agreeing with the expiry', async () => {
    const w = ws();
    const { entry: e } = await store.addSuppression(
      entry(w, '+14155550105', { expiresAt: '2026-06-01T13:00:00.000Z' }),
      NOW,
    );
    const scan = await raw.send(new ScanCommand({ TableName: TABLE_NAME }));
    const items = (scan.Items ?? []).filter((i) => i.id?.S === e.id);
    expect(items).toHaveLength(2);
    for (const item of items)
      expect(item.expiresAt?.N).toBe(String(Date.parse('2026-06-01T13:00:00Z') / 1000));
  });

  it('gives the claim a ConditionCheck that refuses a suppressed phone, until its expiry', async () => {
    const w = ws();
    expect(await claimWith(w, '+14155550106', NOW)).toBe('committed');
    await store.addSuppression(entry(w, '+14155550106'), NOW);
    expect(await claimWith(w, '+14155550106', NOW)).toBe('refused');
    expect(await claimWith(ws(), '+14155550106', NOW)).toBe('committed');

    await store.addSuppression(entry(w, '+14155550107', { expiresAt: '2026-06-01T13:00:00.000Z' }), NOW);
    expect(await claimWith(w, '+14155550107', NOW)).toBe('refused');
    expect(await claimWith(w, '+14155550107', new Date('2026-06-01T12:59:59.999Z'))).toBe('refused');
    expect(await claimWith(w, '+14155550107', new Date('2026-06-01T13:00:00.000Z'))).toBe('committed');
  });
});
