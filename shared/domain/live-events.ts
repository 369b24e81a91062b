/**
 * Live progress (contract, "Live progress"): the rules of a batch's event log and of the stream that
 * reads it, free of AWS and of HTTP so they can be tested alone. The log is written by the table
 * stream function (several stream shards may write one batch's events at once) and read by the
 * events function, one reader per connected client. Design and costs: docs/live-progress.md.
 */

export type LiveEventKind = 'batch' | 'recipient';

/** One entry of a batch's event log: `data` is the contract's batch or recipient object, as JSON. */
export interface LoggedEvent {
  id: number;
  kind: LiveEventKind;
  data: string;
}

/** A batch in one of these has ended: the stream sends `event: end` and closes. */
export const FINAL_BATCH_STATUSES: readonly string[] = ['completed', 'failed', 'cancelled'];

/**
 * How long a reader waits for an id that was allocated but is not in the log yet. Ids come from an
 * atomic counter and the entries are written right after, so a later id can be visible before an
 * earlier one (two shards writing one batch). Past this wait the writer is taken to have failed
 * between the two writes (its stream record is retried and allocates new ids) and the id is skipped.
 */
export const GAP_GRACE_MS = 5_000;

/** Where a reader stands: the last id it sent, and since when it has been waiting for the next one. */
export interface ReadCursor {
  lastId: number;
  gap: { id: number; since: number } | null;
}

export function startCursor(lastId: number): ReadCursor {
  return { lastId, gap: null };
}

/**
 * Of the entries read after `cursor.lastId` (in id order), those that can be sent now: strictly
 * consecutive ids, stopping at a missing one until it appears or GAP_GRACE_MS has passed. So a reader
 * never sends id 12 and then finds 11: it never skips an id that is allocated but not yet written.
 */
export function takeInOrder(
  cursor: ReadCursor,
  entries: readonly LoggedEvent[],
  now: number,
  graceMs = GAP_GRACE_MS,
): { send: LoggedEvent[]; cursor: ReadCursor } {
  let lastId = cursor.lastId;
  let gap = cursor.gap;
  const send: LoggedEvent[] = [];
  for (const entry of entries) {
    if (entry.id <= lastId) continue;
    if (entry.id !== lastId + 1) {
      const since = gap?.id === lastId + 1 ? gap.since : now;
      if (now - since < graceMs) return { send, cursor: { lastId, gap: { id: lastId + 1, since } } };
    }
    send.push(entry);
    lastId = entry.id;
    gap = null;
  }
  return { send, cursor: { lastId, gap: null } };
}

/**
 * Batch events of one read collapse into the last of them (each holds the whole batch state), at its
 * own place among the recipient events, so ids still increase. With at least MIN_POLL_MS between
 * reads, a client gets at most two batch events a second, as the contract allows.
 */
export function coalesceBatchEvents(events: readonly LoggedEvent[]): LoggedEvent[] {
  let last = -1;
  events.forEach((e, i) => {
    if (e.kind === 'batch') last = i;
  });
  return events.filter((e, i) => e.kind !== 'batch' || i === last);
}

/** The shortest and the longest wait between two reads of the log. */
export const MIN_POLL_MS = 500;
export const MAX_POLL_MS = 4_000;

/** The next wait: the shortest after a read that found something, doubling while nothing changes. */
export function nextPollDelay(previousMs: number, foundSomething: boolean): number {
  if (foundSomething) return MIN_POLL_MS;
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, previousMs * 2));
}

/**
 * The id a client resumes after (`Last-Event-ID`), or null when it sent none or one we never gave
 * (then it is served as a new client).
 */
export function parseLastEventId(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** One Server-Sent Event; `data` holds no newline (it is JSON). */
export function sseEvent(id: number | null, event: string, data: string): string {
  return `${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`;
}

/** A comment line: keeps an idle connection (and the proxies on its way) open. */
export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}

/** How long a log entry is kept: live progress only; the detail route is the record. */
export const EVENT_TTL_SECONDS = 86_400;
/**
 * How long the id counter is kept after its last use: longer than a batch can wait (scheduling and
 * calling windows, 30 days each), so ids of one batch never start again from 1.
 */
export const EVENT_COUNTER_TTL_SECONDS = 70 * 86_400;
