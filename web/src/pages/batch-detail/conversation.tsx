import type { RecipientObject } from '../../../../shared/contracts/batch-objects.ts';
import { maskPhone } from '../../../../shared/domain/phone.ts';
import { httpsRecordingUrl } from '../../../../shared/domain/recording-url.ts';
import { type ComponentChild, render } from 'preact';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { ConversationResponse } from '../../api/types.ts';
import type { AppContext } from '../../app-context.ts';
import { Loading, StatusBadge } from '../../components/widgets.tsx';
import { formatDateTime, formatDuration, humanize } from '../../lib/format.ts';
import { contentDialog } from '../../ui/dialog.ts';

/** One call's transcript, evaluations, collected data and recording, in a dialog. */
export function openConversation(ctx: AppContext, batchId: string, recipient: RecipientObject): void {
  const { body, dialog } = contentDialog(`Conversation with ${maskPhone(recipient.phone)}`, null);
  dialog.setAttribute('data-testid', 'conversation-dialog');
  // The dialog's body is a small Preact root of its own, unmounted when the dialog closes.
  const show = (view: ComponentChild) => render(view, body);
  dialog.addEventListener('close', () => render(null, body));
  show(<Loading what="the conversation" />);
  ctx.api.getConversation(batchId, recipient.id).then(
    (conversation) => show(<ConversationView recipient={recipient} conversation={conversation} />),
    (error: unknown) =>
      show(
        <p class="muted" role="status">
          {error instanceof ApiError && error.status === 404
            ? 'No conversation has been recorded for this call yet.'
            : `The conversation could not be loaded: ${errorMessage(error)}`}
        </p>,
      ),
  );
}

function ConversationView({
  recipient,
  conversation: c,
}: {
  recipient: RecipientObject;
  conversation: ConversationResponse;
}) {
  const collected = Object.entries(c.data_collection);
  return (
    <div class="conversation">
      <p class="muted">
        {recipient.outcome === null ? '' : `${humanize(recipient.outcome)} · `}
        {formatDuration(recipient.duration_secs)}
        {recipient.started_at === null ? '' : ` · ${formatDateTime(recipient.started_at)}`}
      </p>
      <h3>Transcript</h3>
      {c.transcript.length === 0 ? (
        <p class="muted">No transcript.</p>
      ) : (
        <ol class="transcript" data-testid="transcript">
          {c.transcript.map((turn) => (
            <li class={`turn turn-${turn.role}`}>
              <span class="turn-role">
                {turn.role === 'agent' ? 'Agent' : turn.role === 'user' ? 'Recipient' : turn.role}
              </span>
              <span class="turn-time muted">{formatDuration(turn.time_in_call_secs)}</span>
              <p>{turn.message}</p>
            </li>
          ))}
        </ol>
      )}
      <h3>Evaluations</h3>
      {c.evaluations.length === 0 ? (
        <p class="muted">No evaluation criteria.</p>
      ) : (
        <ul class="plain-list">
          {c.evaluations.map((e) => (
            <li>
              <strong>{e.id}</strong> <StatusBadge status={e.result} />
              <p class="muted">{e.rationale}</p>
            </li>
          ))}
        </ul>
      )}
      <h3>Collected data</h3>
      {collected.length === 0 ? (
        <p class="muted">No data collection fields.</p>
      ) : (
        <dl class="facts">
          {collected.map(([key, item]) => (
            <div class="fact">
              <dt>{key}</dt>
              <dd>{item.value === null || item.value === undefined ? '—' : String(item.value)}</dd>
            </div>
          ))}
        </dl>
      )}
      <Recording url={c.recording_url} />
    </div>
  );
}

/**
 * The service only ever answers https recording URLs; checked again here because this is where a
 * `javascript:` URL would run with the API key in reach. Anything else is said, never linked.
 */
function Recording({ url }: { url: string | null }) {
  if (url === null) return null;
  const safe = httpsRecordingUrl(url);
  if (safe === null)
    return (
      <p class="muted" data-testid="recording">
        Recording: not a secure link.
      </p>
    );
  return (
    <p data-testid="recording">
      <a href={safe} target="_blank" rel="noopener noreferrer">
        Recording
      </a>
    </p>
  );
}
