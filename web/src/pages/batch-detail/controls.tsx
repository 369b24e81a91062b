import type {
  BatchDetailResponse,
  BatchObject,
  RecipientObject,
} from '../../../../shared/contracts/batch-objects.ts';
import { useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { controlsFor } from '../../lib/batch-stats.ts';
import { confirmDialog } from '../../ui/dialog.ts';
import { h } from '../../ui/dom.ts';
import { toast } from '../../ui/live.ts';
import { PauseNote } from './pause-actions.tsx';

/**
 * The page head's buttons: Pause, Resume and Stop, as the batch's status allows; `after` refreshes the
 * page whatever happened.
 */
export function CampaignControls(props: { ctx: AppContext; batch: BatchObject; after: () => void }) {
  const [busy, setBusy] = useState(false);
  const { batch, ctx } = props;
  const can = controlsFor(batch.status);
  const act = async (run: () => Promise<unknown>, done: string, refused: Record<string, string>) => {
    setBusy(true);
    try {
      await run();
      toast(done);
    } catch (error) {
      const known = error instanceof ApiError ? refused[error.code] : undefined;
      toast(known ?? `That did not work: ${errorMessage(error)}`, 'error');
    }
    setBusy(false);
    props.after();
  };
  const pause = () =>
    act(() => ctx.api.pauseBatch(batch.id), 'Batch paused.', {
      batch_not_pausable: 'Only a running batch can be paused.',
    });
  const resume = () =>
    act(() => ctx.api.resumeBatch(batch.id), 'Batch resumed.', {
      batch_not_resumable: 'Only a paused batch can be resumed.',
    });
  const stop = async () => {
    const sure = await confirmDialog({
      title: 'Stop this batch?',
      message: h(
        'p',
        {},
        `Calls in progress finish; no other call of “${batch.name}” is placed, and every recipient ` +
          'not called yet is skipped. This cannot be undone.',
      ),
      confirmLabel: 'Stop batch',
      danger: true,
    });
    if (sure)
      await act(() => ctx.api.stopBatch(batch.id), 'Batch stopping.', {
        batch_not_stoppable: 'The batch has already finished.',
      });
  };
  return (
    <>
      {can.pause ? (
        <button type="button" class="button" disabled={busy} onClick={() => void pause()}>
          Pause
        </button>
      ) : null}
      {can.resume ? (
        <button type="button" class="button button-primary" disabled={busy} onClick={() => void resume()}>
          Resume
        </button>
      ) : null}
      {can.stop ? (
        <button type="button" class="button button-danger" disabled={busy} onClick={() => void stop()}>
          Stop batch
        </button>
      ) : null}
    </>
  );
}

/**
 * Cancel, for a batch that has not dialed yet. Asks first; `after` refreshes the page whatever the
 * answer (the batch may have moved on).
 */
export function CancelButton(props: { ctx: AppContext; batch: BatchObject; after: () => void }) {
  const [busy, setBusy] = useState(false);
  const cancel = async () => {
    const sure = await confirmDialog({
      title: 'Cancel this batch?',
      message: h('p', {}, `No call of “${props.batch.name}” will be placed. This cannot be undone.`),
      confirmLabel: 'Cancel batch',
      danger: true,
    });
    if (!sure) return;
    setBusy(true);
    try {
      await props.ctx.api.cancelBatch(props.batch.id);
      toast('Batch cancelled.');
    } catch (error) {
      toast(
        error instanceof ApiError && error.code === 'batch_not_cancellable'
          ? 'The batch has already started dialing and can no longer be cancelled.'
          : `The batch was not cancelled: ${errorMessage(error)}`,
        'error',
      );
      setBusy(false);
    }
    props.after();
  };
  return (
    <button type="button" class="button button-danger" disabled={busy} onClick={() => void cancel()}>
      Cancel batch
    </button>
  );
}

/** A paused or stopping batch says why, and what to do about it (pause-actions.tsx). */
export function StatusNote(props: {
  ctx: AppContext;
  detail: BatchDetailResponse;
  onHistory: (r: RecipientObject) => void;
  after: () => void;
}) {
  const batch = props.detail.batch;
  if (batch.status === 'paused') return <PauseNote {...props} />;
  if (batch.status === 'stopping') {
    const live = batch.counts.dialing;
    return (
      <p class="notice notice-paused" data-testid="status-note">
        Stopping — {live === 0 ? 'no call is' : `${live} call${live === 1 ? ' is' : 's are'}`} still in
        progress; every recipient not called yet is skipped.
      </p>
    );
  }
  return null;
}
