import type { BatchDetailResponse } from '../../../../shared/contracts/batch-objects.ts';
import { OutcomeChart } from '../../components/outcome-chart.tsx';
import { ProgressBar } from '../../components/widgets.tsx';
import { outcomeBreakdown, pickUpRate, progressOf } from '../../lib/batch-stats.ts';
import { formatPercent } from '../../lib/format.ts';

/** The batch's figures (counts, pick-up rate, progress) and its outcome chart. */

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
