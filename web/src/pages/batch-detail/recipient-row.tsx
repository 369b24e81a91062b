import type { RecipientObject } from '../../../../shared/contracts/batch-objects.ts';
import { maskPhone } from '../../../../shared/domain/phone.ts';
import { StatusBadge } from '../../components/widgets.tsx';
import { skipReasonText, waitingText } from '../../lib/campaign.ts';
import { formatDuration, humanize } from '../../lib/format.ts';

/**
 * One recipient in the recipients table (recipients.tsx): its masked phone, variables, status with
 * why it was skipped or what it waits for, outcome, attempts, duration, and the buttons to its
 * conversation and its call history. Each cell carries `data-label` for the narrow-screen card layout.
 */
export function RecipientRow({
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
