import { describe, expect, it } from 'vitest';
import { streamBatchEvents, type EventSink } from '#shared/app/live/stream-events.ts';
import { recordLiveChanges } from '#shared/app/live/record-changes.ts';
import {
  coalesceBatchEvents,
  GAP_GRACE_MS,
  MAX_POLL_MS,
  MIN_POLL_MS,
  nextPollDelay,
  parseLastEventId,
  startCursor,
  takeInOrder,
  type LoggedEvent,
} from '#shared/domain/live-events.ts';
import type { EventLog } from '#shared/ports/event-log.ts';

/** The ordering rules of a batch's live event log and of its reader (shared/domain/live-events.ts). */

const ev = (id: number, kind: 'batch' | 'recipient' = 'recipient', data = `{"n":${id}}`): LoggedEvent => ({
  id,
  kind,
  data,
});

describe('taking log entries in order', () => {
  it('takes consecutive ids after the cursor', () => {
    const { send, cursor } = takeInOrder(startCursor(3), [ev(4), ev(5), ev(6)], 0);
    expect(send.map((e) => e.id)).toEqual([4, 5, 6]);
    expect(cursor).toEqual({ lastId: 6, gap: null });
  });

  it('stops at an id allocated but not written yet, and sends it first once it appears', () => {
    // 5 and 6 were written by another shard's writer before 4 (allocated earlier) landed.
    const first = takeInOrder(startCursor(3), [ev(5), ev(6)], 1_000);
    expect(first.send).toEqual([]);
    expect(first.cursor).toEqual({ lastId: 3, gap: { id: 4, since: 1_000 } });
    const second = takeInOrder(first.cursor, [ev(4), ev(5), ev(6)], 1_200);
    expect(second.send.map((e) => e.id)).toEqual([4, 5, 6]);
  });

  it('keeps the time the wait began across reads, and skips the id after the grace', () => {
    let cursor = takeInOrder(startCursor(3), [ev(5)], 1_000).cursor;
    cursor = takeInOrder(cursor, [ev(5)], 1_000 + GAP_GRACE_MS - 1).cursor;
    expect(cursor.gap).toEqual({ id: 4, since: 1_000 });
    const late = takeInOrder(cursor, [ev(5), ev(6)], 1_000 + GAP_GRACE_MS);
    expect(late.send.map((e) => e.id)).toEqual([5, 6]);
    expect(late.cursor).toEqual({ lastId: 6, gap: null });
  });

  it('ignores entries at or before the cursor', () => {
    expect(takeInOrder(startCursor(5), [ev(4), ev(5), ev(6)], 0).send.map((e) => e.id)).toEqual([6]);
  });

  it('sends what comes before a gap, then waits at the gap', () => {
    const { send, cursor } = takeInOrder(startCursor(0), [ev(1), ev(2), ev(4)], 50);
    expect(send.map((e) => e.id)).toEqual([1, 2]);
    expect(cursor).toEqual({ lastId: 2, gap: { id: 3, since: 50 } });
  });
});

describe('coalescing batch events', () => {
  it('keeps only the last batch event of a read, at its own place', () => {
    const read = [ev(1, 'batch'), ev(2), ev(3, 'batch'), ev(4), ev(5, 'batch'), ev(6)];
    expect(coalesceBatchEvents(read).map((e) => e.id)).toEqual([2, 4, 5, 6]);
    expect(coalesceBatchEvents([ev(1), ev(2)]).map((e) => e.id)).toEqual([1, 2]);
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

describe('Last-Event-ID', () => {
  it('reads a decimal id and nothing else', () => {
    expect(parseLastEventId('42')).toBe(42);
    expect(parseLastEventId(' 7 ')).toBe(7);
    for (const bad of [undefined, '', 'x', '-1', '1.5', '9'.repeat(16)])
      expect(parseLastEventId(bad)).toBeNull();
  });
});

/** An in-memory event log: what two writers racing on one batch look like to the reader. */
function memoryLog(): EventLog & { entries: LoggedEvent[]; counter: number } {
  const log = {
    entries: [] as LoggedEvent[],
    counter: 0,
    async append(_batchId: string, events: readonly { kind: 'batch' | 'recipient'; data: string }[]) {
      const ids = events.map(() => ++log.counter);
      events.forEach((e, i) => log.entries.push({ id: ids[i] as number, ...e }));
      return ids;
    },
    async readAfter(_batchId: string, afterId: number, limit: number) {
      return log.entries
        .filter((e) => e.id > afterId)
        .sort((a, b) => a.id - b.id)
        .slice(0, limit);
    },
    async lastId() {
      return log.counter;
    },
  };
  return log;
}

describe('recording changes', () => {
  const batch = (status: string, completed = 0) =>
    ({
      id: 'batch_1',
      status,
      counts: { pending: 1 - completed, dialing: 0, completed, failed: 0, skipped: 0 },
      retry: { maxAttempts: 1, rules: {} },
    }) as never;

  it('appends only what a client sees, one append per batch, in stream order', async () => {
    const log = memoryLog();
    const appended: number[] = [];
    const counting: EventLog = {
      ...log,
      append: async (id, events) => {
        appended.push(events.length);
        return log.append(id, events);
      },
    };
    const count = await recordLiveChanges({ eventLog: counting }, [
      { kind: 'batch', before: batch('running'), after: batch('running') },
      { kind: 'batch', before: batch('running'), after: batch('running', 1) },
      { kind: 'batch', before: batch('running', 1), after: batch('completed', 1) },
    ]);
    expect(count).toBe(2);
    expect(appended).toEqual([2]);
    expect(log.entries.map((e) => [e.id, JSON.parse(e.data).status])).toEqual([
      [1, 'running'],
      [2, 'completed'],
    ]);
  });
});

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
  const opened = (status: string, lastId: number) => ({ batch: { id: 'batch_1', status } as never, lastId });

  it('sends the batch first with the id it opened at, then only newer entries, then the end', async () => {
    const log = memoryLog();
    await log.append('batch_1', [{ kind: 'recipient', data: '{"index":0}' }]);
    const out = sink();
    const clock = { now: 0 };
    const done = streamBatchEvents(
      { store: null as never, eventLog: log },
      'batch_1',
      opened('running', 1),
      null,
      out,
      {
        ...timing(clock),
        sleep: async (ms) => {
          clock.now += ms;
          if (log.counter === 1)
            await log.append('batch_1', [{ kind: 'batch', data: '{"status":"completed"}' }]);
        },
      },
    );
    expect(await done).toBe('ended');
    expect(out.chunks).toEqual([
      'id: 1\nevent: batch\ndata: {"id":"batch_1","status":"running"}\n\n',
      'id: 2\nevent: batch\ndata: {"status":"completed"}\n\n',
      'id: 3\nevent: end\ndata: {"status":"completed"}\n\n',
    ]);
  });

  it('resumes after Last-Event-ID without the batch, and ends an ended batch once caught up', async () => {
    const log = memoryLog();
    await log.append('batch_1', [
      { kind: 'recipient', data: '{"index":0}' },
      { kind: 'recipient', data: '{"index":1}' },
    ]);
    const out = sink();
    const end = await streamBatchEvents(
      { store: null as never, eventLog: log },
      'batch_1',
      opened('completed', 2),
      1,
      out,
      timing({ now: 0 }),
    );
    expect(end).toBe('ended');
    expect(out.chunks.map((c) => c.split('\n').slice(0, 2).join(' '))).toEqual([
      'id: 2 event: recipient',
      'id: 3 event: end',
    ]);
  });

  it('does not end a running batch on a recipient event', async () => {
    const log = memoryLog();
    await log.append('batch_1', [{ kind: 'recipient', data: '{"index":0}' }]);
    const out = sink();
    const end = await streamBatchEvents(
      { store: null as never, eventLog: log },
      'batch_1',
      opened('running', 0),
      0,
      out,
      timing({ now: 0 }, 10_000),
    );
    expect(end).toBe('timeout');
    expect(out.chunks.filter((c) => c.includes('event: end'))).toEqual([]);
    expect(out.chunks.filter((c) => c.includes('event: recipient'))).toHaveLength(1);
  });

  it('sends a comment after the heartbeat interval and ends itself at its stop time', async () => {
    const out = sink();
    const clock = { now: 0 };
    const end = await streamBatchEvents(
      { store: null as never, eventLog: memoryLog() },
      'batch_1',
      opened('running', 0),
      null,
      out,
      timing(clock, 40_000),
    );
    expect(end).toBe('timeout');
    expect(out.chunks.filter((c) => c.startsWith(':'))).toHaveLength(2);
    expect(clock.now).toBeGreaterThanOrEqual(40_000);
    expect(clock.now).toBeLessThan(40_000 + MAX_POLL_MS);
  });
});
