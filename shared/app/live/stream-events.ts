import { toBatchObject, type BatchObject } from '../../contracts/batch-objects.ts';
import { NotFoundError } from '../../domain/errors.ts';
import {
  coalesceBatchEvents,
  FINAL_BATCH_STATUSES,
  MIN_POLL_MS,
  nextPollDelay,
  sseComment,
  sseEvent,
  startCursor,
  takeInOrder,
} from '../../domain/live-events.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { Store } from '../../ports/store.ts';

/**
 * Serves one client's live progress of one batch (contract, "Live progress"): `event: batch` with the
 * batch first, then the batch's event log from where the client is, read with one Query per wait
 * (never the batch or its recipients again), a comment while nothing happens, `event: end` once the
 * batch has ended, and an end of its own before the function's time runs out (the client then
 * reconnects with Last-Event-ID). Design and costs: docs/live-progress.md.
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
  batch: BatchObject;
  /** The last event id when the stream opened: every later change has a greater one. */
  lastId: number;
}

/**
 * Checks the batch is the workspace's (another workspace's is a 404) and takes its state. The counter
 * is read before the batch, so the state is at least as new as every event up to `lastId`.
 */
export async function openBatchEvents(
  deps: LiveDeps,
  workspaceId: string,
  batchId: string,
): Promise<OpenedStream> {
  const lastId = await deps.eventLog.lastId(batchId);
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  return { batch: toBatchObject(batch), lastId };
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
  // A Last-Event-ID we never gave (beyond the counter) is served as a new client.
  const resuming = resumeAfter !== null && resumeAfter <= opened.lastId;
  let cursor = startCursor(resuming ? resumeAfter : opened.lastId);
  let sentId = cursor.lastId;
  let status = opened.batch.status;
  let lastWrite = timing.now();
  const write = async (chunk: string) => {
    await sink.write(chunk);
    lastWrite = timing.now();
  };
  const end = async (): Promise<StreamEnd> => {
    // Its id only keeps ids increasing on this connection; nobody resumes after an end.
    await write(sseEvent(sentId + 1, 'end', JSON.stringify({ status })));
    return 'ended';
  };
  if (!resuming) await write(sseEvent(opened.lastId, 'batch', JSON.stringify(opened.batch)));
  // An ended batch: once the client has everything up to the counter, it only misses the end.
  const endAfter = isFinal(opened.batch.status) ? opened.lastId : null;
  let delay = MIN_POLL_MS;
  for (;;) {
    if (sink.closed) return 'closed';
    if (endAfter !== null && cursor.lastId >= endAfter) return end();
    if (timing.now() >= timing.stopAt) return 'timeout';
    const entries = await deps.eventLog.readAfter(batchId, cursor.lastId, READ_LIMIT);
    const taken = takeInOrder(cursor, entries, timing.now());
    cursor = taken.cursor;
    let ended = false;
    for (const event of coalesceBatchEvents(taken.send)) {
      if (sink.closed) return 'closed';
      await write(sseEvent(event.id, event.kind, event.data));
      if (event.kind === 'batch')
        status = (JSON.parse(event.data) as { status: BatchObject['status'] }).status;
      if (event.kind === 'batch' && isFinal(status)) ended = true;
    }
    sentId = cursor.lastId;
    if (ended) return end();
    if (entries.length >= READ_LIMIT && taken.send.length > 0) continue;
    delay = nextPollDelay(delay, taken.send.length > 0);
    const now = timing.now();
    if (now - lastWrite >= timing.heartbeatMs) await write(sseComment('keep-alive'));
    const untilHeartbeat = lastWrite + timing.heartbeatMs - timing.now();
    await timing.sleep(Math.max(0, Math.min(delay, untilHeartbeat, timing.stopAt - timing.now())));
  }
}
