import type { AppContext } from '../../app-context.ts';
import { mountPage } from '../../components/mount.tsx';
import { BackLink, PageHeading } from '../../components/page-heading.tsx';
import { ErrorNotice, Loading, StatusBadge } from '../../components/widgets.tsx';
import { isCancellable, isLive } from '../../lib/batch-stats.ts';
import { openAttemptHistory } from './attempt-history.tsx';
import { CampaignControls, CancelButton, StatusNote } from './controls.tsx';
import { openConversation } from './conversation.tsx';
import { Deliveries } from './deliveries.tsx';
import { Facts } from './facts.tsx';
import { Outcomes, Stats } from './figures.tsx';
import { Recipients } from './recipients.tsx';
import { CallAgainButton, ExportButtons } from './results-actions.tsx';
import { useBatchDetail } from './use-batch-detail.ts';

/**
 * One batch: its state and figures, every recipient, the webhook delivery log, kept up to date while
 * the batch can still change (use-batch-detail.ts).
 */
export const batchDetailPage = mountPage((ctx, params) => <BatchDetail ctx={ctx} id={params['id'] ?? ''} />);

function BatchDetail({ ctx, id }: { ctx: AppContext; id: string }) {
  const state = useBatchDetail(ctx, id);
  const detail = state.detail.value;
  const failure = state.failure.value;
  const batch = detail?.batch;
  return (
    <>
      <BackLink href="#/batches" label="Batch calls" />
      <div class="page-head">
        <PageHeading text={batch?.name ?? 'Batch'} />
        <div class="actions">
          {batch === undefined ? null : (
            <>
              <StatusBadge status={batch.status} />
              {isCancellable(batch.status) ? (
                <CancelButton ctx={ctx} batch={batch} after={state.refreshNow} />
              ) : null}
              <CampaignControls ctx={ctx} batch={batch} after={state.refreshNow} />
            </>
          )}
        </div>
      </div>
      {detail === null ? (
        failure === null ? (
          <Loading what="the batch" />
        ) : (
          <ErrorNotice message={failure} retry={state.retry} />
        )
      ) : (
        <div>
          <StatusNote
            ctx={ctx}
            detail={detail}
            onHistory={(r) => openAttemptHistory(ctx, id, r)}
            after={state.refreshNow}
          />
          <Facts ctx={ctx} batch={detail.batch} />
          <Stats detail={detail} />
          <Outcomes detail={detail} />
          <div class="actions" data-testid="results-actions">
            <ExportButtons ctx={ctx} batch={detail.batch} />
            {!isLive(detail.batch.status) && detail.batch.counts.failed > 0 ? (
              <CallAgainButton ctx={ctx} batch={detail.batch} />
            ) : null}
          </div>
          <Recipients
            ctx={ctx}
            batchId={id}
            total={detail.batch.total_recipients}
            refreshKey={`${detail.batch.status} ${JSON.stringify(detail.batch.counts)}`}
            latest={detail.recipients}
            onView={(r) => openConversation(ctx, id, r)}
            onHistory={(r) => openAttemptHistory(ctx, id, r)}
          />
          <Deliveries ctx={ctx} batchId={id} version={state.deliveriesVersion.value} />
        </div>
      )}
    </>
  );
}
