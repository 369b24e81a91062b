import type {
  BatchDetailResponse,
  BatchObject,
  RecipientObject,
} from '../../../../shared/contracts/batch-objects.ts';
import { useSignal } from '@preact/signals';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { lastCalls, pauseText } from '../../lib/campaign.ts';
import { toast } from '../../ui/live.ts';

/**
 * Why a batch is paused and the action that resolves it (contract "Guardrails"): a pause by the user
 * needs only Resume; the failure breaker wants the failed calls looked at first; the spend cap needs
 * a higher cap (a PATCH, allowed only while paused) before Resume; a provider refusing the caller
 * number's credentials needs them fixed on the number first. Resume itself is the page head's button.
 */
export function PauseNote(props: {
  ctx: AppContext;
  detail: BatchDetailResponse;
  onHistory: (r: RecipientObject) => void;
  after: () => void;
}) {
  const { batch } = props.detail;
  const { why, fix } = pauseText(batch.pause_reason);
  return (
    <div
      class="notice notice-paused"
      data-testid="status-note"
      data-pause-reason={batch.pause_reason ?? ''}
      role="region"
      aria-label="Why the batch is paused"
    >
      <p>
        <strong>{why}.</strong> To continue: {fix}.
      </p>
      {batch.pause_reason === 'failure_rate' ? (
        <FailedCalls recipients={props.detail.recipients} batch={batch} onHistory={props.onHistory} />
      ) : null}
      {batch.pause_reason === 'provider_auth' ? (
        <p>
          The provider refused the credentials of the caller number{' '}
          <span class="mono">{batch.phone_number_id}</span>: replace them on{' '}
          <a href="#/phone-numbers">Phone numbers</a>, then resume.
        </p>
      ) : null}
      {batch.pause_reason === 'spend_cap' ? (
        <RaiseCap ctx={props.ctx} batch={batch} after={props.after} />
      ) : null}
    </div>
  );
}

/** The calls whose outcome was `failed` (what the breaker counts), with their errors. */
function FailedCalls(props: {
  batch: BatchObject;
  recipients: RecipientObject[];
  onHistory: (r: RecipientObject) => void;
}) {
  const failed = props.recipients.filter((r) => r.outcome === 'failed');
  const window = props.batch.guardrails;
  return (
    <div data-testid="failed-calls">
      <p>
        {failed.length} {failed.length === 1 ? 'call' : 'calls'} failed
        {window === null || window.max_failure_rate === null
          ? ''
          : ` (the breaker pauses at ${Math.round(window.max_failure_rate * 100)} % of ${lastCalls(window.min_calls)})`}
        . Look at what went wrong before resuming:
      </p>
      <ul class="failed-calls">
        {failed.slice(0, 10).map((r) => (
          <li key={r.id}>
            Row {r.index + 1}: {r.error ?? 'failed'}{' '}
            <button type="button" class="button button-small" onClick={() => props.onHistory(r)}>
              Attempts<span class="visually-hidden"> of row {r.index + 1}</span>
            </button>
          </li>
        ))}
      </ul>
      {failed.length > 10 ? <p class="muted">…and {failed.length - 10} more in the table below.</p> : null}
    </div>
  );
}

/** A higher spend cap (PATCH of the paused batch), then Resume, in one step. */
function RaiseCap(props: { ctx: AppContext; batch: BatchObject; after: () => void }) {
  const current = props.batch.guardrails?.max_call_minutes ?? null;
  const cap = useSignal(current === null ? '' : String(current * 2));
  const problem = useSignal<string | null>(null);
  const busy = useSignal(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const minutes = Number(cap.value.trim());
    if (cap.value.trim() === '' || !Number.isFinite(minutes) || minutes <= 0) {
      problem.value = 'Enter a number of minutes above 0.';
      return;
    }
    if (current !== null && minutes <= current) {
      problem.value = `Enter more than the current cap of ${current.toLocaleString('en-US')} minutes.`;
      return;
    }
    problem.value = null;
    busy.value = true;
    try {
      const guardrails = { ...props.batch.guardrails, max_call_minutes: minutes };
      await props.ctx.api.editBatch(props.batch.id, { guardrails });
    } catch (error) {
      problem.value =
        error instanceof ApiError && error.fields.length > 0
          ? error.fields.map((f) => f.message).join('; ')
          : `The cap was not changed: ${errorMessage(error)}`;
      busy.value = false;
      return;
    }
    busy.value = false;
    await resumeBatch(props.ctx, props.batch.id, props.after);
  };
  return (
    <form class="actions" aria-label="Raise the spend cap" onSubmit={(e) => void submit(e)}>
      <p>
        The batch used its cap of{' '}
        {current === null ? 'call time' : `${current.toLocaleString('en-US')} call minutes`}.
      </p>
      <label>
        New cap (call minutes){' '}
        <input
          type="number"
          name="max_call_minutes"
          min={0}
          step="any"
          value={cap.value}
          aria-invalid={problem.value === null ? undefined : 'true'}
          onInput={(e) => (cap.value = e.currentTarget.value)}
        />
      </label>
      <button type="submit" class="button button-primary" disabled={busy.value}>
        Raise cap and resume
      </button>
      {problem.value === null ? null : (
        <p class="field-error" role="alert">
          {problem.value}
        </p>
      )}
    </form>
  );
}

async function resumeBatch(ctx: AppContext, id: string, after: () => void): Promise<void> {
  try {
    await ctx.api.resumeBatch(id);
    toast('Batch resumed.');
  } catch (error) {
    const refused = error instanceof ApiError && error.code === 'batch_not_resumable';
    toast(
      refused ? 'Only a paused batch can be resumed.' : `That did not work: ${errorMessage(error)}`,
      'error',
    );
  }
  after();
}
