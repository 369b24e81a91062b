import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { dialRecipient } from '#shared/app/run/dial.ts';
import { createWorkspaceWithKey } from '#shared/app/workspaces.ts';
import type { Dialer } from '#shared/ports/dialer.ts';
import type { CallEnd, ClaimResult, RunStore } from '#shared/ports/run-store.ts';
import { agentFixture, phoneNumberFixture } from '../helpers/domain-fixtures.ts';
import { startDispatched, storeBatch, useRunStores } from '../helpers/run-stores.ts';

/**
 * The dial's claim against DynamoDB Local: the caller number's pacing slot taken in the claim's own
 * transaction when the number is idle (and nothing written when it is busy), and the workspace's
 * live-call counter in shards (the limit held exactly, every release in the shard its claim took).
 */

const TABLE_NAME = 'batch-calls-claim-test';
/** `container()`: another container's run store, with its own memory of pacing and shards. */
const { table, store, run, container } = useRunStores(TABLE_NAME);

const T0 = 1_900_000_000_000;
const iso = (ms: number) => new Date(ms).toISOString();
const phoneOf = (index: number) => `+1415555${String(1000 + index)}`;
const noLimit = (index: number) => ({ attemptKey: `r${index}:1`, guard: null });

/** A running batch of `total` recipients, all dispatched, with its agent and caller number stored. */
async function runningBatch(options: { total: number; callsPerSecond?: number; workspaceId?: string }) {
  const workspaceId =
    options.workspaceId ?? (await createWorkspaceWithKey(store, { name: 'claim test' })).workspace.id;
  const agent = agentFixture(workspaceId);
  const phone = phoneNumberFixture(workspaceId, { callsPerSecond: options.callsPerSecond ?? 1 });
  await store.putAgent(agent);
  await store.putPhoneNumber(phone);
  const { batchId, recipients } = await storeBatch(store, {
    total: options.total,
    workspaceId,
    batch: { agentId: agent.id, phoneNumberId: phone.id, maxConcurrentCalls: Math.min(100, options.total) },
    recipient: (index) => ({ phone: phoneOf(index) }),
  });
  await startDispatched(run, { workspaceId, batchId }, options.total, iso(T0));
  const indexes = recipients.map((r) => r.index);
  return { workspaceId, batchId, agentId: agent.id, phoneNumberId: phone.id, indexes };
}

const ref = (b: { workspaceId: string; batchId: string }, recipientIndex: number) => ({
  workspaceId: b.workspaceId,
  batchId: b.batchId,
  recipientIndex,
  attempt: 1,
});

async function item(PK: string, SK: string): Promise<Record<string, unknown> | undefined> {
  return (await table.doc.send(new GetCommand({ TableName: TABLE_NAME, Key: { PK, SK } }))).Item;
}

const liveCallsOf = async (workspaceId: string, shard: number) =>
  (shard === 0 ? await item(`WS#${workspaceId}`, 'WS') : await item(`LIVE#${workspaceId}#${shard}`, 'LIVE'))
    ?.liveCalls;

async function setLiveCalls(workspaceId: string, shard: number, liveCalls: number) {
  await table.doc.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key:
        shard === 0
          ? { PK: `WS#${workspaceId}`, SK: 'WS' }
          : { PK: `LIVE#${workspaceId}#${shard}`, SK: 'LIVE' },
      UpdateExpression: 'SET liveCalls = :n',
      ExpressionAttributeValues: { ':n': liveCalls },
    }),
  );
}

const ended = (liveShard: number): CallEnd => ({
  status: 'completed',
  outcome: 'answered',
  startedAt: iso(T0),
  endedAt: iso(T0 + 5_000),
  durationSecs: 5,
  error: null,
  conversationId: null,
  transcriptKey: null,
  dialedAt: iso(T0),
  retryAt: null,
  liveShard,
  breakerMark: true,
});

describe('the pacing slot in the claim', () => {
  it('takes the slot "now" in the claim itself when the number is idle', async () => {
    const b = await runningBatch({ total: 1 });
    const pacing = { phoneNumberId: b.phoneNumberId, intervalMs: 1_000, nowMs: T0 };
    expect(await run.claimRecipient(ref(b, 0), iso(T0), phoneOf(0), noLimit(0), { pacing })).toEqual({
      liveShard: 0,
    });
    expect(await item(`PACE#${b.workspaceId}#${b.phoneNumberId}`, 'PACE')).toMatchObject({
      nextAt: T0 + 1_000,
    });
    expect(await run.getRecipientRun(b.batchId, 0)).toMatchObject({ status: 'dialing', attempts: 1 });
  });

  it('writes nothing when the number is busy, and the dial then takes a slot and claims without it', async () => {
    const b = await runningBatch({ total: 3 });
    const pacingAt = (nowMs: number) => ({
      pacing: { phoneNumberId: b.phoneNumberId, intervalMs: 1_000, nowMs },
    });
    expect(await run.claimRecipient(ref(b, 0), iso(T0), phoneOf(0), noLimit(0), pacingAt(T0))).toEqual({
      liveShard: 0,
    });
    // This container saw the number's next slot: it answers without a request. Another container
    // learns it from the transaction's cancellation reason (the pacing part failed).
    expect(await run.claimRecipient(ref(b, 1), iso(T0 + 10), phoneOf(1), noLimit(1), pacingAt(T0 + 10))).toBe(
      'pacing_busy',
    );
    const other = container();
    expect(
      await other.claimRecipient(ref(b, 1), iso(T0 + 10), phoneOf(1), noLimit(1), pacingAt(T0 + 10)),
    ).toBe('pacing_busy');
    // Nothing of the claim was written: the recipient waits, no call slot taken, no attempt recorded.
    expect(await run.getRecipientRun(b.batchId, 1)).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await run.getBatchRun(b.workspaceId, b.batchId))?.counts).toMatchObject({
      pending: 2,
      dialing: 1,
    });
    expect(await liveCallsOf(b.workspaceId, 0)).toBe(1);
    expect(await item(`CONTACT#${b.workspaceId}#${phoneOf(1)}`, 'CONTACT')).toBeUndefined();

    // Today's path: the next slot, then the claim alone.
    expect(await other.reservePacingSlot(b.workspaceId, b.phoneNumberId, 1_000, T0 + 10, 3_000)).toBe(
      T0 + 1_000,
    );
    expect(await other.claimRecipient(ref(b, 1), iso(T0 + 1_000), phoneOf(1), noLimit(1))).toEqual({
      liveShard: 0,
    });
    // Once the number's next slot has passed, it is idle again: folded.
    expect(
      await other.claimRecipient(ref(b, 2), iso(T0 + 2_500), phoneOf(2), noLimit(2), pacingAt(T0 + 2_500)),
    ).toEqual({ liveShard: 0 });
    expect(await item(`PACE#${b.workspaceId}#${b.phoneNumberId}`, 'PACE')).toMatchObject({
      nextAt: T0 + 3_500,
    });
  });

  it('gives concurrent dials of one number one slot each, an interval apart, each recipient called once', async () => {
    const callsPerSecond = 20;
    const intervalMs = 1000 / callsPerSecond;
    const b = await runningBatch({ total: 8, callsPerSecond });
    const placedAt: { index: number; at: number }[] = [];
    const dialer: Dialer = {
      provider: 'simulated',
      placeCall: async (input) => {
        placedAt.push({ index: input.ref.recipientIndex, at: Date.now() });
        return { kind: 'placed', providerCallId: `call-${input.ref.recipientIndex}` };
      },
    };
    // Two containers (each with its own memory of the number), dialing at once.
    const containers = [run, container()];
    const deps = (runStore: RunStore) =>
      ({
        store,
        runStore,
        dialQueue: { send: vi.fn(async () => undefined) },
        webhookQueue: { send: vi.fn(async () => undefined) },
        dialerFor: () => dialer,
        secrets: { get: async () => null },
        clock: () => new Date(),
        sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
        logger: {
          info: () => undefined,
          warn: () => undefined,
          error: () => undefined,
          debug: () => undefined,
        },
        publicBaseUrl: 'http://127.0.0.1:1',
      }) as unknown as Parameters<typeof dialRecipient>[0];
    const start = Date.now();
    const outcomes = await Promise.all(
      b.indexes.map((index) =>
        dialRecipient(deps(containers[index % 2] as RunStore), {
          ...ref(b, index),
          agentId: b.agentId,
          phoneNumberId: b.phoneNumberId,
        }),
      ),
    );
    expect(outcomes).toEqual(b.indexes.map(() => 'placed'));
    expect(placedAt.map((p) => p.index).sort((x, y) => x - y)).toEqual(b.indexes);
    // Each call starts at or after its own slot, and the slots are an interval apart: the i-th call
    // to start cannot start before the i-th slot.
    const times = placedAt.map((p) => p.at).sort((x, y) => x - y);
    times.forEach((at, i) => expect(at).toBeGreaterThanOrEqual(start + i * intervalMs));
    const pace = await item(`PACE#${b.workspaceId}#${b.phoneNumberId}`, 'PACE');
    expect(pace?.nextAt).toBeGreaterThanOrEqual(start + b.indexes.length * intervalMs);
  });
});

describe("the workspace's live-call counter in shards", () => {
  it('reshards for the limit: one shard up to 250, shares that add up to it, retired shards at 0', async () => {
    const { workspace } = await createWorkspaceWithKey(store, { name: 'shards' });
    const ws = workspace.id;
    expect(await store.setMaxLiveCalls(ws, 200)).toBe(true);
    expect(await item(`WS#${ws}`, 'WS')).toMatchObject({ maxLiveCalls: 200 });
    expect((await item(`WS#${ws}`, 'WS'))?.liveShards).toBeUndefined();
    expect(await item(`LIVE#${ws}#1`, 'LIVE')).toBeUndefined();

    expect(await store.setMaxLiveCalls(ws, 600)).toBe(true);
    expect(await item(`WS#${ws}`, 'WS')).toMatchObject({ maxLiveCalls: 600, liveShards: 3, liveShare: 200 });
    for (const shard of [1, 2]) {
      expect(await item(`LIVE#${ws}#${shard}`, 'LIVE')).toMatchObject({
        liveShare: 200,
        liveShards: 3,
        liveCalls: 0,
      });
    }
    expect(await store.setMaxLiveCalls(ws, 251)).toBe(true);
    expect(await item(`WS#${ws}`, 'WS')).toMatchObject({ liveShards: 2, liveShare: 126 });
    expect(await item(`LIVE#${ws}#1`, 'LIVE')).toMatchObject({ liveShare: 125 });
    expect(await item(`LIVE#${ws}#2`, 'LIVE')).toMatchObject({ liveShare: 0 });
    expect((await store.getWorkspace(ws))?.maxLiveCalls).toBe(251);
    expect(await store.setMaxLiveCalls('ws_missing', 10)).toBe(false);
  });

  it('holds the limit exactly under concurrent claims across shards, from several containers', async () => {
    const b = await runningBatch({ total: 12 });
    // 750: three shards of 250, each with 248 live calls of other batches: 6 slots free in all.
    await store.setMaxLiveCalls(b.workspaceId, 750);
    for (const shard of [0, 1, 2]) await setLiveCalls(b.workspaceId, shard, 248);
    const containers = [run, container(), container()];
    const results = await Promise.all(
      b.indexes.map((index) =>
        (containers[index % 3] as RunStore).claimRecipient(
          ref(b, index),
          iso(T0),
          phoneOf(index),
          noLimit(index),
        ),
      ),
    );
    const claimed = results.filter((r): r is { liveShard: number } => typeof r !== 'string');
    expect(claimed).toHaveLength(6);
    expect(results.filter((r) => r === 'workspace_full')).toHaveLength(6);
    for (const shard of [0, 1, 2]) expect(await liveCallsOf(b.workspaceId, shard)).toBe(250);
    // Each claimed recipient recorded the shard it holds: 2 in each.
    const recorded = await Promise.all(
      b.indexes.map(async (index) => (await run.getRecipientRun(b.batchId, index)) ?? { liveShard: -1 }),
    );
    const holding = recorded.filter((r) => 'status' in r && r.status === 'dialing');
    expect(holding.map((r) => r.liveShard).sort()).toEqual([0, 0, 1, 1, 2, 2]);
    expect(await run.workspaceHasRoom(b.workspaceId)).toBe(false);

    // One call ends: its shard, and only its shard, has room; the next claim finds it.
    const first = holding[0];
    if (!first || !('index' in first)) throw new Error('no claimed recipient');
    expect(await run.endCall(ref(b, first.index), ended(first.liveShard))).toBe(true);
    expect(await liveCallsOf(b.workspaceId, first.liveShard)).toBe(249);
    expect(await run.workspaceHasRoom(b.workspaceId)).toBe(true);
    const waiting = recorded.find((r) => 'status' in r && r.status === 'pending');
    if (!waiting || !('index' in waiting)) throw new Error('no waiting recipient');
    expect(
      await container().claimRecipient(
        ref(b, waiting.index),
        iso(T0),
        phoneOf(waiting.index),
        noLimit(waiting.index),
      ),
    ).toEqual({ liveShard: first.liveShard });
    for (const shard of [0, 1, 2]) expect(await liveCallsOf(b.workspaceId, shard)).toBe(250);
  });

  it('releases the shard the claim recorded, and refuses to release another', async () => {
    const b = await runningBatch({ total: 2 });
    await store.setMaxLiveCalls(b.workspaceId, 1_000); // four shards of 250
    const claims: ClaimResult[] = [];
    for (const index of b.indexes)
      claims.push(await run.claimRecipient(ref(b, index), iso(T0), phoneOf(index), noLimit(index)));
    const [a, c] = claims;
    if (!a || !c || typeof a === 'string' || typeof c === 'string') {
      throw new Error(`not claimed: ${String(a)} ${String(c)}`);
    }
    expect((await run.getRecipientRun(b.batchId, 0))?.liveShard).toBe(a.liveShard);

    const before = await Promise.all([0, 1, 2, 3].map((shard) => liveCallsOf(b.workspaceId, shard)));
    // A wrong shard: the end's recipient condition fails, nothing moves.
    expect(await run.endCall(ref(b, 0), ended((a.liveShard + 1) % 4))).toBe(false);
    expect(await Promise.all([0, 1, 2, 3].map((shard) => liveCallsOf(b.workspaceId, shard)))).toEqual(before);
    expect(await run.endCall(ref(b, 0), ended(a.liveShard))).toBe(true);
    expect(await liveCallsOf(b.workspaceId, a.liveShard)).toBe((before[a.liveShard] as number) - 1);

    // A give-back (the provider rate-limited the call) releases the same way.
    expect(await run.unclaimRecipient(ref(b, 1), { liveShard: (c.liveShard + 1) % 4 })).toBe(false);
    expect(await run.unclaimRecipient(ref(b, 1), c)).toBe(true);
    for (const shard of [0, 1, 2, 3]) expect(await liveCallsOf(b.workspaceId, shard)).toBe(0);
    expect(await run.getRecipientRun(b.batchId, 1)).toMatchObject({ status: 'pending', liveShard: 0 });
  });

  it('an attempt claimed before its workspace was sharded releases the workspace item, where it counted', async () => {
    const b = await runningBatch({ total: 1 });
    // One shard (the default limit, as every workspace before the shards): no shard recorded.
    expect(await run.claimRecipient(ref(b, 0), iso(T0), phoneOf(0), noLimit(0))).toEqual({ liveShard: 0 });
    expect((await item(`BATCH#${b.batchId}`, 'R#0000'))?.liveShard).toBeUndefined();
    expect(await liveCallsOf(b.workspaceId, 0)).toBe(1);

    await store.setMaxLiveCalls(b.workspaceId, 1_000);
    const recipient = await run.getRecipientRun(b.batchId, 0);
    expect(recipient?.liveShard).toBe(0);
    expect(await run.endCall(ref(b, 0), ended(recipient?.liveShard ?? -1))).toBe(true);
    for (const shard of [0, 1, 2, 3]) expect(await liveCallsOf(b.workspaceId, shard)).toBe(0);
  });

  it('reshares by the calls each shard holds, so neither raising nor lowering the limit overshoots it', async () => {
    const b = await runningBatch({ total: 3 });
    // Raised from one shard holding 250 calls to 600: shard 0 keeps its 250, the others share the rest.
    await store.setMaxLiveCalls(b.workspaceId, 250);
    await setLiveCalls(b.workspaceId, 0, 250);
    await store.setMaxLiveCalls(b.workspaceId, 600);
    expect(await item(`WS#${b.workspaceId}`, 'WS')).toMatchObject({ liveShards: 3, liveShare: 250 });
    expect(await item(`LIVE#${b.workspaceId}#1`, 'LIVE')).toMatchObject({ liveShare: 175 });
    expect(await item(`LIVE#${b.workspaceId}#2`, 'LIVE')).toMatchObject({ liveShare: 175 });

    // 300 live (100 a shard), lowered to 250: the shards stay (they hold calls), each with a share
    // below what it holds: no new call anywhere until calls end.
    for (const shard of [0, 1, 2]) await setLiveCalls(b.workspaceId, shard, 100);
    await store.setMaxLiveCalls(b.workspaceId, 250);
    expect(await item(`WS#${b.workspaceId}`, 'WS')).toMatchObject({ liveShards: 3, liveShare: 84 });
    expect(await item(`LIVE#${b.workspaceId}#1`, 'LIVE')).toMatchObject({ liveShare: 83 });
    expect(await run.workspaceHasRoom(b.workspaceId)).toBe(false);
    expect(await run.claimRecipient(ref(b, 0), iso(T0), phoneOf(0), noLimit(0))).toBe('workspace_full');
    // Calls of shard 1 end below its share: it takes calls again, up to its share.
    await setLiveCalls(b.workspaceId, 1, 82);
    expect(await run.workspaceHasRoom(b.workspaceId)).toBe(true);
    expect(await run.claimRecipient(ref(b, 0), iso(T0), phoneOf(0), noLimit(0))).toEqual({ liveShard: 1 });
    expect(await run.claimRecipient(ref(b, 1), iso(T0), phoneOf(1), noLimit(1))).toBe('workspace_full');

    // Once every shard is empty, a small limit is one shard again: exact, the workspace item alone.
    for (const shard of [0, 1, 2]) await setLiveCalls(b.workspaceId, shard, 0);
    await store.setMaxLiveCalls(b.workspaceId, 100);
    expect((await item(`WS#${b.workspaceId}`, 'WS'))?.liveShards).toBeUndefined();
    expect(await item(`LIVE#${b.workspaceId}#2`, 'LIVE')).toMatchObject({ liveShare: 0 });
  });
});
