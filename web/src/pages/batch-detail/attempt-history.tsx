import type { RecipientObject, RecipientWithHistory } from '../../../../shared/contracts/batch-objects.ts';
import { maskPhone } from '../../../../shared/domain/phone.ts';
import { type ComponentChild, render } from 'preact';
import { errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { DataTable, Loading, Time } from '../../components/widgets.tsx';
import { formatLocalStarted, skipReasonText, waitingText } from '../../lib/campaign.ts';
import { formatDuration, humanize } from '../../lib/format.ts';
import { contentDialog } from '../../ui/dialog.ts';

type Attempt = RecipientWithHistory['attempt_history'][number];

/** Every call attempt of one recipient (`GET …/recipients/{id}`), in a dialog that fits a phone. */
export function openAttemptHistory(ctx: AppContext, batchId: string, recipient: RecipientObject): void {
  const { body, dialog } = contentDialog(`Attempts for ${maskPhone(recipient.phone)}`, null);
  dialog.setAttribute('data-testid', 'history-dialog');
  const show = (view: ComponentChild) => render(view, body);
  dialog.addEventListener('close', () => render(null, body));
  show(<Loading what="the attempt history" />);
  ctx.api.getRecipient(batchId, recipient.id).then(
    (r) => show(<AttemptHistory recipient={r} attempts={r.attempt_history} />),
    (error: unknown) =>
      show(
        <p class="muted" role="status">
          The attempt history could not be loaded: {errorMessage(error)}
        </p>,
      ),
  );
}

function AttemptHistory({ recipient: r, attempts }: { recipient: RecipientObject; attempts: Attempt[] }) {
  const waiting = waitingText(r);
  const zones = Array.isArray(r.timezone) ? r.timezone.join(', ') : r.timezone;
  return (
    <div class="attempt-history">
      <p class="muted">
        {humanize(r.status)}
        {r.status === 'skipped' ? ` (${skipReasonText(r.skip_reason)})` : ''}
        {waiting === null ? '' : ` · ${waiting}`} · time zone {zones}
      </p>
      {attempts.length === 0 ? (
        <p class="muted">No call has been placed yet.</p>
      ) : (
        <DataTable
          label="Attempts"
          testId="attempt-table"
          class="table table-cards"
          columns={['Attempt', 'Started', 'Outcome', 'Duration', 'Error']}
        >
          {attempts.map((a) => (
            <tr data-attempt={a.attempt}>
              <th scope="row">{`#${a.attempt}`}</th>
              <td data-label="Started">
                <span class="stack">
                  <Time iso={a.started_at} />
                  <span class="muted" data-testid="local-started">
                    {`their time: ${formatLocalStarted(a.local_started_at, a.timezone)}`}
                  </span>
                </span>
              </td>
              <td data-label="Outcome">{humanize(a.outcome)}</td>
              <td class="num" data-label="Duration">
                {formatDuration(a.duration_secs)}
              </td>
              <td data-label="Error">{a.error ?? <span class="muted">—</span>}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
