import { describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { HOOKDUE_SHARDS } from '#shared/adapters/dynamodb/keys.ts';
import { sweep } from '#shared/app/run/sweep.ts';
import type { DialMessage, WebhookMessage } from '#shared/ports/queues.ts';
import type { RunStore } from '#shared/ports/run-store.ts';
import { outboxFixture } from '../helpers/domain-fixtures.ts';
import { NO_LIMIT, startDispatched, storeBatch, useRunStores } from '../helpers/run-stores.ts';

/**
 * The sweeper reads only what is due or may be stuck: healthy running batches (long calls live) are
 * read once, then not before a call could be stuck, so a sweep run reads as many items with 1 healthy
 * batch as with many; a lost dial message and a stuck call are still found. Due webhook deliveries
 * are spread over the HOOKDUE shards and found in any of them. Against DynamoDB Local, with the run
 * store counted through a wrapper of its port.
 */

const TABLE_NAME = 'batch-calls-sweeper-attention-test';
const { table, store, run } = useRunStores(TABLE_NAME);

const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const GRACE_MS = 60_000;
const MAX_CALL_SECONDS = 3_600;
/** A claim in a workspace of one live-call shard: shard 0, the workspace item. */
const CLAIMED = { liveShard: 0 };

/** The run store with every read counted: calls, and items answered (a list's length, else 0 or 1). */
function counted(inner: RunStore) {
  const stats = { calls: 0, items: 0, byMethod: {} as Record<string, number> };
  const proxy = new Proxy(inner, {
    get(target, prop: string) {
      const value = target[prop as keyof RunStore] as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const out: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (/^(get|list|earliest|find)/.test(prop)) {
          stats.calls++;
          stats.byMethod[prop] = (stats.byMethod[prop] ?? 0) + 1;
          stats.items += Array.isArray(out) ? out.length : out ? 1 : 0;
        }
        return out;
      };
    },
  });
  return { runStore: proxy, stats };
}

function sweepDeps(runStore: RunStore, nowMs: number) {
  const dialed: DialMessage[] = [];
  const webhooks: WebhookMessage[] = [];
  const deps = {
    store,
    runStore,
    dialQueue: { send: async (m: DialMessage[]) => void dialed.push(...m) },
    webhookQueue: { send: async (m: WebhookMessage[]) => void webhooks.push(...m) },
    scheduler: {
      scheduleStart: async () => undefined,
      cancelStart: async () => undefined,
      scheduleWake: async () => undefined,
    },
    dialerFor: () => undefined,
    secrets: { put: async () => undefined, get: async () => null, delete: async () => undefined },
    transcripts: { put: async () => undefined, get: async () => null },
    clock: () => new Date(nowMs),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    maxCallSeconds: MAX_CALL_SECONDS,
    sweepGraceMs: GRACE_MS,
  } as unknown as Parameters<typeof sweep>[0];
  return { deps, dialed, webhooks };
}

/** A running batch of 3 whose first 2 recipients are on long calls (healthy), started at T0. */
async function healthyBatch(options: { lostDial?: boolean } = {}) {
  const { workspaceId, batchId, recipients } = await storeBatch(store, {
    total: 3,
    batch: { maxConcurrentCalls: 2, createdAt: at(0), ringingTimeoutMs: 30_000 },
  });
  await startDispatched(run, { workspaceId, batchId }, 2, at(0));
  for (const index of options.lostDial ? [0] : [0, 1]) {
    const ref = { workspaceId, batchId, recipientIndex: index, attempt: 1 };
    expect(await run.claimRecipient(ref, at(1_000), recipients[index]?.phone ?? '', NO_LIMIT)).toEqual(
      CLAIMED,
    );
  }
  return { workspaceId, batchId };
}

async function sweepAt(nowMs: number) {
  const { runStore, stats } = counted(run);
  const { deps, dialed, webhooks } = sweepDeps(runStore, nowMs);
  const report = await sweep(deps);
  return { report, stats, dialed, webhooks };
}

describe('a sweep run reads only what is due or stuck', () => {
  it('reads as many items with 1 healthy running batch as with 30, once each has been looked at', async () => {
    const measure = async (count: number, offsetMs: number) => {
      for (let i = 0; i < count; i++) await healthyBatch();
      // The first look after grace reads each batch once and moves it to its next stuck check...
      const first = await sweepAt(T0 + offsetMs + GRACE_MS + 20_000);
      // ... so the runs after it read none of them.
      const later = await sweepAt(T0 + offsetMs + GRACE_MS + 80_000);
      return { first: first.stats, later: later.stats };
    };
    const one = await measure(1, 0);
    const many = await measure(30, 0);
    expect(one.first.byMethod.listRecipientRuns).toBe(1);
    expect(many.first.byMethod.listRecipientRuns).toBe(30);
    expect(many.later.byMethod.listRecipientRuns ?? 0).toBe(0);
    expect(many.later.byMethod.getBatchRun ?? 0).toBe(0);
    // Flat: the same reads and the same items read, whatever the number of healthy batches.
    expect(many.later).toEqual(one.later);
    expect(many.later.items).toBe(0);
  });

  it('still finds a lost dial message and, later, a call stuck past ringing timeout + the longest call', async () => {
    const healthy = await healthyBatch();
    const lost = await healthyBatch({ lostDial: true });
    const { report, dialed, stats } = await sweepAt(T0 + GRACE_MS + 20_000);
    expect(report.requeued).toBeGreaterThanOrEqual(1);
    expect(dialed.filter((m) => m.batchId === lost.batchId).map((m) => m.recipientIndex)).toEqual([1]);
    expect(stats.byMethod.listRecipientRuns).toBeGreaterThanOrEqual(2);

    // Quiet and healthy now (the requeued message is trusted for grace): nothing of these is read.
    const quiet = await sweepAt(T0 + GRACE_MS + 30_000);
    expect(quiet.stats.byMethod.listRecipientRuns ?? 0).toBe(0);

    // Past ringing timeout + the longest call, the live calls are stuck: both batches are read and
    // their calls failed (no provider to ask here), the requeued one found unclaimed again.
    const stuck = await sweepAt(T0 + 1_000 + 30_000 + MAX_CALL_SECONDS * 1000 + 1_000);
    expect(stuck.report.failedStuck).toBeGreaterThanOrEqual(3);
    const ended = await run.getRecipientRun(healthy.batchId, 0);
    expect(ended?.status).toBe('failed');
  });
});

describe('due webhook deliveries in HOOKDUE shards', () => {
  const record = (batchId: string, workspaceId: string, createdAt: string) =>
    outboxFixture({ batchId, workspaceId }, createdAt);

  it('spreads deliveries over the shards; a due one in any shard is queued, one not due is not read', async () => {
    const { workspaceId, batchId } = await healthyBatch();
    const due = Array.from({ length: 64 }, () => record(batchId, workspaceId, at(5_000_000)));
    const notDue = record(batchId, workspaceId, at(9_000_000));
    for (const r of [...due, notDue]) expect(await run.putOutbox(r)).toBe(true);

    const items = await table.doc.send(
      new ScanCommand({
        TableName: TABLE_NAME,
        FilterExpression: 'begins_with(GSI1PK, :hookdue)',
        ExpressionAttributeValues: { ':hookdue': 'HOOKDUE' },
      }),
    );
    const ours = (items.Items ?? []).filter((item) => item.batchId === batchId);
    const shards = new Set(ours.map((item) => String(item.GSI1PK)));
    const dueShards = new Set(
      ours.filter((item) => item.webhookId !== notDue.webhookId).map((item) => String(item.GSI1PK)),
    );
    // 64 hashed ids over 16 shards: every shard name is HOOKDUE#<n>, and most shards hold some.
    expect([...shards].every((s) => /^HOOKDUE#\d+$/.test(s) && Number(s.slice(8)) < HOOKDUE_SHARDS)).toBe(
      true,
    );
    expect(shards.size).toBeGreaterThanOrEqual(10);
    expect(ours.some((item) => item.GSI1PK === 'HOOKDUE')).toBe(false);

    const listed = await run.listDueDeliveries(at(5_000_000));
    expect(listed.map((d) => d.webhookId).sort()).toEqual(due.map((r) => r.webhookId).sort());
    // With a limit, at most that many of each shard.
    expect((await run.listDueDeliveries(at(5_000_000), 1)).length).toBe(dueShards.size);

    const { webhooks } = await sweepAt(T0 + 5_000_000 + GRACE_MS);
    const queued = webhooks.map((m) => m.webhookId);
    for (const r of due) expect(queued).toContain(r.webhookId);
    expect(queued).not.toContain(notDue.webhookId);
  });
});
