import type { RecipientObject } from '../../../../shared/contracts/batch-objects.ts';
import { CALL_OUTCOMES, RECIPIENT_STATUSES } from '../../../../shared/domain/recipient.ts';
import { useMemo, useState } from 'preact/hooks';
import type { AppContext } from '../../app-context.ts';
import { DataTable, ErrorNotice, Field } from '../../components/widgets.tsx';
import { humanize } from '../../lib/format.ts';
import { RecipientRow } from './recipient-row.tsx';
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
