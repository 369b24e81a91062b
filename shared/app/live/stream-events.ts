import { toBatchObject, toRecipientObject, type BatchObject } from '../../contracts/batch-objects.ts';
import { NotFoundError } from '../../domain/errors.ts';
import {
  EVENT_TTL_SECONDS,
  FINAL_BATCH_STATUSES,
  MIN_POLL_MS,
  nextPollDelay,
  settledId,
  sseComment,
  sseEvent,
  stampOfId,
} from '../../domain/live-events.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { Store } from '../../ports/store.ts';

/**
 * Serves one client's live progress of one batch (contract, "Live progress"): `event: batch` with the
 * batch first, then each turn the recipient changes that have settled (the log's entries up to
 * `settledId`, in id order) and the batch again when it changed, a comment while nothing happens,
 * `event: end` once the batch has ended and every change before its end was sent, and an end of its
 * own before the function's time runs out (the client then reconnects with Last-Event-ID). Design
 * and costs: docs/live-progress.md.
 */

export interface LiveDeps {
  store: Pick<Store, 'getBatch'>;
  eventLog: EventLog;
}

/** Where the response goes; `closed` once the client has gone away. */
export interface EventSink {
  write(chunk: string): Promise<void>;
  readonly closed: boolean;
}

export interface StreamTiming {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A comment goes out after this long without anything else (15 s by the contract). */
  heartbeatMs: number;
  /** Epoch ms at which the stream ends itself (before the function's timeout). */
  stopAt: number;
}

/** Entries read at most per Query: a burst beyond it is read on the next turn, without a wait. */
const READ_LIMIT = 100;

export interface OpenedStream {
  workspaceId: string;
  batch: BatchObject;
  /** The settled id when the stream opened: the batch state is at least as new as every entry up to it. */
  lastId: number;
}

/** Checks the batch is the workspace's (another workspace's is a 404) and takes its state. */
export async function openBatchEvents(
  deps: LiveDeps,
  workspaceId: string,
  batchId: string,
  now: number,
): Promise<OpenedStream> {
  const lastId = settledId(now);
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  return { workspaceId, batch: toBatchObject(batch), lastId };
}

const isFinal = (status: string) => FINAL_BATCH_STATUSES.includes(status);

export type StreamEnd = 'ended' | 'closed' | 'timeout';

export async function streamBatchEvents(
  deps: LiveDeps,
  batchId: string,
  opened: OpenedStream,
  resumeAfter: number | null,
  sink: EventSink,
  timing: StreamTiming,
): Promise<StreamEnd> {
  // A Last-Event-ID we cannot have given yet (beyond the settled id), or one older than the log
  // keeps its entries (an id of the former counter's included), is served as a new client.
  const resuming =
    resumeAfter !== null &&
    resumeAfter <= opened.lastId &&
    stampOfId(resumeAfter) > timing.now() - EVENT_TTL_SECONDS * 1000;
  let cursor = resuming ? resumeAfter : opened.lastId;
  let sentId = cursor;
  let lastBatch: string | null = null;
  let status = opened.batch.status;
  let lastWrite = timing.now();
  const write = async (chunk: string) => {
    await sink.write(chunk);
    lastWrite = timing.now();
  };
  if (!resuming) {
    lastBatch = JSON.stringify(opened.batch);
    await write(sseEvent(opened.lastId, 'batch', lastBatch));
  }
  // Batch states read, each held until the recipient changes made before it was read are sent, so
  // a client never sees the batch's counts ahead of the recipient events behind them (nor the end
  // before the last recipient's event).
  const held: { json: string; status: BatchObject['status']; readAt: number }[] = [];
  // Once the batch is seen ended, every change made before that moment is sent once the settled id
  // passes it; then only the end is missing.
  let endedBy: number | null = isFinal(status) ? timing.now() : null;
  // A client that resumes gets the state it missed too, once the changes before it are sent.
  if (resuming) held.push({ json: JSON.stringify(opened.batch), status, readAt: timing.now() });
  let delay = MIN_POLL_MS;
  for (;;) {
    if (sink.closed) return 'closed';
    if (endedBy !== null && stampOfId(cursor) >= endedBy && held.length === 0) {
      // Its id only keeps ids increasing on this connection; nobody resumes after an end.
      await write(sseEvent(sentId + 1, 'end', JSON.stringify({ status })));
      return 'ended';
    }
    if (timing.now() >= timing.stopAt) return 'timeout';
    const upTo = settledId(timing.now());
    const page = await deps.eventLog.readBetween(batchId, cursor, upTo, READ_LIMIT);
    for (const event of page.events) {
      if (sink.closed) return 'closed';
      await write(sseEvent(event.id, 'recipient', JSON.stringify(toRecipientObject(event.recipient))));
      sentId = event.id;
    }
    cursor = Math.max(cursor, page.readUpTo);
    // A full page: read on at once (the batch waits for the turn that catches up).
    if (page.readUpTo < upTo) continue;
    // The latest held state whose time the settled id has passed: its id is the settled id (every
    // entry up to it is sent, every later one has a greater id); older held states collapse into it.
    let changed = false;
    const due = held.filter((h) => h.readAt <= stampOfId(cursor)).at(-1);
    if (due && cursor > sentId) {
      held.splice(0, held.indexOf(due) + 1);
      await write(sseEvent(cursor, 'batch', due.json));
      sentId = cursor;
      status = due.status;
      changed = true;
      if (isFinal(status)) endedBy ??= due.readAt;
    }
    if (endedBy === null) {
      const batch = await deps.store.getBatch(opened.workspaceId, batchId);
      if (batch) {
        const object = toBatchObject(batch);
        const json = JSON.stringify(object);
        if (json !== (held.at(-1)?.json ?? lastBatch))
          held.push({ json, status: object.status, readAt: timing.now() });
        lastBatch = json;
      } else {
        // Gone (its retention ran out): nothing more will change.
        endedBy = timing.now();
      }
    }
    // Something held or ended: no backing off while the settled id catches up with it.
    delay =
      endedBy !== null || held.length > 0
        ? MIN_POLL_MS
        : nextPollDelay(delay, changed || page.events.length > 0);
    if (timing.now() - lastWrite >= timing.heartbeatMs) await write(sseComment('keep-alive'));
    const untilHeartbeat = lastWrite + timing.heartbeatMs - timing.now();
    await timing.sleep(Math.max(0, Math.min(delay, untilHeartbeat, timing.stopAt - timing.now())));
  }
}
