import type { RecipientObject } from '../../../../shared/contracts/batch-objects.ts';
import { maskPhone } from '../../../../shared/domain/phone.ts';
import { DataTable, StatusBadge } from '../../components/widgets.tsx';
import { skipReasonText, waitingText } from '../../lib/campaign.ts';
import { formatDuration, humanize } from '../../lib/format.ts';

/**
 * Every recipient of the batch. Rows are keyed by recipient id, so a refresh updates their cells in
 * place: a row (and a focused "View" button in it) stays put while its call goes on.
 */
export function Recipients(props: {
  recipients: RecipientObject[];
  onView: (recipient: RecipientObject) => void;
  onHistory: (recipient: RecipientObject) => void;
}) {
  return (
    <section aria-labelledby="recipients-h">
      <h2 id="recipients-h">Recipients ({props.recipients.length})</h2>
      <DataTable
        label="Recipients"
        testId="recipient-table"
        class="table table-cards"
        columns={['#', 'Phone', 'Variables', 'Status', 'Outcome', 'Attempts', 'Duration', 'Calls']}
      >
        {props.recipients.map((r) => (
          <RecipientRow key={r.id} recipient={r} onView={props.onView} onHistory={props.onHistory} />
        ))}
      </DataTable>
    </section>
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
