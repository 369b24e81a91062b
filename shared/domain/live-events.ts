import type { CallOutcome, Recipient, RecipientStatus, SkipReason } from './recipient.ts';

/**
 * Live progress (contract, "Live progress"): the rules of a batch's event log and of the stream that
 * reads it, free of AWS and of HTTP so they can be tested alone. The log's entries are written by the
 * run path's own transactions (each recipient change puts its entry in the write that makes it), so
 * the log costs no request of its own; the events function reads them, one reader per connected
 * client. Design and costs: docs/live-progress.md.
 */

export type LiveEventKind = 'batch' | 'recipient';

/** An event as the stream sends it: `data` is the contract's batch or recipient object, as JSON. */
export interface LoggedEvent {
  id: number;
  kind: LiveEventKind;
  data: string;
}

/** A batch in one of these has ended: the stream sends `event: end` and closes. */
export const FINAL_BATCH_STATUSES: readonly string[] = ['completed', 'failed', 'cancelled'];

/**
 * Event ids need no counter: an entry's id is the time its writer stamped it and the recipient's
 * index, `(ms since LIVE_ID_EPOCH_MS) × 10,000 + index`, so ids of one batch sort by time and two
 * recipients changed in the same millisecond still differ. Relative to 2025 so an id stays an exact
 * JavaScript integer (below 2^53) until 2053; 16 digits at most.
 */
export const LIVE_ID_EPOCH_MS = Date.UTC(2025, 0, 1);
const INDEX_SLOTS = 10_000;
/** The index part a watermark id ends in: above every recipient index (LIMITS: 1,000 recipients). */
const WATERMARK_INDEX = INDEX_SLOTS - 1;

export function liveEventId(stampMs: number, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= WATERMARK_INDEX)
    throw new Error(`Invalid recipient index ${index} for a live event id`);
  return (Math.max(LIVE_ID_EPOCH_MS, Math.floor(stampMs)) - LIVE_ID_EPOCH_MS) * INDEX_SLOTS + index;
}

/** When the entry with this id was stamped (ms since the epoch). */
export function stampOfId(id: number): number {
  return Math.floor(id / INDEX_SLOTS) + LIVE_ID_EPOCH_MS;
}

/**
 * How long a reader waits before taking an entry as final. A writer stamps its entry just before it
 * sends the transaction (again on every retry after a conflict), so it commits a few milliseconds
 * after its stamp; two writers of one batch (a claim, a call's end) can commit in the other order
 * than their stamps. A reader sends only entries stamped at least this long ago: every write that
 * commits within this time of its stamp is seen, in id order, none skipped. The price is that a
 * recipient event reaches a client this much after the change (the batch events do not wait).
 */
export const SETTLE_MS = 2_000;

/**
 * The greatest id a reader may take as final at `nowMs`: every entry stamped up to `nowMs − SETTLE_MS`
 * has committed (within the settle time), so none at or below this id can still appear.
 */
export function settledId(nowMs: number, settleMs = SETTLE_MS): number {
  const stamp = Math.max(LIVE_ID_EPOCH_MS, Math.floor(nowMs - settleMs));
  return (stamp - LIVE_ID_EPOCH_MS) * INDEX_SLOTS + WATERMARK_INDEX;
}

/**
 * What one recipient change set, as its log entry keeps it (written inside the change's own
 * transaction, where only these values are known). A field left out kept its value; the reader
 * rebuilds the whole object from the recipient item (recipientAtChange).
 */
export interface RecipientChange {
  status: RecipientStatus;
  attempts?: number;
  outcome?: CallOutcome | null;
  startedAt?: string | null;
  endedAt?: string | null;
  durationSecs?: number | null;
  error?: string | null;
  conversationId?: string | null;
  skipReason?: SkipReason | null;
  nextAttemptAt?: string | null;
}

const FINAL_RECIPIENT: readonly RecipientStatus[] = ['completed', 'failed', 'skipped'];

/**
 * The recipient as it was right after `change`, from the recipient as it is now. Who it is (phone,
 * variables, zones) never changes; a final state never changes again, so a change that ended the
 * recipient is the item itself; otherwise the results shown (outcome, times, error, conversation) are
 * those of its last ended attempt, which the append-only attempt history keeps.
 */
export function recipientAtChange(current: Recipient, change: RecipientChange): Recipient {
  if (FINAL_RECIPIENT.includes(change.status) && current.status === change.status) return current;
  const attempts = change.attempts ?? current.attempts;
  // A dialing attempt has not ended: what shows is the attempt before it.
  const lastEnded = change.status === 'dialing' ? attempts - 1 : attempts;
  const ended = [...current.attemptHistory].reverse().find((a) => a.attempt <= lastEnded) ?? null;
  const pick = <T>(named: T | undefined, fromAttempt: T | null): T | null =>
    named !== undefined ? named : fromAttempt;
  const samePending = current.status === 'pending' && current.attempts === attempts;
  return {
    ...current,
    status: change.status,
    attempts,
    outcome: pick(change.outcome, ended?.outcome ?? null),
    startedAt: pick(change.startedAt, ended?.startedAt ?? null),
    endedAt: pick(change.endedAt, ended?.endedAt ?? null),
    durationSecs: pick(change.durationSecs, ended?.durationSecs ?? null),
    error: pick(change.error, ended?.error ?? null),
    conversationId: pick(change.conversationId, ended?.conversationId ?? null),
    skipReason: change.status === 'skipped' ? (change.skipReason ?? current.skipReason) : null,
    nextAttemptAt:
      change.status !== 'pending'
        ? null
        : change.nextAttemptAt !== undefined
          ? change.nextAttemptAt
          : samePending
            ? current.nextAttemptAt
            : null,
  };
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
 * The id a client resumes after (`Last-Event-ID`), or null when it sent none or one that is no id
 * (then it is served as a new client).
 */
export function parseLastEventId(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) return null;
  const id = Number(value.trim());
  return Number.isSafeInteger(id) ? id : null;
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
