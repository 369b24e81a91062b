import { describe, expect, it } from 'vitest';
import { streamBatchEvents, type EventSink } from '#shared/app/live/stream-events.ts';
import {
  liveEventId,
  LIVE_ID_EPOCH_MS,
  MAX_POLL_MS,
  MIN_POLL_MS,
  nextPollDelay,
  parseLastEventId,
  recipientAtChange,
  SETTLE_MS,
  settledId,
  stampOfId,
} from '#shared/domain/live-events.ts';
import type { Recipient } from '#shared/domain/recipient.ts';
import type { EventLog, RecipientEvent } from '#shared/ports/event-log.ts';
import { toBatchObject } from '#shared/contracts/batch-objects.ts';
import { batchFixture, recipientFixture } from '../helpers/domain-fixtures.ts';

/** The rules of a batch's live event log and of its reader (shared/domain/live-events.ts). */

const T0 = Date.UTC(2026, 11, 7, 18, 0, 0);

describe('event ids', () => {
  it('sort by stamp, then by recipient index, and stay exact integers', () => {
    const a = liveEventId(T0, 999);
    const b = liveEventId(T0 + 1, 0);
    expect(a).toBeLessThan(b);
    expect(liveEventId(T0, 3)).toBeLessThan(liveEventId(T0, 4));
    expect(stampOfId(a)).toBe(T0);
    expect(Number.isSafeInteger(liveEventId(Date.UTC(2053, 0, 1), 998))).toBe(true);
    expect(liveEventId(LIVE_ID_EPOCH_MS - 5, 2)).toBe(2);
    expect(() => liveEventId(T0, 9_999)).toThrow();
  });

  it('settle: the settled id is above every entry stamped SETTLE_MS ago, below every later one', () => {
    const upTo = settledId(T0);
    expect(liveEventId(T0 - SETTLE_MS, 998)).toBeLessThanOrEqual(upTo);
    expect(liveEventId(T0 - SETTLE_MS + 1, 0)).toBeGreaterThan(upTo);
    expect(stampOfId(upTo)).toBe(T0 - SETTLE_MS);
  });
});

describe('Last-Event-ID', () => {
  it('reads a decimal id up to 2^53 and nothing else', () => {
    expect(parseLastEventId('42')).toBe(42);
    expect(parseLastEventId(' 7 ')).toBe(7);
    expect(parseLastEventId(String(liveEventId(T0, 5)))).toBe(liveEventId(T0, 5));
    for (const bad of [undefined, '', 'x', '-1', '1.5', '9'.repeat(16), '9'.repeat(17)])
      expect(parseLastEventId(bad)).toBeNull();
  });
});

describe('the wait between reads', () => {
  it('is short after a change and doubles while nothing changes, up to its maximum', () => {
    expect(nextPollDelay(MAX_POLL_MS, true)).toBe(MIN_POLL_MS);
    const waits = [MIN_POLL_MS];
    for (let i = 0; i < 6; i++) waits.push(nextPollDelay(waits.at(-1) as number, false));
    expect(waits).toEqual([500, 1000, 2000, 4000, 4000, 4000, 4000]);
  });
});

describe('a recipient as it was right after a change', () => {
  const who = { batchId: 'batch_1', workspaceId: 'ws_1' };
  const first = {
    attempt: 1,
    dialedAt: '2026-12-07T10:00:00.000Z',
    startedAt: null,
    endedAt: '2026-12-07T10:00:30.000Z',
    outcome: 'no_answer' as const,
    durationSecs: null,
    conversationId: null,
    error: 'No answer.',
  };
  const second = {
    ...first,
    attempt: 2,
    startedAt: '2026-12-07T11:00:05.000Z',
    endedAt: '2026-12-07T11:01:00.000Z',
    outcome: 'answered' as const,
    durationSecs: 55,
    conversationId: 'conv_2',
    error: null,
  };
  // Now: answered on its second attempt.
  const now: Recipient = recipientFixture(who, {
    status: 'completed',
    attempts: 2,
    outcome: 'answered',
    startedAt: second.startedAt,
    endedAt: second.endedAt,
    durationSecs: 55,
    conversationId: 'conv_2',
    attemptHistory: [first, second],
    dynamicVars: { first_name: 'Alice' },
  });

  it('shows a first dialing attempt with no results, whatever came later', () => {
    const at = recipientAtChange(now, { status: 'dialing', attempts: 1 });
    expect(at).toMatchObject({ status: 'dialing', attempts: 1, outcome: null, endedAt: null, error: null });
    expect(at.dynamicVars).toEqual({ first_name: 'Alice' });
  });

  it('shows a later dialing attempt with the results of the attempt before it', () => {
    const at = recipientAtChange(now, { status: 'dialing', attempts: 2 });
    expect(at).toMatchObject({ status: 'dialing', attempts: 2, outcome: 'no_answer', error: 'No answer.' });
    expect(at.nextAttemptAt).toBeNull();
  });

  it('shows a retry wait with what the change set, and its next attempt time', () => {
    const at = recipientAtChange(now, {
      status: 'pending',
      attempts: 1,
      outcome: 'no_answer',
      startedAt: null,
      endedAt: first.endedAt,
      durationSecs: null,
      error: 'No answer.',
      conversationId: null,
      nextAttemptAt: '2026-12-07T11:00:00.000Z',
    });
    expect(at).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: '2026-12-07T11:00:00.000Z' });
  });

  it('shows a final change as the item (a final state never changes again)', () => {
    expect(recipientAtChange(now, { status: 'completed', attempts: 2, outcome: 'answered' })).toBe(now);
    const skipped = recipientFixture(who, { status: 'skipped', skipReason: 'batch_stopped' });
    expect(recipientAtChange(skipped, { status: 'skipped', skipReason: 'batch_stopped' })).toBe(skipped);
  });

  it('keeps a pending recipient’s next attempt time when the change did not name it', () => {
    const waiting = recipientFixture(who, { status: 'pending', nextAttemptAt: '2026-12-07T12:00:00.000Z' });
    expect(recipientAtChange(waiting, { status: 'pending', attempts: 0 }).nextAttemptAt).toBe(
      '2026-12-07T12:00:00.000Z',
    );
  });
});

/** An in-memory event log, as the reader sees one. */
function memoryLog(entries: RecipientEvent[] = []): EventLog & { entries: RecipientEvent[] } {
  return {
    entries,
    async readBetween(_batchId, afterId, upToId, limit) {
      const found = entries
        .filter((e) => e.id > afterId && e.id <= upToId)
        .sort((a, b) => a.id - b.id)
        .slice(0, limit);
      return { events: found, readUpTo: found.length >= limit ? (found.at(-1)?.id ?? upToId) : upToId };
    },
  };
}

describe('the stream', () => {
  function sink(): EventSink & { chunks: string[] } {
    const chunks: string[] = [];
    return { chunks, closed: false, write: async (c) => void chunks.push(c) };
  }
  const timing = (clock: { now: number }, stopAt = Number.MAX_SAFE_INTEGER) => ({
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.now += Math.max(ms, 1);
    },
    heartbeatMs: 15_000,
    stopAt,
  });
  // One fixture for every status, so a state read again is the same object (its ids are random).
  const fixture = batchFixture('ws_1', { id: 'batch_1' });
  const batchOf = (status: string) => ({ ...fixture, status: status as never });
  const store = (batch: { current: string }) => ({ getBatch: async () => batchOf(batch.current) });
  const recipient = (index: number, status: Recipient['status']) =>
    recipientFixture({ batchId: 'batch_1', workspaceId: 'ws_1' }, { index, status });
  const opened = (status: string, lastId: number) => ({
    workspaceId: 'ws_1',
    batch: toBatchObject(batchOf(status)),
    lastId,
  });
  const heads = (chunks: string[]) => chunks.map((c) => c.split('\n').slice(0, 2).join(' '));

  it('sends the batch first, then settled changes in id order, waiting for the unsettled ones', async () => {
    const clock = { now: T0 };
    const log = memoryLog([
      { id: liveEventId(T0 - SETTLE_MS - 10, 1), recipient: recipient(1, 'dialing') },
      // Stamped after the stream opened: sent once it has settled.
      { id: liveEventId(T0 + 300, 0), recipient: recipient(0, 'dialing') },
    ]);
    const out = sink();
    const end = await streamBatchEvents(
      { store: store({ current: 'running' }), eventLog: log },
      'batch_1',
      opened('running', settledId(T0 - 100)),
      null,
      out,
      timing(clock, T0 + 10_000),
    );
    expect(end).toBe('timeout');
    const got = heads(out.chunks);
    expect(got[0]).toBe(`id: ${settledId(T0 - 100)} event: batch`);
    expect(got.filter((h) => h.includes('recipient'))).toEqual([
      `id: ${liveEventId(T0 - SETTLE_MS - 10, 1)} event: recipient`,
      `id: ${liveEventId(T0 + 300, 0)} event: recipient`,
    ]);
  });

  it('resumes after Last-Event-ID with nothing older, sends the batch, and ends an ended batch', async () => {
    const clock = { now: T0 };
    const ids = [liveEventId(T0 - 9_000, 0), liveEventId(T0 - 8_000, 1), liveEventId(T0 - 7_000, 2)];
    const log = memoryLog(ids.map((id, i) => ({ id, recipient: recipient(i, 'completed') })));
    const out = sink();
    const end = await streamBatchEvents(
      { store: store({ current: 'completed' }), eventLog: log },
      'batch_1',
      opened('completed', settledId(T0)),
      ids[0] as number,
      out,
      timing(clock),
    );
    expect(end).toBe('ended');
    const got = heads(out.chunks);
    expect(got.slice(0, 2)).toEqual([`id: ${ids[1]} event: recipient`, `id: ${ids[2]} event: recipient`]);
    expect(got[2]).toMatch(/^id: \d+ event: batch$/);
    expect(got[3]).toMatch(/^id: \d+ event: end$/);
    const numbers = out.chunks.map((c) => Number(/^id: (\d+)/.exec(c)?.[1]));
    expect(numbers.slice(1).every((id, i) => id > (numbers[i] as number))).toBe(true);
    // It waited for the end of the settle time: a change made just before the end still comes.
    expect(clock.now).toBeGreaterThanOrEqual(T0 + SETTLE_MS);
  });

  it('serves an id it cannot have given, or one older than the log, as a new client', async () => {
    for (const resume of [settledId(T0) + 10_000, 57]) {
      const out = sink();
      await streamBatchEvents(
        { store: store({ current: 'completed' }), eventLog: memoryLog() },
        'batch_1',
        opened('completed', settledId(T0)),
        resume,
        out,
        timing({ now: T0 }),
      );
      expect(heads(out.chunks)[0]).toBe(`id: ${settledId(T0)} event: batch`);
    }
  });

  it('sends a batch change once, with the settled id, and not the same state again', async () => {
    const clock = { now: T0 };
    const batch = { current: 'running' };
    const out = sink();
    const done = streamBatchEvents(
      { store: store(batch), eventLog: memoryLog() },
      'batch_1',
      opened('running', settledId(T0)),
      null,
      out,
      {
        ...timing(clock, T0 + 20_000),
        sleep: async (ms) => {
          clock.now += ms;
          if (clock.now > T0 + 3_000) batch.current = 'completed';
        },
      },
    );
    expect(await done).toBe('ended');
    const got = heads(out.chunks);
    // The opening state, then only the change to completed (the same state is not sent again).
    expect(got.filter((h) => h.endsWith('event: batch'))).toHaveLength(2);
    expect(got.at(-1)).toMatch(/event: end$/);
  });

  it('holds a batch state back until the recipient changes made before it are sent', async () => {
    const clock = { now: T0 };
    const batch = { current: 'running' };
    // The last recipient's end, then the batch's completion read right after it.
    const last = liveEventId(T0 + 300, 2);
    const log = memoryLog([{ id: last, recipient: recipient(2, 'completed') }]);
    const out = sink();
    const done = streamBatchEvents(
      { store: store(batch), eventLog: log },
      'batch_1',
      opened('running', settledId(T0)),
      null,
      out,
      {
        ...timing(clock, T0 + 20_000),
        sleep: async (ms) => {
          clock.now += ms;
          if (clock.now > T0 + 300) batch.current = 'completed';
        },
      },
    );
    expect(await done).toBe('ended');
    const got = heads(out.chunks);
    expect(got.slice(1)).toEqual([
      `id: ${last} event: recipient`,
      expect.stringMatching(/event: batch$/),
      expect.stringMatching(/event: end$/),
    ]);
    expect(out.chunks[2]).toContain('"status":"completed"');
  });

  it('sends a comment after the heartbeat interval and ends itself at its stop time', async () => {
    const out = sink();
    const clock = { now: T0 };
    const end = await streamBatchEvents(
      { store: store({ current: 'running' }), eventLog: memoryLog() },
      'batch_1',
      opened('running', settledId(T0)),
      null,
      out,
      timing(clock, T0 + 40_000),
    );
    expect(end).toBe('timeout');
    expect(out.chunks.filter((c) => c.startsWith(':'))).toHaveLength(2);
    expect(clock.now).toBeGreaterThanOrEqual(T0 + 40_000);
    expect(clock.now).toBeLessThan(T0 + 40_000 + MAX_POLL_MS);
  });

  it('reads a burst larger than one page without losing or repeating an entry', async () => {
    const clock = { now: T0 };
    const entries = Array.from({ length: 250 }, (_, i) => ({
      id: liveEventId(T0 - 10_000 + i, i % 900),
      recipient: recipient(i % 900, 'dialing'),
    }));
    const out = sink();
    await streamBatchEvents(
      { store: store({ current: 'running' }), eventLog: memoryLog(entries) },
      'batch_1',
      opened('running', settledId(T0 - 20_000)),
      null,
      out,
      timing(clock, T0 + 5_000),
    );
    const sent = out.chunks
      .filter((c) => c.includes('event: recipient'))
      .map((c) => Number(/^id: (\d+)/.exec(c)?.[1]));
    expect(sent).toEqual(entries.map((e) => e.id));
  });
});
