import { describe, expect, it } from 'vitest';
import { createWorkspaceWithKey } from '#shared/app/workspaces.ts';
import { newId } from '#shared/domain/ids.ts';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { agentFixture, outboxFixture, phoneNumberFixture } from '../helpers/domain-fixtures.ts';
import { callRef as ref, NO_LIMIT, storeBatch, useRunStores } from '../helpers/run-stores.ts';

/** The run store's conditions and transactions, against DynamoDB Local: every race has one winner. */

const TABLE_NAME = 'batch-calls-run-test';
const { table, store, run } = useRunStores(TABLE_NAME);

const NOW = '2026-11-29T10:00:00.000Z';
/** Every attention time is before it: the sweeper's view of every batch not finished. */
const FAR_FUTURE = '9999-12-31T00:00:00.000Z';

async function makeBatch(options: {
  total: number;
  maxConcurrent?: number;
  maxLiveCalls?: number;
  /** Another batch of this workspace (a new workspace unless given). */
  workspaceId?: string;
}) {
  const workspaceId =
    options.workspaceId ?? (await createWorkspaceWithKey(store, { name: 'run test' })).workspace.id;
  if (options.maxLiveCalls !== undefined) {
    // The workspace limit is a plain attribute; tests lower it directly.
    await table.doc.send(
      new UpdateCommand({
        TableName: TABLE_NAME,
        Key: { PK: `WS#${workspaceId}`, SK: 'WS' },
        UpdateExpression: 'SET maxLiveCalls = :m',
        ExpressionAttributeValues: { ':m': options.maxLiveCalls },
      }),
    );
  }
  return storeBatch(store, {
    total: options.total,
    workspaceId,
    batch: { name: 'b', maxConcurrentCalls: options.maxConcurrent ?? 10, createdAt: NOW },
  });
}

/** A claim taken in a workspace of one live-call shard (its limit ≤ 250): shard 0, the workspace item. */
const CLAIMED = { liveShard: 0 };

const answered = {
  status: 'completed' as const,
  outcome: 'answered' as const,
  startedAt: NOW,
  endedAt: NOW,
  durationSecs: 12,
  error: null,
  conversationId: 'conv_x',
  transcriptKey: 'k',
  dialedAt: NOW,
  retryAt: null,
  liveShard: 0,
  breakerMark: true,
};

describe('starting', () => {
  it('starts once, however many deliveries race, and lists the batch as active until it ends', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 3 });
    expect((await run.listActiveBatches(FAR_FUTURE)).map((b) => b.batchId)).toContain(batchId);
    const results = await Promise.all([1, 2, 3, 4].map(() => run.startBatch(workspaceId, batchId, 3, NOW)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const started = results.find((r) => r !== null);
    expect(started).toMatchObject({ status: 'running', dispatched: 3, startedAt: NOW });

    expect(await run.failBatch(workspaceId, batchId, 'agent deleted', NOW)).toBe(true);
    expect(await run.failBatch(workspaceId, batchId, 'again', NOW)).toBe(false);
    expect((await run.listActiveBatches(FAR_FUTURE)).map((b) => b.batchId)).not.toContain(batchId);
    expect(await store.getBatch(workspaceId, batchId)).toMatchObject({
      status: 'failed',
      failureReason: 'agent deleted',
    });
  });

  it('a cancel and a start racing: one wins', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 1 });
    const [cancel, start] = await Promise.allSettled([
      store.transitionBatch(workspaceId, batchId, ['pending', 'scheduled'], 'cancelled', {
        cancelledAt: NOW,
      }),
      run.startBatch(workspaceId, batchId, 1, NOW),
    ]);
    const cancelled = cancel.status === 'fulfilled';
    const started = start.status === 'fulfilled' && start.value !== null;
    expect(cancelled !== started).toBe(true);
  });
});

describe('claiming, ending and call slots', () => {
  it('claims an attempt once; the loser does nothing; counts move together', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 2 });
    await run.startBatch(workspaceId, batchId, 2, NOW);
    const results = await Promise.all(
      [1, 2, 3].map(() => run.claimRecipient(ref(workspaceId, batchId, 0), NOW, '+14155551234', NO_LIMIT)),
    );
    expect(results.sort()).toEqual([CLAIMED, 'not_pending', 'not_pending']);
    const batch = await run.getBatchRun(workspaceId, batchId);
    expect(batch?.counts).toEqual({ pending: 1, dialing: 1, completed: 0, failed: 0, skipped: 0 });
    expect(await run.getRecipientRun(batchId, 0)).toMatchObject({
      status: 'dialing',
      attempts: 1,
      dialingSince: NOW,
    });
    // A stale message for the same attempt, or one that skips an attempt, is refused.
    expect(await run.claimRecipient(ref(workspaceId, batchId, 1, 2), NOW, '+14155551234', NO_LIMIT)).toBe(
      'not_pending',
    );
  });

  it("refuses a claim past the batch's max_concurrent_calls and past the workspace's live-call limit", async () => {
    const a = await makeBatch({ total: 3, maxConcurrent: 1 });
    await run.startBatch(a.workspaceId, a.batchId, 3, NOW);
    expect(await run.claimRecipient(ref(a.workspaceId, a.batchId, 0), NOW, '+14155551234', NO_LIMIT)).toEqual(
      CLAIMED,
    );
    expect(await run.claimRecipient(ref(a.workspaceId, a.batchId, 1), NOW, '+14155551234', NO_LIMIT)).toBe(
      'batch_full',
    );
    expect(await run.endCall(ref(a.workspaceId, a.batchId, 0), answered)).toBe(true);
    expect(await run.claimRecipient(ref(a.workspaceId, a.batchId, 1), NOW, '+14155551234', NO_LIMIT)).toEqual(
      CLAIMED,
    );

    const b = await makeBatch({ total: 3, maxConcurrent: 3, maxLiveCalls: 1 });
    await run.startBatch(b.workspaceId, b.batchId, 3, NOW);
    expect(await run.claimRecipient(ref(b.workspaceId, b.batchId, 0), NOW, '+14155551234', NO_LIMIT)).toEqual(
      CLAIMED,
    );
    expect(await run.claimRecipient(ref(b.workspaceId, b.batchId, 1), NOW, '+14155551234', NO_LIMIT)).toBe(
      'workspace_full',
    );
    // Giving the call back (rate limited) frees the slot and does not count the attempt.
    expect(await run.unclaimRecipient(ref(b.workspaceId, b.batchId, 0), CLAIMED)).toBe(true);
    expect(await run.getRecipientRun(b.batchId, 0)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await run.claimRecipient(ref(b.workspaceId, b.batchId, 1), NOW, '+14155551234', NO_LIMIT)).toEqual(
      CLAIMED,
    );
  });

  it('a claim of a batch that is not running says so', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 1 });
    expect(await run.claimRecipient(ref(workspaceId, batchId, 0), NOW, '+14155551234', NO_LIMIT)).toBe(
      'batch_not_running',
    );
  });

  it('ends a call once: a duplicate callback changes nothing; counts add up; the batch completes', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 2 });
    await run.startBatch(workspaceId, batchId, 2, NOW);
    await run.claimRecipient(ref(workspaceId, batchId, 0), NOW, '+14155551234', NO_LIMIT);
    await run.recordPlacedCall(ref(workspaceId, batchId, 0), 'rcp_x', 'simulated', 'call-1');
    expect(await run.findCall('simulated', 'call-1')).toMatchObject({
      batchId,
      recipientIndex: 0,
      attempt: 1,
    });

    const ends = await Promise.all([1, 2].map(() => run.endCall(ref(workspaceId, batchId, 0), answered)));
    expect(ends.filter(Boolean)).toHaveLength(1);
    expect(await run.completeBatch(workspaceId, batchId, NOW)).toBe(false); // one still pending

    expect(await run.abandonRecipient(ref(workspaceId, batchId, 1), 'Missing dynamic variable: x', NOW)).toBe(
      true,
    );
    expect(await run.abandonRecipient(ref(workspaceId, batchId, 1), 'again', NOW)).toBe(false);
    const batch = await run.getBatchRun(workspaceId, batchId);
    expect(batch?.counts).toEqual({ pending: 0, dialing: 0, completed: 1, failed: 1, skipped: 0 });
    expect(await run.completeBatch(workspaceId, batchId, NOW)).toBe(true);
    expect(await run.completeBatch(workspaceId, batchId, NOW)).toBe(false);
    expect((await run.listActiveBatches(FAR_FUTURE)).map((b) => b.batchId)).not.toContain(batchId);
  });
});

describe('reading for a dial', () => {
  it('reads the batch, the recipient, and the agent and number in one request, within the workspace', async () => {
    const { workspaceId, batchId, recipients } = await makeBatch({ total: 2 });
    const batch = await run.getBatchRun(workspaceId, batchId);
    if (!batch) throw new Error('no batch');
    const agent = agentFixture(workspaceId, { id: batch.agentId });
    const phone = phoneNumberFixture(workspaceId, { id: batch.phoneNumberId, callsPerSecond: 5 });
    await store.putAgent(agent);
    await store.putPhoneNumber(phone);

    const reads = await run.getDialReads(ref(workspaceId, batchId, 1), agent.id, phone.id);
    expect(reads.batch).toEqual(batch);
    expect(reads.recipient).toMatchObject({ id: recipients[1]?.id, index: 1, status: 'pending' });
    expect(reads.agent).toEqual(agent);
    expect(reads.phone).toEqual(phone);

    // Missing items are null; another workspace's ids never reach this workspace's items.
    const other = await makeBatch({ total: 1 });
    expect(await run.getDialReads(ref(other.workspaceId, batchId, 5), agent.id, phone.id)).toEqual({
      batch: null,
      recipient: null,
      agent: null,
      phone: null,
    });
  });
});

describe("reading for a call's end and its reaction", () => {
  it('reads the batch with the recipient, or with its agent, in one request once the agent is known', async () => {
    const { workspaceId, batchId, recipients } = await makeBatch({ total: 2 });
    const batch = await run.getBatchRun(workspaceId, batchId);
    if (!batch) throw new Error('no batch');
    const agent = agentFixture(workspaceId, { id: batch.agentId });
    await store.putAgent(agent);
    const at = { workspaceId, batchId, recipientIndex: 1 };

    const end = await run.getRunReads(at, { recipient: true, agent: false });
    expect(end.batch).toEqual(batch);
    expect(end.recipient).toMatchObject({ id: recipients[1]?.id, index: 1 });
    expect(end.agent).toBeNull();
    // The batch's agent (remembered from the read above) comes in the same request.
    expect(await run.getRunReads(at, { recipient: false, agent: true })).toEqual({
      batch,
      recipient: null,
      agent,
    });
    expect(await run.getBatchIds(workspaceId, batchId)).toEqual({
      agentId: batch.agentId,
      phoneNumberId: batch.phoneNumberId,
    });

    // Another workspace's ids never reach this workspace's items, remembered or not.
    const other = await makeBatch({ total: 1 });
    const crossed = { workspaceId: other.workspaceId, batchId, recipientIndex: 1 };
    expect(await run.getRunReads(crossed, { recipient: true, agent: true })).toEqual({
      batch: null,
      recipient: null,
      agent: null,
    });
    expect(await run.getBatchIds(other.workspaceId, batchId)).toBeNull();
  });
});

describe('hand-over and dispatch', () => {
  it('marks the hand-over in the end transaction, so the event mark does not dispatch again', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 3, maxConcurrent: 1 });
    await run.startBatch(workspaceId, batchId, 1, NOW);
    await run.claimRecipient(ref(workspaceId, batchId, 0), NOW, '+14155551234', NO_LIMIT);
    const ends = await Promise.all(
      [1, 2].map(() => run.endCall(ref(workspaceId, batchId, 0), answered, { handOver: true })),
    );
    expect(ends.filter(Boolean)).toHaveLength(1);
    expect(await run.getRecipientRun(batchId, 0)).toMatchObject({ status: 'completed', handedOver: true });
    // Handed over already (by the callback): marking the event recorded does not hand over again.
    expect(await run.markEventRecorded(batchId, 0, 1)).toBe(false);
    expect(await run.getRecipientRun(batchId, 0)).toMatchObject({ eventRecorded: true, handedOver: true });
    const batch = await run.getBatchRun(workspaceId, batchId);
    const next = { agentId: batch?.agentId, phoneNumberId: batch?.phoneNumberId };
    expect(await run.takeNextIndex(workspaceId, batchId, NOW)).toEqual({ recipientIndex: 1, ...next });
    expect(await run.takeNextIndex(workspaceId, batchId, NOW)).toEqual({ recipientIndex: 2, ...next });
    expect(await run.takeNextIndex(workspaceId, batchId, NOW)).toBeNull();
  });

  it('gives a hand-over mark back only before the event is recorded, which then hands over itself', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 3, maxConcurrent: 1 });
    await run.startBatch(workspaceId, batchId, 1, NOW);
    for (const index of [0, 1]) {
      await run.claimRecipient(ref(workspaceId, batchId, index), NOW, '+14155551234', NO_LIMIT);
      await run.endCall(ref(workspaceId, batchId, index), answered, { handOver: true });
    }
    // Recipient 0: the dispatch failed before its stream reaction: the mark goes back, and the
    // reaction's event mark wins the hand-over.
    expect(await run.releaseHandOver(batchId, 0, 1)).toBe(true);
    expect(await run.releaseHandOver(batchId, 0, 1)).toBe(false);
    expect(await run.markEventRecorded(batchId, 0, 1)).toBe(true);
    // Recipient 1: its reaction ran first (and did not hand over): too late to give the mark back.
    expect(await run.markEventRecorded(batchId, 1, 1)).toBe(false);
    expect(await run.releaseHandOver(batchId, 1, 1)).toBe(false);
    expect(await run.getRecipientRun(batchId, 1)).toMatchObject({ handedOver: true, eventRecorded: true });
  });

  it('hands over with the event mark when nobody did yet, once, and never before the end', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 2, maxConcurrent: 1 });
    await run.startBatch(workspaceId, batchId, 1, NOW);
    await run.claimRecipient(ref(workspaceId, batchId, 0), NOW, '+14155551234', NO_LIMIT);
    expect(await run.markEventRecorded(batchId, 0, 1)).toBe(false); // still dialing
    expect(await run.getRecipientRun(batchId, 0)).toMatchObject({ eventRecorded: false, handedOver: false });
    await run.endCall(ref(workspaceId, batchId, 0), answered);
    const marks = await Promise.all([1, 2].map(() => run.markEventRecorded(batchId, 0, 1)));
    expect(marks.filter(Boolean)).toHaveLength(1);
  });
});

describe('pacing', () => {
  it('reserves slots one interval apart, even when reserved concurrently, and refuses one too far ahead', async () => {
    const ws = newId('workspace');
    const pn = newId('phoneNumber');
    const now = 1_800_000_000_000;
    const slots = await Promise.all([1, 2, 3, 4].map(() => run.reservePacingSlot(ws, pn, 1000, now, 10_000)));
    expect([...slots].sort()).toEqual([now, now + 1000, now + 2000, now + 3000]);
    expect(await run.reservePacingSlot(ws, pn, 1000, now, 3_500)).toBeNull();
    expect(await run.reservePacingSlot(ws, pn, 1000, now + 60_000, 0)).toBe(now + 60_000);
  });

  it('gives 30 dialers racing for one number 30 different slots, without a read-compare storm', async () => {
    const ws = newId('workspace');
    const pn = newId('phoneNumber');
    const now = 1_800_000_000_000;
    const slots = await Promise.all(
      Array.from({ length: 30 }, () => run.reservePacingSlot(ws, pn, 10, now, 10_000)),
    );
    expect([...slots].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 30 }, (_, i) => now + i * 10),
    );
  });
});

describe('the webhook outbox', () => {
  const record = (batchId: string, workspaceId: string) => outboxFixture({ batchId, workspaceId }, NOW);

  /** A claim at `now` until `until`, due by a second later (the delivery's clock tolerance). */
  const at = (now: string, until: string) => ({
    now,
    until,
    dueBy: new Date(Date.parse(now) + 1_000).toISOString(),
  });

  it('reads what a delivery needs besides its record in one request (no agent stored here: null)', async () => {
    const { workspaceId, batchId, recipients } = await makeBatch({ total: 1 });
    const r = record(batchId, workspaceId);
    const reads = await run.getDeliveryReads(r, { payload: true });
    expect(reads.batch).toMatchObject({ id: batchId, workspaceId });
    expect(reads.recipient).toMatchObject({ id: recipients[0]?.id, index: 0 });
    expect(reads.agent).toBeNull();
    expect(reads.endpoint).toBeNull();
    // With a snapshot in the record, the batch and recipient are not read.
    const settingsOnly = await run.getDeliveryReads(r, { payload: false });
    expect(settingsOnly.batch).toBeNull();
    expect(settingsOnly.recipient).toBeNull();
    // A batch event has no recipient; another workspace's id reaches none of this one's items.
    expect(
      (await run.getDeliveryReads({ ...r, recipientIndex: null }, { payload: true })).recipient,
    ).toBeNull();
    const elsewhere = await run.getDeliveryReads(
      { ...r, workspaceId: newId('workspace'), recipientIndex: null },
      { payload: true },
    );
    expect(elsewhere.batch).toBeNull();
  });

  it('writes an event once, logs attempts conditionally, and keeps undelivered ones due', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 1 });
    const snapshot = {
      data: { phone: '+15550100000', dynamic_vars: { name: 'Ada', n: 3 }, outcome: null },
      conversationAttempt: 2,
    };
    const r = { ...record(batchId, workspaceId), snapshot };
    expect(await run.putOutbox(r)).toBe(true);
    expect(await run.putOutbox(r)).toBe(false);

    // Due from its creation (the sweeper adds its own grace period before trusting it lost), not before.
    expect((await run.listDueDeliveries('2026-11-29T09:59:59.000Z')).map((d) => d.webhookId)).not.toContain(
      r.webhookId,
    );
    expect((await run.listDueDeliveries(NOW)).map((d) => d.webhookId)).toContain(r.webhookId);

    // One claim at a time, returning the record (its snapshot too); the loser learns until when; an
    // expired claim can be taken again.
    const until = '2026-11-29T10:01:00.000Z';
    const claims = await Promise.all([1, 2].map(() => run.claimDelivery(r, at(NOW, until))));
    expect(claims).toContainEqual({ claimed: true, record: r });
    expect(claims).toContainEqual({ claimed: false, heldUntil: until });
    expect(await run.claimDelivery(r, at('2026-11-29T10:00:59.000Z', '2026-11-29T10:02:00.000Z'))).toEqual({
      claimed: false,
      heldUntil: until,
    });
    expect(await run.claimDelivery(r, at('2026-11-29T10:01:01.000Z', '2026-11-29T10:02:00.000Z'))).toEqual({
      claimed: true,
      record: r,
    });

    const attempt = { at: NOW, statusCode: 500, error: 'HTTP 500', durationMs: 3, manual: false };
    const retry = { status: 'retrying' as const, nextAttemptAt: '2026-11-29T12:00:00.000Z' };
    const results = await Promise.all([1, 2].map(() => run.recordDeliveryAttempt(r, attempt, retry)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = await run.getOutbox(batchId, r.webhookId);
    expect(stored).toMatchObject({ status: 'retrying', nextAttemptAt: '2026-11-29T12:00:00.000Z', snapshot });
    expect(stored?.attempts).toHaveLength(1);
    // Recording released the claim, but the next attempt is not due: a duplicate of the message that
    // carried this one finds nothing to send (a second early is within the clocks' tolerance).
    expect(await run.claimDelivery(r, at('2026-11-29T11:59:58.000Z', until))).toEqual({
      claimed: false,
      heldUntil: null,
    });
    // A claim given back (a failure that was not a crash) can be taken again at once; only by its holder.
    const mine = '2026-11-29T12:01:00.000Z';
    expect(await run.claimDelivery(r, at('2026-11-29T11:59:59.500Z', mine))).toEqual({
      claimed: true,
      record: { ...stored, snapshot },
    });
    if (stored) await run.releaseDelivery(stored, '2026-11-29T12:09:00.000Z'); // not its claim: kept
    expect(await run.claimDelivery(r, at('2026-11-29T12:00:01.000Z', mine))).toEqual({
      claimed: false,
      heldUntil: mine,
    });
    if (stored) await run.releaseDelivery(stored, mine);
    expect(await run.claimDelivery(r, at('2026-11-29T12:00:02.000Z', mine))).toMatchObject({ claimed: true });
    // Still due for the sweeper from its next attempt (in case the message carrying it is lost).
    const due = async (when: string) => (await run.listDueDeliveries(when)).map((d) => d.webhookId);
    expect(await due('2026-11-29T11:59:00.000Z')).not.toContain(r.webhookId);
    expect(await due('2026-11-29T12:00:00.000Z')).toContain(r.webhookId);

    const delivered = { ...attempt, statusCode: 200, error: null };
    const finished = { status: 'delivered' as const, nextAttemptAt: null };
    expect(stored && (await run.recordDeliveryAttempt(stored, delivered, finished))).toBe(true);
    expect((await run.listDueDeliveries('2030-01-01T00:00:00.000Z')).map((d) => d.webhookId)).not.toContain(
      r.webhookId,
    );
    expect(await run.listOutbox(batchId)).toHaveLength(1);
    // Delivered: no copy of any message claims it again, whenever it comes.
    expect(await run.claimDelivery(r, at('2030-01-01T00:00:00.000Z', mine))).toEqual({
      claimed: false,
      heldUntil: null,
    });
    // Nor one of a record that does not exist.
    expect(await run.claimDelivery({ batchId, webhookId: 'batch.completed:none' }, at(NOW, until))).toEqual({
      claimed: false,
      heldUntil: null,
    });

    const again = await run.requeueDelivery(batchId, r.webhookId, NOW, { manual: true });
    expect(again).toMatchObject({ status: 'pending', nextAttemptAt: NOW });
  });

  it('holds a claimed delivery back without an attempt, due later, unless it moved on', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 1 });
    const r = record(batchId, workspaceId);
    await run.putOutbox(r);
    const until = '2026-11-29T10:01:00.000Z';
    const later = '2026-11-29T10:07:00.000Z';
    expect(await run.claimDelivery(r, at(NOW, until))).toMatchObject({ claimed: true });
    // Only by the claim's holder.
    expect(await run.holdDelivery(r, later, '2026-11-29T10:09:00.000Z')).toBe(false);
    expect(await run.holdDelivery(r, later, until)).toBe(true);
    expect(await run.getOutbox(batchId, r.webhookId)).toMatchObject({
      status: 'pending',
      attempts: [],
      nextAttemptAt: later,
    });
    const due = async (when: string) => (await run.listDueDeliveries(when)).map((d) => d.webhookId);
    expect(await due('2026-11-29T10:06:59.000Z')).not.toContain(r.webhookId);
    expect(await due(later)).toContain(r.webhookId);
    // Not before its time; then the claim it gave back can be taken.
    expect(await run.claimDelivery(r, at('2026-11-29T10:05:00.000Z', until))).toEqual({
      claimed: false,
      heldUntil: null,
    });
    const again = '2026-11-29T10:08:00.000Z';
    expect(await run.claimDelivery(r, at(later, again))).toMatchObject({ claimed: true });
    // Another worker logged an attempt meanwhile: the hold of the old copy changes nothing.
    const attempt = { at: NOW, statusCode: 200, error: null, durationMs: 3, manual: false };
    await run.recordDeliveryAttempt(r, attempt, { status: 'delivered', nextAttemptAt: null });
    expect(await run.holdDelivery(r, '2026-11-29T11:00:00.000Z', again)).toBe(false);
    expect(await run.getOutbox(batchId, r.webhookId)).toMatchObject({
      status: 'delivered',
      nextAttemptAt: null,
    });
  });
});

describe("a webhook endpoint's circuit breaker", () => {
  const T = 1_800_000_000_000;
  const endpoint = () => ({ workspaceId: newId('workspace'), agentId: newId('agent') });

  it('is read with the delivery, and lets one probe at a time through, per URL', async () => {
    const ref = endpoint();
    expect(await run.getEndpointHealth(ref)).toBeNull();
    // Many deliveries to a new endpoint at once: one probes.
    const first = await Promise.all(
      Array.from({ length: 8 }, () =>
        run.takeEndpointProbe(ref, 'url-a', { fresh: true, nowMs: T, untilMs: T + 25_000 }),
      ),
    );
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(await run.getEndpointHealth(ref)).toEqual({
      urlKey: 'url-a',
      failures: 0,
      openUntil: T,
      probeUntil: T + 25_000,
    });
    const later = { fresh: false, nowMs: T + 1_000, untilMs: T + 26_000 };
    expect(await run.takeEndpointProbe(ref, 'url-a', later)).toBe(false);
    // The probe failed: counted, opened for a while, its lease given back.
    expect(await run.countEndpointFailure(ref, 'url-a')).toBe(1);
    await run.setEndpointState(ref, 'url-a', {
      openUntil: T + 10_000,
      resetFailures: false,
      endsProbe: true,
    });
    expect(await run.takeEndpointProbe(ref, 'url-a', later)).toBe(false); // still open
    const halfOpen = { fresh: false, nowMs: T + 10_000, untilMs: T + 35_000 };
    const second = await Promise.all(
      Array.from({ length: 8 }, () => run.takeEndpointProbe(ref, 'url-a', halfOpen)),
    );
    expect(second.filter(Boolean)).toHaveLength(1);
    // An expired lease (its holder died) can be taken again.
    expect(
      await run.takeEndpointProbe(ref, 'url-a', { fresh: false, nowMs: T + 36_000, untilMs: T + 61_000 }),
    ).toBe(true);
    // A fast answer closes it.
    await run.setEndpointState(ref, 'url-a', { openUntil: null, resetFailures: true, endsProbe: true });
    expect(await run.getEndpointHealth(ref)).toEqual({
      urlKey: 'url-a',
      failures: 0,
      openUntil: null,
      probeUntil: null,
    });

    // The agent's URL changed: outcomes of the old one land nowhere, the new one starts with a probe.
    expect(await run.countEndpointFailure(ref, 'url-old')).toBeNull();
    await run.setEndpointState(ref, 'url-old', {
      openUntil: T + 99_000,
      resetFailures: false,
      endsProbe: true,
    });
    expect((await run.getEndpointHealth(ref))?.openUntil).toBeNull();
    expect(await run.takeEndpointProbe(ref, 'url-b', { fresh: true, nowMs: T, untilMs: T + 25_000 })).toBe(
      true,
    );
    expect(await run.getEndpointHealth(ref)).toMatchObject({ urlKey: 'url-b', openUntil: T });

    // The delivery's one BatchGetItem carries it.
    const { workspaceId, batchId } = await makeBatch({ total: 1, workspaceId: ref.workspaceId });
    const reads = await run.getDeliveryReads(
      { batchId, workspaceId, agentId: ref.agentId, recipientIndex: null },
      { payload: false },
    );
    expect(reads.endpoint).toMatchObject({ urlKey: 'url-b' });
  });

  it('counts failures atomically, and a slow mark only half-opens a closed endpoint', async () => {
    const ref = endpoint();
    await run.takeEndpointProbe(ref, 'u', { fresh: true, nowMs: T, untilMs: T + 25_000 });
    await run.setEndpointState(ref, 'u', { openUntil: null, resetFailures: true, endsProbe: true });
    const counts = await Promise.all(Array.from({ length: 6 }, () => run.countEndpointFailure(ref, 'u')));
    expect([...counts].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const slow = { openUntil: T + 5_000, resetFailures: false, endsProbe: false, onlyIfClosed: true };
    await run.setEndpointState(ref, 'u', slow);
    expect((await run.getEndpointHealth(ref))?.openUntil).toBe(T + 5_000);
    // Already open (a failure opened it for longer): the slow mark does not shorten it.
    await run.setEndpointState(ref, 'u', { openUntil: T + 60_000, resetFailures: false, endsProbe: false });
    await run.setEndpointState(ref, 'u', slow);
    expect((await run.getEndpointHealth(ref))?.openUntil).toBe(T + 60_000);
  });
});

describe('waiting recipients and dial turns (round two)', () => {
  const T0 = Date.parse(NOW);
  const busyEnd = (retryAt: string | null) => ({
    status: 'failed' as const,
    outcome: 'busy' as const,
    startedAt: null,
    endedAt: NOW,
    durationSecs: null,
    error: 'The line was busy',
    conversationId: null,
    transcriptKey: null,
    dialedAt: NOW,
    retryAt,
    liveShard: 0,
    breakerMark: true,
  });

  /** A running batch whose recipient 0 was dispatched (it holds a dial turn). */
  async function running(total: number, maxConcurrent = 2) {
    const made = await makeBatch({ total, maxConcurrent });
    await run.startBatch(made.workspaceId, made.batchId, Math.min(total, maxConcurrent), NOW);
    await run.markDispatched(made.batchId, [0], NOW);
    return made;
  }

  it('a retried attempt waits as pending, due at its retry, with its attempt in the history', async () => {
    const { workspaceId, batchId } = await running(2);
    await run.claimRecipient(ref(workspaceId, batchId, 0), NOW, '+14155551234', NO_LIMIT);
    const retryAt = new Date(T0 + 900_000).toISOString();
    expect(await run.endCall(ref(workspaceId, batchId, 0), busyEnd(retryAt))).toBe(true);

    const r = await run.getRecipientRun(batchId, 0);
    expect(r).toMatchObject({ status: 'pending', attempts: 1, outcome: 'busy', nextAttemptAt: retryAt });
    expect(r?.dispatchedAt).toBeNull();
    expect(r?.attemptHistory).toEqual([
      {
        attempt: 1,
        dialedAt: NOW,
        startedAt: null,
        endedAt: NOW,
        outcome: 'busy',
        durationSecs: null,
        conversationId: null,
        error: 'The line was busy',
      },
    ]);
    expect((await run.getBatchRun(workspaceId, batchId))?.counts).toMatchObject({ pending: 2, dialing: 0 });
    expect(await run.earliestDue(batchId)).toBe(T0 + 900_000);

    // Not due before its time; then taken once, for attempt 2, however many dispatchers race.
    expect(await run.takeDue(workspaceId, batchId, T0 + 899_999, NOW)).toBeNull();
    const later = new Date(T0 + 900_000).toISOString();
    const takes = await Promise.all(
      [1, 2, 3].map(() => run.takeDue(workspaceId, batchId, T0 + 900_000, later)),
    );
    expect(takes.filter((t) => t !== null)).toEqual([{ recipientIndex: 0, attempt: 2 }]);
    expect(await run.getRecipientRun(batchId, 0)).toMatchObject({ dispatchedAt: later, dueSk: null });
    expect(await run.earliestDue(batchId)).toBeNull();
    expect(
      await run.claimRecipient(ref(workspaceId, batchId, 0, 2), later, '+14155551234', NO_LIMIT),
    ).toEqual(CLAIMED);
  });

  it('keeps waiting recipients while the batch does not run, and drops a stale due item', async () => {
    const { workspaceId, batchId } = await running(2);
    expect(await run.deferRecipient(ref(workspaceId, batchId, 0), T0, { releaseSlot: true })).toBe(true);
    // A second copy of the same dispatch finds it waiting already.
    expect(await run.deferRecipient(ref(workspaceId, batchId, 0), T0, { releaseSlot: true })).toBe(false);
    expect((await run.getBatchRun(workspaceId, batchId))?.slots).toBe(1);

    await store.transitionBatch(workspaceId, batchId, ['running'], 'paused', {
      pauseReason: 'user',
      pausedAt: NOW,
    });
    expect(await run.takeDue(workspaceId, batchId, T0 + 1, NOW)).toBe('not_running');
    await store.transitionBatch(workspaceId, batchId, ['paused'], 'running', {
      pauseReason: null,
      pausedAt: null,
    });

    // Skipped meanwhile (a stop, an opt-out): its due item goes with it, so nothing is taken.
    const waiting = await run.getRecipientRun(batchId, 0);
    expect(
      await run.skipRecipient(ref(workspaceId, batchId, 0), 'opted_out', {
        heldSlot: false,
        dueSk: waiting?.dueSk ?? null,
      }),
    ).toBe(true);
    expect(await run.takeDue(workspaceId, batchId, T0 + 1, NOW)).toBeNull();
    expect((await run.getBatchRun(workspaceId, batchId))?.counts).toMatchObject({ pending: 1, skipped: 1 });
  });

  it('skips a dispatched recipient giving its turn back, once; a cancel moves no counts twice', async () => {
    const { workspaceId, batchId } = await running(3);
    const skip = () =>
      run.skipRecipient(ref(workspaceId, batchId, 0), 'batch_stopped', { heldSlot: true, dueSk: null });
    expect((await Promise.all([skip(), skip()])).filter(Boolean)).toHaveLength(1);
    const batch = await run.getBatchRun(workspaceId, batchId);
    expect(batch).toMatchObject({ slots: 1, counts: { pending: 2, skipped: 1 } });
    // The state seen was wrong (not dispatched): the condition refuses it; the caller reads again.
    expect(
      await run.skipRecipient(ref(workspaceId, batchId, 1), 'batch_stopped', { heldSlot: true, dueSk: null }),
    ).toBe(false);
    expect(
      await run.skipRecipient(ref(workspaceId, batchId, 2), 'batch_cancelled', {
        heldSlot: false,
        dueSk: null,
        countsMoved: true,
      }),
    ).toBe(true);
    expect((await run.getBatchRun(workspaceId, batchId))?.counts).toMatchObject({ pending: 2, skipped: 1 });
  });

  it('takes dial turns up to max_concurrent_calls only while running, and never below zero', async () => {
    const { workspaceId, batchId } = await makeBatch({ total: 5, maxConcurrent: 2 });
    expect(await run.acquireSlot(workspaceId, batchId, NOW)).toBeNull(); // not running yet
    await run.startBatch(workspaceId, batchId, 1, NOW);
    expect(await run.acquireSlot(workspaceId, batchId, NOW)).toMatchObject({ slots: 2 });
    expect(await run.acquireSlot(workspaceId, batchId, NOW)).toBeNull();
    expect(await run.releaseSlot(workspaceId, batchId, NOW)).toBe(1);
    expect(await run.releaseSlot(workspaceId, batchId, NOW)).toBe(0);
    expect(await run.releaseSlot(workspaceId, batchId, NOW)).toBeNull();
    expect(await run.repairSlots(workspaceId, batchId, 0, 2)).toBe(true);
    expect(await run.repairSlots(workspaceId, batchId, 0, 1)).toBe(false);
  });

  it('keeps one wake-up, the earliest; an idle batch leaves the sweeper alone until then', async () => {
    const { workspaceId, batchId } = await running(1);
    const at = (ms: number) => new Date(T0 + ms).toISOString();
    expect(await run.setWake(workspaceId, batchId, at(600_000), NOW, true)).toBe(true);
    expect(await run.setWake(workspaceId, batchId, at(900_000), NOW, true)).toBe(false); // later: kept
    expect(await run.setWake(workspaceId, batchId, at(300_000), NOW, true)).toBe(true); // earlier: replaces
    expect((await run.getBatchRun(workspaceId, batchId))?.wakeAt).toBe(at(300_000));
    const listed = async (now: string) => (await run.listActiveBatches(now)).map((b) => b.batchId);
    expect(await listed(at(299_000))).not.toContain(batchId);
    expect(await listed(at(300_000))).toContain(batchId);
    // A wake-up that is past (it fired, or was lost) is replaced by a later one.
    expect(await run.setWake(workspaceId, batchId, at(1_200_000), at(400_000), false)).toBe(true);
    await run.clearWake(workspaceId, batchId, at(300_000)); // not the current one: kept
    expect((await run.getBatchRun(workspaceId, batchId))?.wakeAt).toBe(at(1_200_000));
    await run.clearWake(workspaceId, batchId, at(1_200_000));
    expect((await run.getBatchRun(workspaceId, batchId))?.wakeAt).toBeNull();
    // A dial turn taken brings the sweeper's attention back at once.
    await run.acquireSlot(workspaceId, batchId, at(2_000));
    expect(await listed(at(2_000))).toContain(batchId);

    // A paused batch sets no wake-up (its resume tops it up).
    await store.transitionBatch(workspaceId, batchId, ['running'], 'paused', {
      pauseReason: 'user',
      pausedAt: NOW,
    });
    expect(await run.setWake(workspaceId, batchId, at(60_000), NOW, true)).toBe(false);
  });
});

describe('the contact history (contact limit across batches)', () => {
  const PHONE = '+14155550123';
  const at = (offsetMs: number) => new Date(Date.parse(NOW) + offsetMs).toISOString();

  /** Two running batches of one workspace. */
  async function twoBatches() {
    const a = await makeBatch({ total: 3 });
    const b = await makeBatch({ total: 3, workspaceId: a.workspaceId });
    for (const made of [a, b]) await run.startBatch(made.workspaceId, made.batchId, 3, NOW);
    return { ws: a.workspaceId, a: a.batchId, b: b.batchId };
  }

  it('records every claim, even without a limit; claims decided on one version race and one wins', async () => {
    const { ws, a, b } = await twoBatches();
    expect(await run.getContactHistory(ws, PHONE)).toEqual({ version: null, attempts: [] });
    // A claim without a limit reads nothing and still records its attempt.
    expect(await run.claimRecipient(ref(ws, a, 0), NOW, PHONE, { attemptKey: 'r1:1', guard: null })).toEqual(
      CLAIMED,
    );
    const history = await run.getContactHistory(ws, PHONE);
    expect(history).toEqual({ version: 1, attempts: [{ key: 'r1:1', atMs: Date.parse(NOW) }] });

    // Two batches racing for the phone, both decided on that history: exactly one claim wins; the
    // loser's recipient is untouched (still pending) and nothing of it is recorded.
    const guard = { version: history.version, prune: [] };
    const claims = await Promise.all([
      run.claimRecipient(ref(ws, a, 1), at(1), PHONE, { attemptKey: 'r2:1', guard }),
      run.claimRecipient(ref(ws, b, 0), at(1), PHONE, { attemptKey: 'r3:1', guard }),
    ]);
    expect([...claims].sort()).toEqual([CLAIMED, 'contact_busy']);
    const after = await run.getContactHistory(ws, PHONE);
    expect(after.version).toBe(2);
    expect(after.attempts).toHaveLength(2);
    // A create's (preflight's) view: every phone's history in one read; a phone never dialed is absent.
    const histories = await store.contactHistories(ws, [PHONE, '+14155550199', PHONE]);
    expect([...histories.keys()]).toEqual([PHONE]);
    expect(histories.get(PHONE)).toEqual(after.attempts);
    const loser = typeof claims[0] !== 'string' ? { batch: b, index: 0 } : { batch: a, index: 1 };
    expect(await run.getRecipientRun(loser.batch, loser.index)).toMatchObject({
      status: 'pending',
      attempts: 0,
    });

    // A claim decided on a history that did not exist yet loses to any write since.
    expect(
      await run.claimRecipient(ref(ws, b, 1), at(2), PHONE, {
        attemptKey: 'r4:1',
        guard: { version: null, prune: [] },
      }),
    ).toBe('contact_busy');
  });

  it('gives an unclaimed attempt back, and prunes what no limit needs as it claims', async () => {
    const { ws, a } = await twoBatches();
    const old = at(-721 * 3_600_000);
    await run.claimRecipient(ref(ws, a, 0), old, PHONE, { attemptKey: 'old:1', guard: null });
    await run.claimRecipient(ref(ws, a, 1), NOW, PHONE, { attemptKey: 'new:1', guard: null });
    expect(await run.unclaimRecipient(ref(ws, a, 1), CLAIMED)).toBe(true);
    await run.releaseContactAttempt(ws, PHONE, 'new:1', Date.parse(NOW));
    // Giving back twice (a retried handler) changes nothing.
    await run.releaseContactAttempt(ws, PHONE, 'new:1', Date.parse(NOW));
    let history = await run.getContactHistory(ws, PHONE);
    expect(history.attempts.map((x) => x.key)).toEqual(['old:1']);

    // A guarded claim drops the attempt older than the longest window in the same write.
    expect(
      await run.claimRecipient(ref(ws, a, 1), NOW, PHONE, {
        attemptKey: 'new:1',
        guard: { version: history.version, prune: ['old:1'] },
      }),
    ).toEqual(CLAIMED);
    history = await run.getContactHistory(ws, PHONE);
    expect(history.attempts).toEqual([{ key: 'new:1', atMs: Date.parse(NOW) }]);
  });

  it('refuses an unread claim once the history holds its cap, until it is pruned', async () => {
    const { ws, a } = await twoBatches();
    const phone = '+14155550124';
    // 200 attempts, all older than the longest window: written directly, as 200 claims would.
    const oldMs = Date.parse(NOW) - 800 * 3_600_000;
    const attempts = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`a:x${i}:1`, oldMs + i]));
    await table.doc.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: {
          PK: `CONTACT#${ws}#${phone}`,
          SK: 'CONTACT',
          entity: 'contactHistory',
          version: 200,
          n: 200,
          ...attempts,
        },
      }),
    );
    const claim = () => run.claimRecipient(ref(ws, a, 0), NOW, phone, { attemptKey: 'r:1', guard: null });
    expect(await claim()).toBe('contact_busy');
    await run.pruneContactHistory(ws, phone, Date.parse(NOW));
    expect((await run.getContactHistory(ws, phone)).attempts).toEqual([]);
    expect(await claim()).toEqual(CLAIMED);
  });
});

describe('the sweeper lease', () => {
  it('lets one holder in at a time, until it gives the lease back or it expires', async () => {
    const name = `sweeper-test-${newId('batch')}`;
    const now = Date.parse(NOW);
    const takes = await Promise.all(
      ['a', 'b', 'c'].map((holder) => run.acquireLease(name, holder, now, now + 1_000)),
    );
    expect(takes.filter(Boolean)).toHaveLength(1);
    const holder = ['a', 'b', 'c'][takes.indexOf(true)] ?? '';
    const other = holder === 'a' ? 'b' : 'a';
    expect(await run.acquireLease(name, other, now + 999, now + 2_000)).toBe(false);
    // Another holder's release changes nothing; the holder's own frees it.
    await run.releaseLease(name, other);
    expect(await run.acquireLease(name, other, now + 999, now + 2_000)).toBe(false);
    await run.releaseLease(name, holder);
    expect(await run.acquireLease(name, other, now + 999, now + 2_000)).toBe(true);
    // A holder that died (never released) blocks nobody past its time.
    expect(await run.acquireLease(name, holder, now + 2_001, now + 3_000)).toBe(true);
  });
});
