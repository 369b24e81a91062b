import type {
  BatchDetailResponse,
  BatchObject,
  RecipientObject,
} from '../../../../shared/contracts/batch-objects.ts';
import type { SseMessage } from '../../lib/sse.ts';
import { type Signal, useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { isLive, progressOf } from '../../lib/batch-stats.ts';
import { humanize } from '../../lib/format.ts';
import { announce } from '../../ui/live.ts';
import { Poller } from '../../ui/poller.ts';

const POLL_MS = 2_000;
const DELIVERIES_REFRESH_MS = 10_000;
/** Failed stream openings in a row before the page falls back to polling. */
const STREAM_FAILURES_BEFORE_POLLING = 2;
const STREAM_RETRY_MS = 1_000;

export interface BatchDetailState {
  detail: Signal<BatchDetailResponse | null>;
  /** Why the first load failed; later failed refreshes keep the last known state instead. */
  failure: Signal<string | null>;
  /** Bumped when the delivery log is worth fetching again. */
  deliveriesVersion: Signal<number>;
  /** How the page follows the batch: its live event stream, or polling when the stream fails. */
  mode: Signal<'stream' | 'polling' | 'idle'>;
  /** Fetches at once (after a cancel) and polls on while the batch is live. */
  refreshNow(): void;
  /** Loads again after a failed first load. */
  retry(): void;
}

/**
 * One batch, loaded once and then followed through its live event stream while it can still change
 * (`GET …/events`: the batch's status and counts, each recipient's changes), reconnecting after the
 * last event id when the stream closes; when the stream cannot be opened (twice in a row) the page
 * falls back to fetching the detail every 2 s. Status and progress changes are announced to screen
 * readers; the delivery log, which changes more slowly than the rows, is refreshed on a status change
 * and at most every 10 s.
 */
export function useBatchDetail(ctx: AppContext, id: string): BatchDetailState {
  const detail = useSignal<BatchDetailResponse | null>(null);
  const failure = useSignal<string | null>(null);
  const deliveriesVersion = useSignal(0);
  const mode = useSignal<'stream' | 'polling' | 'idle'>('idle');
  const controls = useRef({ refreshNow: () => {}, retry: () => {} });

  useEffect(() => {
    let disposed = false;
    let deliveriesLoadedAt = 0;
    const load = async (): Promise<boolean> => {
      let next: BatchDetailResponse;
      try {
        next = await ctx.api.getBatch(id);
      } catch (error) {
        if (disposed) return false;
        if (detail.peek() === null) {
          failure.value =
            error instanceof ApiError && error.status === 404
              ? 'There is no such batch.'
              : errorMessage(error);
          return false;
        }
        return true; // a failed refresh is retried; the page keeps the last known state
      }
      if (disposed) return false;
      const before = detail.peek();
      if (before !== null) announceChanges(before, next);
      failure.value = null;
      detail.value = next;
      if (
        before?.batch.status !== next.batch.status ||
        Date.now() - deliveriesLoadedAt >= DELIVERIES_REFRESH_MS
      ) {
        deliveriesLoadedAt = Date.now();
        deliveriesVersion.value += 1;
      }
      return isLive(next.batch.status);
    };
    const poller = new Poller(load, POLL_MS);
    const startPolling = () => {
      mode.value = 'polling';
      poller.start();
    };

    const applyBatch = (batch: BatchObject) => {
      const before = detail.peek();
      if (before === null) return;
      const next = { ...before, batch };
      announceChanges(before, next);
      detail.value = next;
      if (before.batch.status !== batch.status) {
        deliveriesLoadedAt = Date.now();
        deliveriesVersion.value += 1;
      }
    };
    const applyRecipient = (recipient: RecipientObject) => {
      const before = detail.peek();
      if (before === null) return;
      const recipients = before.recipients.map((r) => (r.index === recipient.index ? recipient : r));
      detail.value = { ...before, recipients };
      if (Date.now() - deliveriesLoadedAt >= DELIVERIES_REFRESH_MS) {
        deliveriesLoadedAt = Date.now();
        deliveriesVersion.value += 1;
      }
    };

    let stream: AbortController | null = null;
    const follow = async () => {
      stream?.abort();
      const abort = new AbortController();
      stream = abort;
      let lastEventId: string | null = null;
      let failures = 0;
      let first = true;
      mode.value = 'stream';
      const onMessage = (message: SseMessage) => {
        // Only a new connection's first event is the batch's state (a resumed one continues).
        const opening = first;
        first = false;
        if (message.id !== null) lastEventId = message.id;
        if (message.event === 'batch') {
          const batch = JSON.parse(message.data) as BatchObject;
          // The first event is the state when the stream opened: a change between the load and
          // then would be missed, so counts that moved mean one more load.
          const loaded = detail.peek()?.batch;
          if (opening && loaded && JSON.stringify(loaded.counts) !== JSON.stringify(batch.counts))
            void load();
          else applyBatch(batch);
        } else if (message.event === 'recipient') {
          applyRecipient(JSON.parse(message.data) as RecipientObject);
        }
      };
      while (!disposed && !abort.signal.aborted) {
        try {
          const how = await ctx.api.streamBatchEvents(id, { lastEventId, signal: abort.signal, onMessage });
          failures = 0;
          if (how === 'end') {
            mode.value = 'idle';
            return;
          }
        } catch (error) {
          if (disposed || abort.signal.aborted) return;
          failures += 1;
          const refused = error instanceof ApiError && error.status >= 400 && error.status < 500;
          if (refused || failures >= STREAM_FAILURES_BEFORE_POLLING) {
            startPolling();
            return;
          }
          await new Promise((resolve) => window.setTimeout(resolve, STREAM_RETRY_MS));
        }
      }
    };

    const start = () =>
      void load().then((live) => {
        if (live && !disposed) void follow();
      });
    controls.current = {
      retry: start,
      refreshNow: () => {
        poller.stop();
        stream?.abort();
        start();
      },
    };
    start();
    return () => {
      disposed = true;
      poller.stop();
      stream?.abort();
    };
  }, [id]);

  return {
    detail,
    failure,
    deliveriesVersion,
    mode,
    refreshNow: () => controls.current.refreshNow(),
    retry: () => controls.current.retry(),
  };
}

function announceChanges(before: BatchDetailResponse, after: BatchDetailResponse): void {
  if (before.batch.status !== after.batch.status) announce(`Batch is now ${humanize(after.batch.status)}.`);
  const { done, total } = progressOf(after.batch);
  if (done !== progressOf(before.batch).done) announce(`${done} of ${total} calls done.`);
}
