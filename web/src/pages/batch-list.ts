import type { BatchObject } from '../../../shared/contracts/batch.ts';
import type { AgentObject } from '../../../shared/contracts/agent.ts';
import { focusHeading, type Page, pageHeading } from '../app-context.ts';
import { isLive, progressOf } from '../lib/batch-stats.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { Poller } from '../ui/poller.ts';
import { errorEl, loadingEl, progressBar, statusBadge, tableWrap, timeEl } from '../ui/widgets.ts';
import { errorMessage as describe } from '../api/client.ts';

const PAGE_SIZE = 20;
const LIVE_REFRESH_MS = 5_000;

/** Batch calls, newest first, a page at a time (the API's cursors); live batches refresh in place. */
export const batchListPage: Page = (ctx, main) => {
  const heading = pageHeading('Batch calls');
  const body = h('div', {}, loadingEl('batches'));
  const pager = h('nav', { class: 'pager', 'aria-label': 'Batch pages' });
  main.append(
    h(
      'div',
      { class: 'page-head' },
      heading,
      h('a', { class: 'button button-primary', href: '#/batches/new' }, 'New batch'),
    ),
    body,
    pager,
  );
  focusHeading(main);

  // cursors[i] is the cursor that loads page i (page 0 has none).
  const cursors: Array<string | undefined> = [undefined];
  let pageIndex = 0;
  let agents = new Map<string, string>();
  let disposed = false;

  const load = async (): Promise<boolean> => {
    try {
      const [page, agentList] = await Promise.all([
        ctx.api.listBatches({ limit: PAGE_SIZE, cursor: cursors[pageIndex] }),
        agents.size === 0 ? ctx.api.listAgents() : Promise.resolve<AgentObject[] | null>(null),
      ]);
      if (disposed) return false;
      if (agentList !== null) agents = new Map(agentList.map((a) => [a.id, a.name]));
      cursors[pageIndex + 1] = page.next_cursor ?? undefined;
      render(page.batches, page.next_cursor !== null);
      return page.batches.some((b) => isLive(b.status));
    } catch (error) {
      if (disposed) return false;
      replaceChildren(
        body,
        errorEl(describe(error), () => void load()),
      );
      return false;
    }
  };

  const render = (batches: BatchObject[], hasMore: boolean) => {
    if (batches.length === 0 && pageIndex === 0) {
      replaceChildren(
        body,
        h(
          'div',
          { class: 'empty' },
          h('p', {}, 'No batches yet.'),
          h('p', {}, h('a', { href: '#/batches/new' }, 'Create your first batch'), ' to start calling.'),
        ),
      );
    } else {
      replaceChildren(body, tableWrap('Batch calls', batchTable(batches, agents)));
    }
    const prev = h('button', { type: 'button', class: 'button', disabled: pageIndex === 0 }, '← Newer');
    const next = h('button', { type: 'button', class: 'button', disabled: !hasMore }, 'Older →');
    prev.addEventListener('click', () => go(pageIndex - 1));
    next.addEventListener('click', () => go(pageIndex + 1));
    replaceChildren(
      pager,
      pageIndex === 0 && !hasMore ? null : prev,
      pageIndex === 0 && !hasMore ? null : h('span', { class: 'muted' }, `Page ${pageIndex + 1}`),
      pageIndex === 0 && !hasMore ? null : next,
    );
  };

  const poller = new Poller(load, LIVE_REFRESH_MS);
  const go = (index: number) => {
    pageIndex = Math.max(0, index);
    poller.stop();
    replaceChildren(body, loadingEl('batches'));
    void load().then((live) => live && poller.start());
  };
  void load().then((live) => live && poller.start());

  return () => {
    disposed = true;
    poller.stop();
  };
};

function batchTable(batches: BatchObject[], agents: Map<string, string>): HTMLTableElement {
  return h(
    'table',
    { class: 'table table-cards', 'data-testid': 'batch-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col' }, 'Agent'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Progress'),
        h('th', { scope: 'col' }, 'Created'),
        h('th', { scope: 'col' }, 'Scheduled'),
      ),
    ),
    h(
      'tbody',
      {},
      ...batches.map((b) => {
        const { done, total } = progressOf(b);
        return h(
          'tr',
          { 'data-batch-id': b.id },
          h(
            'td',
            { 'data-label': 'Name' },
            h('a', { href: `#/batches/${encodeURIComponent(b.id)}` }, b.name),
          ),
          h(
            'td',
            { 'data-label': 'Agent' },
            agents.get(b.agent_id) ?? h('span', { class: 'muted mono' }, b.agent_id),
          ),
          h('td', { 'data-label': 'Status' }, statusBadge(b.status)),
          h('td', { 'data-label': 'Progress' }, progressBar(done, total, `Progress of ${b.name}`)),
          h('td', { 'data-label': 'Created' }, timeEl(b.created_at)),
          h('td', { 'data-label': 'Scheduled' }, timeEl(b.scheduled_at)),
        );
      }),
    ),
  );
}
