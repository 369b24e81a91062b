import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoEventLog } from '#shared/adapters/dynamodb/entities/live-events.ts';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { createDynamoRunStore } from '#shared/adapters/dynamodb/run-store.ts';
import { streamBatchEvents, type EventSink } from '#shared/app/live/stream-events.ts';
import { createWorkspaceWithKey } from '#shared/app/workspaces.ts';
import { toBatchObject, toRecipientObject } from '#shared/contracts/batch-objects.ts';
import { newId } from '#shared/domain/ids.ts';
import { SETTLE_MS, settledId } from '#shared/domain/live-events.ts';
import type { Recipient } from '#shared/domain/recipient.ts';
import type { EventLog } from '#shared/ports/event-log.ts';
import type { CallEnd, RunStore } from '#shared/ports/run-store.ts';
import type { Store } from '#shared/ports/store.ts';
import { batchFixture, recipientFixture } from '../helpers/domain-fixtures.ts';
import { useLocalTable } from '../helpers/local-table.ts';

/**
 * A batch's live event log against DynamoDB Local: written by the run store's own transactions (a
 * claim, a call's end, a skip, …: no request of its own), stamped by time; read in id order after
 * any id, with a settle time that lets a commit arriving late (after later ids are visible) still be
 * sent in its place, nothing repeated.
 */

const TABLE_NAME = 'batch-calls-live-events-test';
const table = useLocalTable(TABLE_NAME);
let log: EventLog;
let store: Store;
let run: RunStore;

beforeAll(() => {
  log = createDynamoEventLog({ client: table.doc, tableName: TABLE_NAME });
  store = createDynamoStore({ client: table.doc, tableName: TABLE_NAME });
  run = createDynamoRunStore({ client: table.doc, tableName: TABLE_NAME });
});

const NOW = new Date().toISOString();
const NO_LIMIT = { attemptKey: 'rcp_test:1', guard: null };
/** A phone per recipient: one contact-history item each, so racing claims do not contend on one. */
const phone = (index: number) => `+1415555${String(1000 + index)}`;

async function runningBatch(total: number) {
  const { workspace } = await createWorkspaceWithKey(store, { name: 'live test' });
  const batchId = newId('batch');
  const recipients: Recipient[] = Array.from({ length: total }, (_, index) =>
    recipientFixture({ batchId, workspaceId: workspace.id }, { index, dynamicVars: { n: index } }),
  );
  const batch = batchFixture(workspace.id, {
    id: batchId,
    maxConcurrentCalls: total,
    totalRecipients: total,
    createdAt: NOW,
  });
  await store.createBatch(batch, recipients);
  await run.startBatch(workspace.id, batchId, total, NOW);
  const ref = (recipientIndex: number, attempt = 1) => ({
    workspaceId: workspace.id,
    batchId,
    recipientIndex,
    attempt,
  });
  return { workspaceId: workspace.id, batchId, ref };
}

const ended = (over: Partial<CallEnd> = {}): CallEnd => ({
  status: 'completed',
  outcome: 'answered',
  startedAt: NOW,
  endedAt: NOW,
  durationSecs: 30,
  error: null,
  conversationId: null,
  transcriptKey: null,
  dialedAt: NOW,
  retryAt: null,
  breakerMark: true,
  ...over,
  // One live-call shard in these workspaces: the claim took shard 0.
  liveShard: over.liveShard ?? 0,
});

/** Everything written so far, read in pages of `limit` as a reader would (no settle wait). */
async function readAll(batchId: string, limit = 100) {
  const upTo = settledId(Date.now() + SETTLE_MS);
  const all: { id: number; recipient: Recipient }[] = [];
  let after = 0;
  for (;;) {
    const page = await log.readBetween(batchId, after, upTo, limit);
    all.push(...page.events);
    if (page.readUpTo >= upTo) return all;
    after = page.readUpTo;
  }
}

describe('the live event log', () => {
  it('holds one entry per change, written by the change’s own transaction, rebuilt as it was', async () => {
    const { batchId, ref } = await runningBatch(3);
    const retryAt = new Date(Date.now() + 60_000).toISOString();
    // Three claims of one attempt race: one wins, one entry.
    await Promise.all([1, 2, 3].map(() => run.claimRecipient(ref(0), NOW, phone(0), NO_LIMIT)));
    expect(
      await run.endCall(
        ref(0),
        ended({ status: 'failed', outcome: 'no_answer', error: 'No answer.', retryAt }),
      ),
    ).toBe(true);
    // A second end of the same attempt loses its condition: no entry.
    expect(await run.endCall(ref(0), ended())).toBe(false);
    expect(await run.claimRecipient(ref(0, 2), NOW, phone(0), NO_LIMIT)).toEqual({ liveShard: 0 });
    expect(await run.endCall(ref(0, 2), ended())).toBe(true);
    expect(await run.skipRecipient(ref(1), 'batch_stopped', { heldSlot: false, dueSk: null })).toBe(true);
    expect(await run.abandonRecipient(ref(2), 'Missing dynamic variable: x', NOW)).toBe(true);

    const events = await readAll(batchId);
    const ids = events.map((e) => e.id);
    expect(ids.slice(1).every((id, i) => id > (ids[i] as number))).toBe(true);
    const of = (index: number) =>
      events
        .filter((e) => e.recipient.index === index)
        .map((e) => toRecipientObject(e.recipient))
        .map((r) => [r.status, r.attempts, r.outcome, r.next_attempt_at]);
    expect(of(0)).toEqual([
      ['dialing', 1, null, null],
      ['pending', 1, 'no_answer', retryAt],
      ['dialing', 2, 'no_answer', null],
      ['completed', 2, 'answered', null],
    ]);
    expect(of(1)).toEqual([['skipped', 0, null, null]]);
    expect(of(2)).toEqual([['failed', 0, 'failed', null]]);
    // Who the recipient is comes with every event.
    expect(events.every((e) => e.recipient.dynamicVars.n === e.recipient.index)).toBe(true);
    // The log is not among the batch's recipients.
    expect((await store.listRecipients(batchId)).map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it('gives racing writers distinct ids and reads every change once, across pages', async () => {
    const { batchId, ref } = await runningBatch(20);
    const indexes = Array.from({ length: 20 }, (_, i) => i);
    expect(
      await Promise.all(indexes.map((i) => run.claimRecipient(ref(i), NOW, phone(i), NO_LIMIT))),
    ).toEqual(indexes.map(() => ({ liveShard: 0 })));
    expect((await Promise.all(indexes.map((i) => run.endCall(ref(i), ended())))).every(Boolean)).toBe(true);
    for (const limit of [100, 7]) {
      const events = await readAll(batchId, limit);
      expect(events).toHaveLength(40);
      expect(new Set(events.map((e) => e.id)).size).toBe(40);
      for (const i of indexes)
        expect(events.filter((e) => e.recipient.index === i).map((e) => e.recipient.status)).toEqual([
          'dialing',
          'completed',
        ]);
    }
  });

  it('sends a commit that lands late (after later ids were visible) in its place, once', async () => {
    const { workspaceId, batchId, ref } = await runningBatch(12);
    // A second client for the same table whose transactions reach DynamoDB 700 ms after they are
    // built and stamped: its entries appear after entries stamped later by the fast writer.
    const slowDoc = createDocumentClient({ client: table.raw });
    slowDoc.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((resolve) => setTimeout(resolve, 700));
        return next(args);
      },
      { step: 'finalizeRequest', name: 'lateCommit' },
    );
    const slow = createDynamoRunStore({ client: slowDoc, tableName: TABLE_NAME });

    const chunks: string[] = [];
    const sink: EventSink = { closed: false, write: async (c) => void chunks.push(c) };
    const batch = await store.getBatch(workspaceId, batchId);
    const opened = { workspaceId, batch: toBatchObject(batch as never), lastId: settledId(Date.now()) };
    const reading = streamBatchEvents({ store, eventLog: log }, batchId, opened, null, sink, {
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      heartbeatMs: 15_000,
      stopAt: Date.now() + 60_000,
    });

    // Fast and slow writers interleave; each slow commit is overtaken by fast ones stamped after it.
    const seenBeforeLate: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, k) => {
        const lateClaim = slow.claimRecipient(ref(2 * k), NOW, phone(2 * k), NO_LIMIT);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await run.claimRecipient(ref(2 * k + 1), NOW, phone(2 * k + 1), NO_LIMIT)).toEqual({
          liveShard: 0,
        });
        seenBeforeLate.push(Math.max(...(await readAll(batchId)).map((e) => e.id)));
        expect(await lateClaim).toEqual({ liveShard: 0 });
      }),
    );
    // The late entries really were overtaken: a reader without the settle time had passed their ids.
    const claims = await readAll(batchId);
    const late = claims.filter((e) => e.recipient.index % 2 === 0);
    expect(late.some((e) => e.id < Math.min(...seenBeforeLate))).toBe(true);

    await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? slow : run).endCall(ref(i), ended())),
    );
    expect(await run.completeBatch(workspaceId, batchId, new Date().toISOString())).toBe(true);
    expect(await reading).toBe('ended');

    const sent = chunks
      .filter((c) => c.includes('event: recipient'))
      .map((c) => ({
        id: Number(/^id: (\d+)/.exec(c)?.[1]),
        data: JSON.parse(c.split('data: ')[1] as string),
      }));
    const ids = sent.map((e) => e.id);
    expect(ids.slice(1).every((id, i) => id > (ids[i] as number))).toBe(true);
    expect(sent).toHaveLength(24);
    for (let i = 0; i < 12; i++)
      expect(sent.filter((e) => e.data.index === i).map((e) => e.data.status)).toEqual([
        'dialing',
        'completed',
      ]);
    expect(chunks.at(-1)).toMatch(/event: end/);
  }, 60_000);

  it('resumes after any id with exactly the changes after it', async () => {
    const { workspaceId, batchId, ref } = await runningBatch(5);
    for (let i = 0; i < 5; i++) {
      await run.claimRecipient(ref(i), NOW, phone(i), NO_LIMIT);
      await run.endCall(ref(i), ended());
    }
    await run.completeBatch(workspaceId, batchId, new Date().toISOString());
    const all = await readAll(batchId);
    expect(all).toHaveLength(10);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const batch = await store.getBatch(workspaceId, batchId);
    const opened = { workspaceId, batch: toBatchObject(batch as never), lastId: settledId(Date.now()) };
    for (const from of [0, 3, 9]) {
      const chunks: string[] = [];
      const end = await streamBatchEvents(
        { store, eventLog: log },
        batchId,
        opened,
        (all[from] as { id: number }).id,
        { closed: false, write: async (c) => void chunks.push(c) },
        {
          now: Date.now,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          heartbeatMs: 15_000,
          stopAt: Date.now() + 30_000,
        },
      );
      expect(end).toBe('ended');
      const got = chunks
        .filter((c) => c.includes('event: recipient'))
        .map((c) => Number(/^id: (\d+)/.exec(c)?.[1]));
      expect(got).toEqual(all.slice(from + 1).map((e) => e.id));
    }
  }, 60_000);
});
