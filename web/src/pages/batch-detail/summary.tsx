import type { BatchDetailResponse, BatchObject } from '../../../../shared/contracts/batch-objects.ts';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { OutcomeChart } from '../../components/outcome-chart.tsx';
import { ProgressBar, Time } from '../../components/widgets.tsx';
import { outcomeBreakdown, pickUpRate, progressOf } from '../../lib/batch-stats.ts';
import { formatWindow, guardrailsText, retryText } from '../../lib/campaign.ts';
import { formatPercent } from '../../lib/format.ts';
import { confirmDialog } from '../../ui/dialog.ts';
import { h } from '../../ui/dom.ts';
import { toast } from '../../ui/live.ts';

/** The batch's facts, its figures and its outcome chart. */

export function Facts({ batch }: { batch: BatchObject }) {
  return (
    <section class="summary" aria-label="Batch summary">
      <dl class="facts">
        <Fact label="Created">
          <Time iso={batch.created_at} />
        </Fact>
        {batch.scheduled_at === null ? null : (
          <Fact label="Scheduled for">
            <Time iso={batch.scheduled_at} />
          </Fact>
        )}
        {batch.started_at === null ? null : (
          <Fact label="Started">
            <Time iso={batch.started_at} />
          </Fact>
        )}
        {batch.completed_at === null ? null : (
          <Fact label="Finished">
            <Time iso={batch.completed_at} />
          </Fact>
        )}
        {batch.paused_at === null || batch.status !== 'paused' ? null : (
          <Fact label="Paused">
            <Time iso={batch.paused_at} />
          </Fact>
        )}
        {batch.stopped_at === null ? null : (
          <Fact label="Stopped">
            <Time iso={batch.stopped_at} />
          </Fact>
        )}
        {batch.cancelled_at === null ? null : (
          <Fact label="Cancelled">
            <Time iso={batch.cancelled_at} />
          </Fact>
        )}
        <Fact label="Retries">{retryText(batch.retry)}</Fact>
        {batch.calling_window === null ? null : (
          <Fact label="Calling window">{formatWindow(batch.calling_window)}</Fact>
        )}
        {batch.guardrails === null ? null : (
          <Fact label="Guardrails">{guardrailsText(batch.guardrails)}</Fact>
        )}
        <Fact label="Source">{batch.source === 'csv' ? 'CSV upload' : 'JSON'}</Fact>
        <Fact label="Batch id">
          <span class="mono">{batch.id}</span>
        </Fact>
      </dl>
      {batch.failure_reason === null ? null : (
        <p class="notice notice-error">Failed: {batch.failure_reason}</p>
      )}
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function Stats({ detail: { batch, recipients } }: { detail: BatchDetailResponse }) {
  const { done, total } = progressOf(batch);
  const rate = pickUpRate(recipients);
  return (
    <section class="stats" aria-label="Progress" aria-live="polite">
      <div class="stat-grid">
        <Stat label="Pending" value={batch.counts.pending} statKey="pending" />
        <Stat label="Dialing" value={batch.counts.dialing} statKey="dialing" />
        <Stat label="Completed" value={batch.counts.completed} statKey="completed" />
        <Stat label="Failed" value={batch.counts.failed} statKey="failed" />
        <Stat label="Skipped" value={batch.counts.skipped} statKey="skipped" />
        <Stat
          label="Pick-up rate"
          value={formatPercent(rate.answered, rate.dialed)}
          statKey="pickup"
          detail={`${rate.answered} answered of ${rate.dialed} dialed`}
        />
      </div>
      <ProgressBar done={done} total={total} label="Calls done" />
    </section>
  );
}

function Stat(props: { label: string; value: number | string; statKey: string; detail?: string }) {
  return (
    <div class={`stat stat-${props.statKey}`} data-stat={props.statKey}>
      <span class="stat-value">{String(props.value)}</span>
      <span class="stat-label">{props.label}</span>
      {props.detail === undefined ? null : <span class="stat-detail muted">{props.detail}</span>}
    </div>
  );
}

export function Outcomes({ detail }: { detail: BatchDetailResponse }) {
  return (
    <section class="chart-box" aria-label="Outcomes">
      <h2>Outcomes</h2>
      <OutcomeChart data={outcomeBreakdown(detail.recipients)} />
    </section>
  );
}

/** Asks first; `after` refreshes the page whatever the answer (the batch may have moved on). */
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
