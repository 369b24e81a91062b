import type { RecipientObject } from '../../../../shared/contracts/batch-objects.ts';
import { CALL_OUTCOMES, RECIPIENT_STATUSES } from '../../../../shared/domain/recipient.ts';
import { maskPhone } from '../../../../shared/domain/phone.ts';
import { useMemo, useState } from 'preact/hooks';
import type { AppContext } from '../../app-context.ts';
import { DataTable, ErrorNotice, Field, StatusBadge } from '../../components/widgets.tsx';
import { skipReasonText, waitingText } from '../../lib/campaign.ts';
import { formatDuration, humanize } from '../../lib/format.ts';
import { phoneQuery, useRecipientPages, type RecipientPages } from './use-recipient-pages.ts';

/**
 * The batch's recipients a page at a time (the recipient query route), filtered by status and
 * outcome and searched by phone. Rows are keyed by recipient id, so a refresh updates their cells in
 * place: a row (and a focused "View" button in it) stays put while its call goes on.
 */
export function Recipients(props: {
  ctx: AppContext;
  batchId: string;
  total: number;
  /** Changes when the batch's status or counts move: the page is fetched again. */
  refreshKey: string;
  /**
   * The recipients as the live event stream (or the polling fallback) keeps them: a row shows its
   * recipient from here when present, so it follows every event at once instead of waiting for its
   * page to be fetched again (events can come several in one tick).
   */
  latest?: readonly RecipientObject[];
  onView: (recipient: RecipientObject) => void;
  onHistory: (recipient: RecipientObject) => void;
}) {
  const pages = useRecipientPages(props.ctx, props.batchId, props.refreshKey);
  const latest = useMemo(() => new Map((props.latest ?? []).map((r) => [r.id, r])), [props.latest]);
  const rows = pages.rows?.map((r) => latest.get(r.id) ?? r) ?? null;
  const filtered = pages.filters.status !== '' || pages.filters.outcome !== '' || pages.filters.phone !== '';
  return (
    <section aria-labelledby="recipients-h">
      <h2 id="recipients-h">Recipients ({props.total})</h2>
      <RecipientFilterForm pages={pages} />
      {pages.failure !== null && pages.rows === null ? <ErrorNotice message={pages.failure} /> : null}
      {pages.rows !== null && pages.rows.length === 0 && !pages.loading ? (
        <p class="empty" data-testid="recipients-empty">
          {filtered ? 'No recipient matches these filters.' : 'This batch has no recipients.'}
        </p>
      ) : null}
      {rows === null || rows.length === 0 ? null : (
        <DataTable
          label="Recipients"
          testId="recipient-table"
          class="table table-cards"
          columns={['#', 'Phone', 'Variables', 'Status', 'Outcome', 'Attempts', 'Duration', 'Calls']}
        >
          {rows.map((r) => (
            <RecipientRow key={r.id} recipient={r} onView={props.onView} onHistory={props.onHistory} />
          ))}
        </DataTable>
      )}
      {pages.pageNumber === 1 && !pages.hasMore ? null : (
        <nav class="pager" aria-label="Recipient pages">
          <button type="button" class="button" disabled={pages.pageNumber === 1} onClick={pages.previous}>
            ← Previous
          </button>
          <span class="muted" data-testid="recipient-page">
            Page {pages.pageNumber}
          </span>
          <button type="button" class="button" disabled={!pages.hasMore} onClick={pages.next}>
            Next →
          </button>
        </nav>
      )}
    </section>
  );
}

function RecipientFilterForm({ pages }: { pages: RecipientPages }) {
  const [typed, setTyped] = useState(pages.filters.phone);
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const search = (event: Event) => {
    event.preventDefault();
    if (phoneQuery(typed) === null) {
      setPhoneError('Type "+" and the first digits of a number, or its last digits.');
      return;
    }
    setPhoneError(null);
    pages.setFilters({ ...pages.filters, phone: typed });
  };
  return (
    <form class="actions" role="search" aria-label="Filter recipients" onSubmit={search}>
      <Field label="Status">
        <select
          name="status"
          value={pages.filters.status}
          onChange={(e) => pages.setFilters({ ...pages.filters, status: e.currentTarget.value })}
        >
          <option value="">Any status</option>
          {RECIPIENT_STATUSES.map((s) => (
            <option value={s}>{humanize(s)}</option>
          ))}
        </select>
      </Field>
      <Field label="Outcome">
        <select
          name="outcome"
          value={pages.filters.outcome}
          onChange={(e) => pages.setFilters({ ...pages.filters, outcome: e.currentTarget.value })}
        >
          <option value="">Any outcome</option>
          {CALL_OUTCOMES.map((o) => (
            <option value={o}>{humanize(o)}</option>
          ))}
        </select>
      </Field>
      <Field
        label="Phone"
        hint={phoneError ?? '"+1415…" finds numbers starting so; digits alone find a number\'s last digits.'}
      >
        <input
          type="search"
          name="phone"
          autocomplete="off"
          aria-invalid={phoneError !== null}
          value={typed}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
      </Field>
      <button type="submit" class="button">
        Find
      </button>
    </form>
  );
}

function RecipientRow({
  recipient: r,
  onView,
  onHistory,
}: {
  recipient: RecipientObject;
  onView: (r: RecipientObject) => void;
  onHistory: (r: RecipientObject) => void;
}) {
  const vars = Object.entries(r.dynamic_vars);
  const hasConversation = r.conversation_id !== null || r.status === 'completed';
  const waiting = waitingText(r);
  return (
    <tr data-recipient-id={r.id} data-index={r.index} data-status={r.status}>
      <th scope="row">{String(r.index + 1)}</th>
      <td class="mono" data-label="Phone">
        {maskPhone(r.phone)}
      </td>
      <td class="vars" data-label="Variables">
        {vars.length === 0 ? (
          <span class="muted">—</span>
        ) : (
          <ul class="var-list">
            {vars.map(([k, v]) => (
              <li>
                <span class="var-key">{k}</span> {String(v)}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td data-label="Status">
        <span class="stack">
          <StatusBadge status={r.status} />
          {r.status === 'skipped' ? (
            <span class="row-note muted" data-testid="skip-reason">
              {skipReasonText(r.skip_reason)}
            </span>
          ) : null}
          {waiting === null ? null : (
            <span class="row-note muted" data-testid="waiting">
              {waiting}
            </span>
          )}
        </span>
      </td>
      <td data-label="Outcome">
        {r.outcome === null ? <span class="muted">—</span> : humanize(r.outcome)}
        {r.error === null ? null : <span class="row-note muted">{r.error}</span>}
      </td>
      <td class="num" data-label="Attempts">
        {String(r.attempts)}
      </td>
      <td class="num" data-label="Duration">
        {formatDuration(r.duration_secs)}
      </td>
      <td data-label="Calls">
        <span class="row-actions">
          {hasConversation ? (
            <button type="button" class="button button-small" onClick={() => onView(r)}>
              View<span class="visually-hidden"> conversation of recipient {r.index + 1}</span>
            </button>
          ) : null}
          {r.attempts > 0 ? (
            <button type="button" class="button button-small" onClick={() => onHistory(r)}>
              History<span class="visually-hidden"> of recipient {r.index + 1}</span>
            </button>
          ) : null}
          {!hasConversation && r.attempts === 0 ? <span class="muted">—</span> : null}
        </span>
      </td>
    </tr>
  );
}
