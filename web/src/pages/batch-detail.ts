import type { BatchDetailResponse, RecipientObject } from '../../../shared/contracts/batch.ts';
import { maskPhone } from '../../../shared/domain/phone.ts';
import { httpsRecordingUrl } from '../../../shared/domain/recording-url.ts';
import { ApiError, errorMessage } from '../api/client.ts';
import type { ConversationResponse, WebhookDelivery } from '../api/types.ts';
import { type AppContext, focusHeading, type Page, pageHeading } from '../app-context.ts';
import { isCancellable, isLive, outcomeBreakdown, pickUpRate, progressOf } from '../lib/batch-stats.ts';
import { formatDateTime, formatDuration, formatPercent, humanize } from '../lib/format.ts';
import { confirmDialog, contentDialog } from '../ui/dialog.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { announce, toast } from '../ui/live.ts';
import { outcomeChart } from '../ui/outcome-chart.ts';
import { Poller } from '../ui/poller.ts';
import { errorEl, loadingEl, progressBar, statusBadge, tableWrap, timeEl } from '../ui/widgets.ts';

/**
 * One batch: its state and figures, every recipient, the webhook delivery log. While the batch can
 * still change (pending, scheduled, running) it is fetched again every 2 s and updated in place:
 * rows keep their elements, so focus and scroll position survive each refresh.
 */

const POLL_MS = 2_000;
const DELIVERIES_REFRESH_MS = 10_000;

export const batchDetailPage: Page = (ctx, main, params) => {
  const id = params['id'] ?? '';
  const heading = pageHeading('Batch');
  const headActions = h('div', { class: 'actions' });
  const summary = h('section', { class: 'summary', 'aria-label': 'Batch summary' });
  const stats = h('section', { class: 'stats', 'aria-label': 'Progress', 'aria-live': 'polite' });
  const chartBox = h('section', { class: 'chart-box', 'aria-label': 'Outcomes' });
  const recipientsBox = h('section', { 'aria-labelledby': 'recipients-h' });
  const deliveriesBox = h('section', { 'aria-labelledby': 'deliveries-h' });
  main.append(
    h('p', {}, h('a', { href: '#/batches' }, '← Batch calls')),
    h('div', { class: 'page-head' }, heading, headActions),
    loadingEl('the batch'),
  );
  focusHeading(main);

  let disposed = false;
  let lastStatus: string | null = null;
  let lastDone = -1;
  const rowCache = new Map<string, RecipientRow>();
  let tbody: HTMLTableSectionElement | null = null;
  let deliveriesLoadedAt = 0;

  const load = async (): Promise<boolean> => {
    let detail: BatchDetailResponse;
    try {
      detail = await ctx.api.getBatch(id);
    } catch (error) {
      if (disposed) return false;
      if (lastStatus === null) {
        main.lastElementChild?.replaceWith(
          errorEl(
            error instanceof ApiError && error.status === 404
              ? 'There is no such batch.'
              : errorMessage(error),
            () => void load().then((live) => live && poller.start()),
          ),
        );
        return false;
      }
      return true; // a failed refresh is retried; the page keeps the last known state
    }
    if (disposed) return false;
    const first = lastStatus === null;
    const statusChanged = lastStatus !== detail.batch.status;
    if (first)
      main.lastElementChild?.replaceWith(
        h('div', {}, summary, stats, chartBox, recipientsBox, deliveriesBox),
      );
    render(detail, first);
    // The log changes more slowly than the rows: refresh it on a status change and every 10 s.
    if (statusChanged || Date.now() - deliveriesLoadedAt >= DELIVERIES_REFRESH_MS) {
      deliveriesLoadedAt = Date.now();
      void loadDeliveries();
    }
    return isLive(detail.batch.status);
  };

  const render = (detail: BatchDetailResponse, first: boolean) => {
    const { batch, recipients } = detail;
    heading.textContent = batch.name;
    document.title = `${batch.name} · batch-calls`;
    if (!first && lastStatus !== batch.status) announce(`Batch is now ${humanize(batch.status)}.`);
    lastStatus = batch.status;

    replaceChildren(
      headActions,
      statusBadge(batch.status),
      isCancellable(batch.status) ? cancelButton(ctx, batch.id, batch.name, () => void refreshNow()) : null,
    );
    replaceChildren(
      summary,
      h(
        'dl',
        { class: 'facts' },
        fact('Created', timeEl(batch.created_at)),
        batch.scheduled_at === null ? null : fact('Scheduled for', timeEl(batch.scheduled_at)),
        batch.started_at === null ? null : fact('Started', timeEl(batch.started_at)),
        batch.completed_at === null ? null : fact('Finished', timeEl(batch.completed_at)),
        batch.cancelled_at === null ? null : fact('Cancelled', timeEl(batch.cancelled_at)),
        fact('Source', batch.source === 'csv' ? 'CSV upload' : 'JSON'),
        fact('Batch id', h('span', { class: 'mono' }, batch.id)),
      ),
      batch.failure_reason === null
        ? null
        : h('p', { class: 'notice notice-error' }, `Failed: ${batch.failure_reason}`),
    );

    const { done, total } = progressOf(batch);
    const rate = pickUpRate(recipients);
    replaceChildren(
      stats,
      h(
        'div',
        { class: 'stat-grid' },
        stat('Pending', batch.counts.pending, 'pending'),
        stat('Dialing', batch.counts.dialing, 'dialing'),
        stat('Completed', batch.counts.completed, 'completed'),
        stat('Failed', batch.counts.failed, 'failed'),
        stat(
          'Pick-up rate',
          formatPercent(rate.answered, rate.dialed),
          'pickup',
          `${rate.answered} answered of ${rate.dialed} dialed`,
        ),
      ),
      progressBar(done, total, 'Calls done'),
    );
    if (done !== lastDone && !first) announce(`${done} of ${total} calls done.`);
    lastDone = done;

    replaceChildren(chartBox, h('h2', {}, 'Outcomes'), outcomeChart(outcomeBreakdown(recipients)));
    renderRecipients(batch.id, recipients);
  };

  const renderRecipients = (batchId: string, recipients: RecipientObject[]) => {
    if (tbody === null) {
      tbody = h('tbody', {});
      const table = h(
        'table',
        { class: 'table table-cards', 'data-testid': 'recipient-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, '#'),
            h('th', { scope: 'col' }, 'Phone'),
            h('th', { scope: 'col' }, 'Variables'),
            h('th', { scope: 'col' }, 'Status'),
            h('th', { scope: 'col' }, 'Outcome'),
            h('th', { scope: 'col' }, 'Attempts'),
            h('th', { scope: 'col' }, 'Duration'),
            h('th', { scope: 'col' }, 'Conversation'),
          ),
        ),
        tbody,
      );
      replaceChildren(
        recipientsBox,
        h('h2', { id: 'recipients-h' }, `Recipients (${recipients.length})`),
        tableWrap('Recipients', table),
      );
    }
    for (const r of recipients) {
      let row = rowCache.get(r.id);
      if (row === undefined) {
        row = new RecipientRow(r, () => openConversation(ctx, batchId, row?.current ?? r));
        rowCache.set(r.id, row);
        tbody.append(row.el);
      } else {
        row.update(r);
      }
    }
  };

  const loadDeliveries = async () => {
    let deliveries: WebhookDelivery[];
    try {
      deliveries = (await ctx.api.listWebhookDeliveries(id)).deliveries;
    } catch (error) {
      if (disposed) return;
      replaceChildren(
        deliveriesBox,
        h('h2', { id: 'deliveries-h' }, 'Webhook deliveries'),
        h('p', { class: 'muted' }, `The delivery log could not be loaded: ${errorMessage(error)}`),
      );
      return;
    }
    if (disposed) return;
    replaceChildren(
      deliveriesBox,
      h('h2', { id: 'deliveries-h' }, 'Webhook deliveries'),
      deliveries.length === 0
        ? h('p', { class: 'muted' }, 'No webhook events yet (the agent may have no webhook URL).')
        : tableWrap(
            'Webhook deliveries',
            deliveriesTable(ctx, deliveries, () => void loadDeliveries()),
          ),
    );
  };

  const poller = new Poller(load, POLL_MS);
  const refreshNow = async () => {
    poller.stop();
    if (await load()) poller.start();
  };
  void load().then((live) => live && poller.start());

  return () => {
    disposed = true;
    poller.stop();
  };
};

function fact(label: string, value: Node | string): HTMLElement {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value));
}

function stat(label: string, value: number | string, key: string, detail?: string): HTMLElement {
  return h(
    'div',
    { class: `stat stat-${key}`, 'data-stat': key },
    h('span', { class: 'stat-value' }, String(value)),
    h('span', { class: 'stat-label' }, label),
    detail === undefined ? null : h('span', { class: 'stat-detail muted' }, detail),
  );
}

function cancelButton(ctx: AppContext, batchId: string, name: string, after: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'button button-danger' }, 'Cancel batch');
  button.addEventListener('click', () => {
    void (async () => {
      const sure = await confirmDialog({
        title: 'Cancel this batch?',
        message: h('p', {}, `No call of “${name}” will be placed. This cannot be undone.`),
        confirmLabel: 'Cancel batch',
        danger: true,
      });
      if (!sure) return;
      button.disabled = true;
      try {
        await ctx.api.cancelBatch(batchId);
        toast('Batch cancelled.');
      } catch (error) {
        toast(
          error instanceof ApiError && error.code === 'batch_not_cancellable'
            ? 'The batch has already started dialing and can no longer be cancelled.'
            : `The batch was not cancelled: ${errorMessage(error)}`,
          'error',
        );
        button.disabled = false;
      }
      after();
    })();
  });
  return button;
}

/** A recipient's table row, updated cell by cell so the row (and any focus in it) stays put. */
class RecipientRow {
  readonly el: HTMLTableRowElement;
  current: RecipientObject;
  private readonly cells: Record<
    'status' | 'outcome' | 'attempts' | 'duration' | 'conversation',
    HTMLElement
  >;
  private readonly viewButton: HTMLButtonElement;

  constructor(recipient: RecipientObject, onView: () => void) {
    this.current = recipient;
    this.viewButton = h(
      'button',
      { type: 'button', class: 'button button-small' },
      'View',
      h('span', { class: 'visually-hidden' }, ` conversation of recipient ${recipient.index + 1}`),
    );
    this.viewButton.addEventListener('click', onView);
    this.cells = {
      status: h('td', { 'data-label': 'Status' }),
      outcome: h('td', { 'data-label': 'Outcome' }),
      attempts: h('td', { class: 'num', 'data-label': 'Attempts' }),
      duration: h('td', { class: 'num', 'data-label': 'Duration' }),
      conversation: h('td', { 'data-label': 'Conversation' }),
    };
    const vars = Object.entries(recipient.dynamic_vars);
    this.el = h(
      'tr',
      { 'data-recipient-id': recipient.id, 'data-index': recipient.index },
      h('th', { scope: 'row' }, String(recipient.index + 1)),
      h('td', { class: 'mono', 'data-label': 'Phone' }, maskPhone(recipient.phone)),
      h(
        'td',
        { class: 'vars', 'data-label': 'Variables' },
        vars.length === 0
          ? h('span', { class: 'muted' }, '—')
          : h(
              'ul',
              { class: 'var-list' },
              ...vars.map(([k, v]) => h('li', {}, h('span', { class: 'var-key' }, k), ' ', String(v))),
            ),
      ),
      this.cells.status,
      this.cells.outcome,
      this.cells.attempts,
      this.cells.duration,
      this.cells.conversation,
    );
    this.fill(recipient, true);
  }

  update(recipient: RecipientObject): void {
    const before = this.current;
    this.current = recipient;
    this.fill(recipient, before.status !== recipient.status || before.outcome !== recipient.outcome);
    if (before.attempts !== recipient.attempts || before.duration_secs !== recipient.duration_secs) {
      this.fillNumbers(recipient);
    }
  }

  private fill(r: RecipientObject, changed: boolean): void {
    if (!changed) return;
    this.el.dataset.status = r.status;
    replaceChildren(this.cells.status, statusBadge(r.status));
    replaceChildren(
      this.cells.outcome,
      r.outcome === null ? h('span', { class: 'muted' }, '—') : humanize(r.outcome),
      r.error === null ? null : h('span', { class: 'row-note muted' }, r.error),
    );
    this.fillNumbers(r);
    const hasConversation = r.conversation_id !== null || r.status === 'completed';
    if (hasConversation && this.viewButton.parentElement === null)
      this.cells.conversation.append(this.viewButton);
    if (!hasConversation) replaceChildren(this.cells.conversation, h('span', { class: 'muted' }, '—'));
    else this.cells.conversation.querySelector('.muted')?.remove();
  }

  private fillNumbers(r: RecipientObject): void {
    this.cells.attempts.textContent = String(r.attempts);
    this.cells.duration.textContent = formatDuration(r.duration_secs);
  }
}

function openConversation(ctx: AppContext, batchId: string, recipient: RecipientObject): void {
  const { body, dialog } = contentDialog(
    `Conversation with ${maskPhone(recipient.phone)}`,
    loadingEl('the conversation'),
  );
  dialog.setAttribute('data-testid', 'conversation-dialog');
  ctx.api.getConversation(batchId, recipient.id).then(
    (conversation) => replaceChildren(body, conversationView(recipient, conversation)),
    (error: unknown) =>
      replaceChildren(
        body,
        h(
          'p',
          { class: 'muted', role: 'status' },
          error instanceof ApiError && error.status === 404
            ? 'No conversation has been recorded for this call yet.'
            : `The conversation could not be loaded: ${errorMessage(error)}`,
        ),
      ),
  );
}

function conversationView(recipient: RecipientObject, c: ConversationResponse): HTMLElement {
  const collected = Object.entries(c.data_collection);
  return h(
    'div',
    { class: 'conversation' },
    h(
      'p',
      { class: 'muted' },
      recipient.outcome === null ? '' : `${humanize(recipient.outcome)} · `,
      formatDuration(recipient.duration_secs),
      recipient.started_at === null ? '' : ` · ${formatDateTime(recipient.started_at)}`,
    ),
    h('h3', {}, 'Transcript'),
    c.transcript.length === 0
      ? h('p', { class: 'muted' }, 'No transcript.')
      : h(
          'ol',
          { class: 'transcript', 'data-testid': 'transcript' },
          ...c.transcript.map((turn) =>
            h(
              'li',
              { class: `turn turn-${turn.role}` },
              h(
                'span',
                { class: 'turn-role' },
                turn.role === 'agent' ? 'Agent' : turn.role === 'user' ? 'Recipient' : turn.role,
              ),
              h('span', { class: 'turn-time muted' }, formatDuration(turn.time_in_call_secs)),
              h('p', {}, turn.message),
            ),
          ),
        ),
    h('h3', {}, 'Evaluations'),
    c.evaluations.length === 0
      ? h('p', { class: 'muted' }, 'No evaluation criteria.')
      : h(
          'ul',
          { class: 'plain-list' },
          ...c.evaluations.map((e) =>
            h(
              'li',
              {},
              h('strong', {}, e.id),
              ' ',
              statusBadge(e.result),
              h('p', { class: 'muted' }, e.rationale),
            ),
          ),
        ),
    h('h3', {}, 'Collected data'),
    collected.length === 0
      ? h('p', { class: 'muted' }, 'No data collection fields.')
      : h(
          'dl',
          { class: 'facts' },
          ...collected.map(([key, item]) =>
            h(
              'div',
              { class: 'fact' },
              h('dt', {}, key),
              h('dd', {}, item.value === null || item.value === undefined ? '—' : String(item.value)),
            ),
          ),
        ),
    recordingEl(c.recording_url),
  );
}

/**
 * The service only ever answers https recording URLs; checked again here because this is where a
 * `javascript:` URL would run with the API key in reach. Anything else is said, never linked.
 */
function recordingEl(url: string | null): HTMLElement | null {
  if (url === null) return null;
  const safe = httpsRecordingUrl(url);
  if (safe === null)
    return h('p', { class: 'muted', 'data-testid': 'recording' }, 'Recording: not a secure link.');
  return h(
    'p',
    { 'data-testid': 'recording' },
    h('a', { href: safe, target: '_blank', rel: 'noopener noreferrer' }, 'Recording'),
  );
}

function deliveriesTable(
  ctx: AppContext,
  deliveries: WebhookDelivery[],
  reload: () => void,
): HTMLTableElement {
  return h(
    'table',
    { class: 'table', 'data-testid': 'delivery-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Event'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Attempts'),
        h('th', { scope: 'col' }, 'Last attempt'),
        h('th', { scope: 'col' }, 'Next try'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
      ),
    ),
    h(
      'tbody',
      {},
      ...deliveries.map((d) => {
        const last = d.attempts[d.attempts.length - 1];
        const redeliver = h('button', { type: 'button', class: 'button button-small' }, 'Redeliver');
        redeliver.addEventListener('click', () => {
          redeliver.disabled = true;
          ctx.api.redeliver(d.id).then(
            () => {
              toast(`${d.event_type} sent again.`);
              reload();
            },
            (error: unknown) => {
              toast(`Redelivery failed: ${errorMessage(error)}`, 'error');
              redeliver.disabled = false;
            },
          );
        });
        return h(
          'tr',
          { 'data-delivery-id': d.id },
          h('td', {}, d.event_type),
          h('td', {}, statusBadge(d.status)),
          h('td', { class: 'num' }, String(d.attempts.length)),
          h(
            'td',
            {},
            last === undefined
              ? '—'
              : h(
                  'span',
                  {},
                  timeEl(last.at),
                  ' · ',
                  last.status_code === null ? 'no answer' : `HTTP ${last.status_code}`,
                  last.error === null ? '' : ` · ${last.error}`,
                ),
          ),
          h('td', {}, timeEl(d.next_attempt_at)),
          h('td', {}, redeliver),
        );
      }),
    ),
  );
}
