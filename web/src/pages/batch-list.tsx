import type { BatchObject } from '../../../shared/contracts/batch-objects.ts';
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { errorMessage } from '../api/client.ts';
import type { AppContext } from '../app-context.ts';
import { PageHead } from '../components/list-page.tsx';
import { mountPage } from '../components/mount.tsx';
import { Loaded, type Resource } from '../components/resource.tsx';
import { DataTable, ProgressBar, StatusBadge, Time } from '../components/widgets.tsx';
import { isLive, progressOf } from '../lib/batch-stats.ts';
import { Poller } from '../ui/poller.ts';

const PAGE_SIZE = 20;
const LIVE_REFRESH_MS = 5_000;

/** Batch calls, newest first, a page at a time (the API's cursors); live batches refresh in place. */
export const batchListPage = mountPage((ctx) => <BatchList ctx={ctx} />);

interface ListedPage {
  batches: BatchObject[];
  hasMore: boolean;
  agents: Map<string, string>;
}

function BatchList({ ctx }: { ctx: AppContext }) {
  const pageIndex = useSignal(0);
  const { resource, reload } = useBatchPage(ctx, pageIndex.value);
  const go = (index: number) => (pageIndex.value = Math.max(0, index));
  return (
    <>
      <PageHead title="Batch calls" addHref="#/batches/new" addLabel="New batch" />
      <div>
        <Loaded resource={resource} what="batches" retry={reload}>
          {({ batches, agents }) =>
            batches.length === 0 && pageIndex.value === 0 ? (
              <div class="empty">
                <p>No batches yet.</p>
                <p>
                  <a href="#/batches/new">Create your first batch</a> to start calling.
                </p>
              </div>
            ) : (
              <BatchTable batches={batches} agents={agents} />
            )
          }
        </Loaded>
      </div>
      <nav class="pager" aria-label="Batch pages">
        {resource.state !== 'ready' || (pageIndex.value === 0 && !resource.value.hasMore) ? null : (
          <>
            <button
              type="button"
              class="button"
              disabled={pageIndex.value === 0}
              onClick={() => go(pageIndex.value - 1)}
            >
              ← Newer
            </button>
            <span class="muted">Page {pageIndex.value + 1}</span>
            <button
              type="button"
              class="button"
              disabled={!resource.value.hasMore}
              onClick={() => go(pageIndex.value + 1)}
            >
              Older →
            </button>
          </>
        )}
      </nav>
    </>
  );
}

/**
 * One page of batches (and the agents' names, fetched once), polled while any batch on it is live.
 * Turning the page shows "Loading…" and stops the old page's polling.
 */
function useBatchPage(
  ctx: AppContext,
  pageIndex: number,
): { resource: Resource<ListedPage>; reload: () => void } {
  const resource = useSignal<Resource<ListedPage>>({ state: 'loading' });
  // cursors[i] is the cursor that loads page i (page 0 has none).
  const cursors = useRef<Array<string | undefined>>([undefined]);
  const agents = useRef(new Map<string, string>());
  const restart = useRef(() => {});

  useEffect(() => {
    let disposed = false;
    const load = async (): Promise<boolean> => {
      try {
        const [page, agentList] = await Promise.all([
          ctx.api.listBatches({ limit: PAGE_SIZE, cursor: cursors.current[pageIndex] }),
          agents.current.size === 0 ? ctx.api.listAgents() : Promise.resolve(null),
        ]);
        if (disposed) return false;
        if (agentList !== null) agents.current = new Map(agentList.map((a) => [a.id, a.name]));
        cursors.current[pageIndex + 1] = page.next_cursor ?? undefined;
        const hasMore = page.next_cursor !== null;
        resource.value = {
          state: 'ready',
          value: { batches: page.batches, hasMore, agents: agents.current },
        };
        return page.batches.some((b) => isLive(b.status));
      } catch (error) {
        if (!disposed) resource.value = { state: 'error', message: errorMessage(error) };
        return false;
      }
    };
    const poller = new Poller(load, LIVE_REFRESH_MS);
    restart.current = () => void load().then((live) => live && poller.start());
    resource.value = { state: 'loading' };
    restart.current();
    return () => {
      disposed = true;
      poller.stop();
    };
  }, [pageIndex]);

  return { resource: resource.value, reload: () => restart.current() };
}

function BatchTable({ batches, agents }: { batches: BatchObject[]; agents: Map<string, string> }) {
  return (
    <DataTable
      label="Batch calls"
      testId="batch-table"
      class="table table-cards"
      columns={['Name', 'Agent', 'Status', 'Progress', 'Created', 'Scheduled']}
    >
      {batches.map((b) => {
        const { done, total } = progressOf(b);
        return (
          <tr key={b.id} data-batch-id={b.id}>
            <td data-label="Name">
              <a href={`#/batches/${encodeURIComponent(b.id)}`}>{b.name}</a>
            </td>
            <td data-label="Agent">
              {agents.get(b.agent_id) ?? <span class="muted mono">{b.agent_id}</span>}
            </td>
            <td data-label="Status">
              <StatusBadge status={b.status} />
            </td>
            <td data-label="Progress">
              <ProgressBar done={done} total={total} label={`Progress of ${b.name}`} />
            </td>
            <td data-label="Created">
              <Time iso={b.created_at} />
            </td>
            <td data-label="Scheduled">
              <Time iso={b.scheduled_at} />
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
