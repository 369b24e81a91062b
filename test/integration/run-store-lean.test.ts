import { describe, expect, it } from 'vitest';
import type { OutboxRecord } from '#shared/domain/outbox.ts';
import { outboxFixture } from '../helpers/domain-fixtures.ts';
import {
  callRef as ref,
  NO_LIMIT,
  startDispatched,
  storeBatch,
  useRunStores,
} from '../helpers/run-stores.ts';

/**
 * The lean run path's writes against DynamoDB Local (issue 16): an end that carries its webhook
 * record, its event mark and the next dispatch; the batch's count of waiting recipients.
 */

const TABLE_NAME = 'batch-calls-run-lean-test';
const { store, run } = useRunStores(TABLE_NAME);

const NOW = '2026-11-29T10:00:00.000Z';
const T0 = Date.parse(NOW);

async function runningBatch(total: number, window: number) {
  const made = await storeBatch(store, {
    total,
    batch: { name: 'b', maxConcurrentCalls: window, createdAt: NOW },
  });
  await startDispatched(run, made, window, NOW);
  return made;
}

const end = (retryAt: string | null = null) => ({
  status: 'completed' as const,
  outcome: retryAt ? ('busy' as const) : ('answered' as const),
  startedAt: NOW,
  endedAt: NOW,
  durationSecs: 12,
  error: null,
  conversationId: null,
  transcriptKey: null,
  dialedAt: NOW,
  retryAt,
  // One live-call shard in these workspaces: the claim took shard 0.
  liveShard: 0,
  breakerMark: true,
});

function outboxFor(workspaceId: string, batchId: string, index: number): OutboxRecord {
  return outboxFixture({ workspaceId, batchId }, NOW, {
    webhookId: `msg_lean_${batchId}_${index}`,
    agentId: 'agent_1',
    recipientIndex: index,
  });
}

describe('an end that passes the turn in its own write', () => {
  it('moves the cursor from the value read, marks the next recipient dispatched, and writes the webhook record', async () => {
    const { workspaceId, batchId } = await runningBatch(5, 2);
    await run.claimRecipient(ref(workspaceId, batchId, 0), NOW, '+14155550100', NO_LIMIT);
    const batch = await run.getBatchRun(workspaceId, batchId);
    expect(batch).toMatchObject({ dispatched: 2, mayHaveDue: false });

    const outbox = outboxFor(workspaceId, batchId, 0);
    const result = await run.endCallAndPass(ref(workspaceId, batchId, 0), end(), {
      outbox,
      eventRecorded: true,
      dispatched: 2,
      now: NOW,
    });
    expect(result).toEqual({ ended: true, handedTo: 2 });
    expect(await run.getRecipientRun(batchId, 0)).toMatchObject({
      status: 'completed',
      eventRecorded: true,
      handedOver: true,
    });
    expect((await run.getRecipientRun(batchId, 2))?.dispatchedAt).toBe(NOW);
    const after = await run.getBatchRun(workspaceId, batchId);
    // The turn passed on: the cursor moved, the turns in circulation stayed, the counts moved.
    expect(after).toMatchObject({ dispatched: 3, slots: 2 });
    expect(after?.counts).toMatchObject({ completed: 1 });
    expect(await run.getOutbox(batchId, outbox.webhookId)).toMatchObject({
      eventType: 'conversation.completed',
      status: 'pending',
    });

    // A duplicate of the same end writes nothing: no second hand-over.
    expect(
      await run.endCallAndPass(ref(workspaceId, batchId, 0), end(), { dispatched: 3, now: NOW }),
    ).toEqual({ ended: false, handedTo: null });
    expect((await run.getBatchRun(workspaceId, batchId))?.dispatched).toBe(3);
  });

  it('ends the call alone when the cursor moved since it was read, and two ends never share an index', async () => {
    const { workspaceId, batchId } = await runningBatch(6, 2);
    for (const index of [0, 1]) {
      await run.claimRecipient(ref(workspaceId, batchId, index), NOW, `+1415555010${index}`, {
        attemptKey: `k${index}`,
        guard: null,
      });
    }
    // Both ends read the cursor at 2.
    const results = await Promise.all(
      [0, 1].map((index) =>
        run.endCallAndPass(ref(workspaceId, batchId, index), end(), { dispatched: 2, now: NOW }),
      ),
    );
    expect(results.every((r) => r.ended)).toBe(true);
    expect(results.map((r) => r.handedTo).sort()).toEqual([2, null]);
    expect((await run.getBatchRun(workspaceId, batchId))?.dispatched).toBe(3);
    expect((await run.getRecipientRun(batchId, 3))?.dispatchedAt).toBeNull();
  });

  it('ends a recipient dialed before the cursor reached it: the cursor steps past it, no turn handed', async () => {
    // Cursor at 2: recipient 2 was claimed through a dial message the cursor never handed out.
    const { workspaceId, batchId } = await runningBatch(4, 2);
    await run.claimRecipient(ref(workspaceId, batchId, 2), NOW, '+14155550102', NO_LIMIT);
    const result = await run.endCallAndPass(ref(workspaceId, batchId, 2), end(), { dispatched: 2, now: NOW });
    expect(result).toEqual({ ended: true, handedTo: null });
    expect(await run.getRecipientRun(batchId, 2)).toMatchObject({ status: 'completed', dispatchedAt: null });
    // The caller's usual hand-over then takes the recipient after it.
    expect((await run.getBatchRun(workspaceId, batchId))?.dispatched).toBe(3);
    expect(await run.takeNextIndex(workspaceId, batchId, NOW)).toMatchObject({ recipientIndex: 3 });
  });

  it('passes nothing once the batch no longer runs, and still records the end', async () => {
    const { workspaceId, batchId } = await runningBatch(4, 1);
    await run.claimRecipient(ref(workspaceId, batchId, 0), NOW, '+14155550100', NO_LIMIT);
    await store.transitionBatch(workspaceId, batchId, ['running'], 'paused', { pausedAt: NOW });
    const result = await run.endCallAndPass(ref(workspaceId, batchId, 0), end(), { dispatched: 1, now: NOW });
    expect(result).toEqual({ ended: true, handedTo: null });
    expect((await run.getBatchRun(workspaceId, batchId))?.dispatched).toBe(1);
    expect(await run.getRecipientRun(batchId, 0)).toMatchObject({ status: 'completed' });
  });
});

describe('the batch`s count of waiting recipients', () => {
  it('says none after the start, maybe once a retry waits, none again once it is taken', async () => {
    const { workspaceId, batchId } = await runningBatch(3, 1);
    expect((await run.getBatchRun(workspaceId, batchId))?.mayHaveDue).toBe(false);
    await run.claimRecipient(ref(workspaceId, batchId, 0), NOW, '+14155550100', NO_LIMIT);
    const retryAt = new Date(T0 + 1_000).toISOString();
    expect(await run.endCall(ref(workspaceId, batchId, 0), end(retryAt))).toBe(true);
    expect((await run.getBatchRun(workspaceId, batchId))?.mayHaveDue).toBe(true);

    expect(await run.takeDue(workspaceId, batchId, T0 + 2_000, NOW)).toEqual({
      recipientIndex: 0,
      attempt: 2,
    });
    expect((await run.getBatchRun(workspaceId, batchId))?.mayHaveDue).toBe(false);
  });

  it('counts a deferred dial (a closed window, a pause), with or without the turn given back', async () => {
    const { workspaceId, batchId } = await runningBatch(3, 2);
    expect(await run.deferRecipient(ref(workspaceId, batchId, 0), T0 + 60_000, { releaseSlot: false })).toBe(
      true,
    );
    expect((await run.getBatchRun(workspaceId, batchId))?.mayHaveDue).toBe(true);
    expect(await run.deferRecipient(ref(workspaceId, batchId, 1), T0 + 60_000, { releaseSlot: true })).toBe(
      true,
    );
    const batch = await run.getBatchRun(workspaceId, batchId);
    expect(batch).toMatchObject({ slots: 1, mayHaveDue: true });
    await run.takeDue(workspaceId, batchId, T0 + 61_000, NOW);
    expect((await run.getBatchRun(workspaceId, batchId))?.mayHaveDue).toBe(true);
    await run.takeDue(workspaceId, batchId, T0 + 61_000, NOW);
    expect((await run.getBatchRun(workspaceId, batchId))?.mayHaveDue).toBe(false);
  });
});

describe("the failure breaker's marks on the batch item", () => {
  it('are appended only for a batch with a breaker, and a trim never leaves fewer than the breaker keeps', async () => {
    const { workspaceId, batchId } = await runningBatch(6, 6);
    for (const index of [0, 1, 2, 3]) {
      await run.claimRecipient(ref(workspaceId, batchId, index), NOW, `+1415555010${index}`, {
        attemptKey: `k${index}`,
        guard: null,
      });
    }
    // Without a breaker the end appends nothing: the list would only grow.
    expect(await run.endCall(ref(workspaceId, batchId, 0), { ...end(), breakerMark: false })).toBe(true);
    expect((await run.getBatchRun(workspaceId, batchId))?.recentOutcomes).toEqual([]);
    for (const index of [1, 2, 3]) {
      expect(await run.endCall(ref(workspaceId, batchId, index), end())).toBe(true);
    }
    expect((await run.getBatchRun(workspaceId, batchId))?.recentOutcomes).toEqual(['o', 'o', 'o']);

    // Two ends read 3 marks and trim 2 each, keeping 1: one trim lands, the other finds too few.
    await Promise.all([
      run.trimOutcomes(workspaceId, batchId, 2, 1),
      run.trimOutcomes(workspaceId, batchId, 2, 1),
    ]);
    expect((await run.getBatchRun(workspaceId, batchId))?.recentOutcomes).toEqual(['o']);
  });
});
