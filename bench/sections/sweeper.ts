import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { createDynamoRunStore } from '#shared/adapters/dynamodb/run-store.ts';
import { ensureTable } from '#shared/adapters/dynamodb/table.ts';
import { sweepUnderLease } from '#shared/app/run/sweep.ts';
import { createWorkspaceWithKey } from '#shared/app/workspaces.ts';
import { newId } from '#shared/domain/ids.ts';
import type { RunStore } from '#shared/ports/run-store.ts';
import type { Store } from '#shared/ports/store.ts';
import { startDynamoDbLocal } from '#infra/local/emulators/dynamodb-local.ts';
import { batchFixture, recipientFixture } from '../../test/helpers/domain-fixtures.ts';
import { startCountingProxies } from '../lib/counting-proxy.ts';

/**
 * The sweeper's cost per run against the number of healthy running batches (issue 16: "flat"). Each
 * batch runs 2 long calls (of 10 recipients) — healthy, nothing lost. The sweeper's real code
 * (`sweepUnderLease`, as its function runs it, lease included) runs against DynamoDB Local through
 * the counting proxy, which adds up requests and the capacity units DynamoDB Local reports; the
 * batches are seeded around the proxy. Its clock is simulated, so the minutes pass at once:
 *   - the first run after the batches started reads each once (it moves each to its next stuck
 *     check: ringing timeout + the longest call after its calls began);
 *   - the runs after it (every minute, as deployed) are the steady state, reported per run.
 * The queues, scheduler and provider are stand-ins: a healthy sweep sends nothing to them.
 */

export interface SweeperCost {
  batches: number;
  /** The first run after the start: every batch is looked at once. */
  firstRun: { requests: number; readUnits: number; writeUnits: number; byOperation: Record<string, number> };
  /** A later run (the median of `steadyRuns`): what every minute costs while the batches run. */
  steadyRun: { requests: number; readUnits: number; writeUnits: number; byOperation: Record<string, number> };
  steadyRuns: number;
}

export interface SweeperResult {
  sizes: SweeperCost[];
  /** Steady-state read units per run with the most batches ÷ with the fewest (flat: 1). */
  readUnitsRatio: number;
}

const GRACE_MS = 60_000;
const MAX_CALL_SECONDS = 3_600;
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

export async function benchSweeper(options: { sizes: number[]; steadyRuns: number }): Promise<SweeperResult> {
  const db = await startDynamoDbLocal();
  const counting = await startCountingProxies(['dynamodb']);
  const proxy = counting.proxies.dynamodb;
  proxy.setTarget(db.endpoint);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const direct = createDynamoDbClient({ endpoint: db.endpoint, region: 'local', credentials });
  const counted = createDynamoDbClient({ endpoint: proxy.url, region: 'local', credentials });
  try {
    const sizes: SweeperCost[] = [];
    for (const [k, size] of options.sizes.entries()) {
      // One table per size: a run sees only its own batches.
      const tableName = `bench-sweeper-${k}`;
      await ensureTable(direct, tableName);
      const seedDoc = createDocumentClient({ client: direct });
      const store = createDynamoStore({ client: seedDoc, tableName });
      const seedRun = createDynamoRunStore({ client: seedDoc, tableName });
      for (let i = 0; i < size; i++) await healthyBatch(store, seedRun);

      const doc = createDocumentClient({ client: counted });
      const deps = sweeperDeps(
        createDynamoStore({ client: doc, tableName }),
        createDynamoRunStore({ client: doc, tableName }),
      );
      const measureAt = async (nowMs: number) => {
        await proxy.reset();
        deps.nowMs = nowMs;
        const report = await sweepUnderLease(deps.deps, `bench-${k}-${nowMs}`, 60_000);
        if (report === 'busy') throw new Error('the sweeper lease was held');
        const { readUnits, writeUnits } = await proxy.capacity();
        return { requests: await proxy.total(), readUnits, writeUnits, byOperation: await proxy.counts() };
      };
      const firstRun = await measureAt(T0 + GRACE_MS + 30_000);
      const steady = [];
      for (let i = 1; i <= options.steadyRuns; i++)
        steady.push(await measureAt(T0 + GRACE_MS + 30_000 + i * 60_000));
      steady.sort((a, b) => a.readUnits - b.readUnits);
      const steadyRun = steady[Math.floor(steady.length / 2)] ?? firstRun;
      sizes.push({ batches: size, firstRun, steadyRun, steadyRuns: steady.length });
    }
    const few = sizes[0]?.steadyRun.readUnits ?? 0;
    const most = sizes.at(-1)?.steadyRun.readUnits ?? 0;
    return { sizes, readUnitsRatio: few > 0 ? most / few : most === 0 ? 1 : Infinity };
  } finally {
    direct.destroy();
    counted.destroy();
    await counting.close();
    await db.stop();
  }
}

/** A running batch of 10 with 2 calls live since T0 + 1 s (max_concurrent_calls 2): healthy. */
async function healthyBatch(store: Store, run: RunStore): Promise<void> {
  const { workspace } = await createWorkspaceWithKey(store, { name: 'bench sweeper' });
  const batchId = newId('batch');
  const recipients = Array.from({ length: 10 }, (_, index) =>
    recipientFixture({ batchId, workspaceId: workspace.id }, { index }),
  );
  await store.createBatch(
    batchFixture(workspace.id, {
      id: batchId,
      maxConcurrentCalls: 2,
      totalRecipients: 10,
      createdAt: iso(T0),
    }),
    recipients,
  );
  await run.startBatch(workspace.id, batchId, 2, iso(T0));
  await run.markDispatched(batchId, [0, 1], iso(T0));
  for (const index of [0, 1]) {
    const ref = { workspaceId: workspace.id, batchId, recipientIndex: index, attempt: 1 };
    const claimed = await run.claimRecipient(ref, iso(T0 + 1_000), recipients[index]?.phone ?? '', {
      attemptKey: `${batchId}:${index}`,
      guard: null,
    });
    if (typeof claimed === 'string') throw new Error(`could not seed a live call: ${claimed}`);
  }
}

/** What the sweeper function composes, with stand-ins that fail loudly if a healthy sweep used them. */
function sweeperDeps(store: Store, runStore: RunStore) {
  const unexpected = (what: string) => async () => {
    throw new Error(`a healthy sweep should not use ${what}`);
  };
  const state = {
    nowMs: T0,
    deps: undefined as unknown as Parameters<typeof sweepUnderLease>[0],
  };
  state.deps = {
    store,
    runStore,
    dialQueue: { send: unexpected('the dial queue') },
    webhookQueue: { send: unexpected('the webhook queue') },
    scheduler: {
      scheduleStart: unexpected('the scheduler'),
      cancelStart: unexpected('the scheduler'),
      scheduleWake: unexpected('the scheduler'),
    },
    dialerFor: () => undefined,
    secrets: { put: unexpected('secrets'), get: unexpected('secrets'), delete: unexpected('secrets') },
    transcripts: { put: unexpected('transcripts'), get: unexpected('transcripts') },
    clock: () => new Date(state.nowMs),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    maxCallSeconds: MAX_CALL_SECONDS,
    sweepGraceMs: GRACE_MS,
  } as unknown as Parameters<typeof sweepUnderLease>[0];
  return state;
}
