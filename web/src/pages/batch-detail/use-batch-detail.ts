import type { BatchDetailResponse } from '../../../../shared/contracts/batch-objects.ts';
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

export interface BatchDetailState {
  detail: Signal<BatchDetailResponse | null>;
  /** Why the first load failed; later failed refreshes keep the last known state instead. */
  failure: Signal<string | null>;
  /** Bumped when the delivery log is worth fetching again. */
  deliveriesVersion: Signal<number>;
  /** Fetches at once (after a cancel) and polls on while the batch is live. */
  refreshNow(): void;
  /** Loads again after a failed first load. */
  retry(): void;
}

/**
 * One batch, fetched again every 2 s while it can still change (pending, scheduled, running). Status
 * and progress changes are announced to screen readers; the delivery log, which changes more slowly
 * than the rows, is refreshed on a status change and every 10 s.
 */
export function useBatchDetail(ctx: AppContext, id: string): BatchDetailState {
  const detail = useSignal<BatchDetailResponse | null>(null);
  const failure = useSignal<string | null>(null);
  const deliveriesVersion = useSignal(0);
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
    const start = () => void load().then((live) => live && poller.start());
    controls.current = {
      retry: start,
      refreshNow: () => {
        poller.stop();
        start();
      },
    };
    start();
    return () => {
      disposed = true;
      poller.stop();
    };
  }, [id]);

  return {
    detail,
    failure,
    deliveriesVersion,
    refreshNow: () => controls.current.refreshNow(),
    retry: () => controls.current.retry(),
  };
}

function announceChanges(before: BatchDetailResponse, after: BatchDetailResponse): void {
  if (before.batch.status !== after.batch.status) announce(`Batch is now ${humanize(after.batch.status)}.`);
  const { done, total } = progressOf(after.batch);
  if (done !== progressOf(before.batch).done) announce(`${done} of ${total} calls done.`);
}
