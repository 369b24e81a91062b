import { useId } from 'preact/hooks';
import { RETRY_LIMITS } from '../../../../shared/domain/retry.ts';
import { bindText } from '../../components/forms.ts';
import { Field } from '../../components/widgets.tsx';
import { RETRY_OUTCOMES, type RetryOutcome } from '../../lib/campaign.ts';
import type { NewBatchState } from './form-state.ts';

const OUTCOME_LABELS: Record<RetryOutcome, string> = {
  no_answer: 'No answer',
  busy: 'Busy',
  voicemail: 'Voicemail',
  failed: 'Failed',
};

/** Optional: call again after a call that did not reach the person, per outcome, after a delay. */
export function Retries({ state }: { state: NewBatchState }) {
  const c = state.campaign;
  const toggleId = useId();
  const on = c.retryOn.value;
  const maxMinutes = RETRY_LIMITS.delaySeconds.max / 60;
  return (
    <fieldset class="fieldset" data-path="retry">
      <legend>Retries</legend>
      <label for={toggleId} class="toggle">
        <input
          type="checkbox"
          id={toggleId}
          checked={on}
          onChange={(e) => (c.retryOn.value = e.currentTarget.checked)}
        />{' '}
        Call again when a call does not reach the person
      </label>
      <div hidden={!on}>
        <Field
          label="Max attempts"
          path="retry.max_attempts"
          hint={`${RETRY_LIMITS.maxAttempts.min}–${RETRY_LIMITS.maxAttempts.max} calls per recipient, the first one included.`}
        >
          <input
            type="number"
            name="retry_max_attempts"
            min={RETRY_LIMITS.maxAttempts.min}
            max={RETRY_LIMITS.maxAttempts.max}
            {...bindText(c.maxAttempts)}
          />
        </Field>
        <p class="hint">
          Retry after (minutes, 1–{maxMinutes.toLocaleString('en-US')}); leave an outcome empty not to retry
          it. Answered calls are never retried.
        </p>
        <div class="row-gap">
          {RETRY_OUTCOMES.map((o) => (
            <Field
              label={`${OUTCOME_LABELS[o]}: retry after (minutes)`}
              path={`retry.rules.${o}.delay_seconds`}
            >
              <input
                type="number"
                name={`retry_${o}_minutes`}
                min={1}
                max={maxMinutes}
                placeholder="no retry"
                {...bindText(c.delayMinutes[o])}
              />
            </Field>
          ))}
        </div>
      </div>
    </fieldset>
  );
}
