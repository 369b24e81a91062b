import { useId } from 'preact/hooks';
import { GUARDRAIL_LIMITS } from '../../../../shared/domain/guardrails.ts';
import { bindText } from '../../components/forms.ts';
import { Field } from '../../components/widgets.tsx';
import type { NewBatchState } from './form-state.ts';

/**
 * Optional: the failure breaker and the spend cap (contract "Guardrails"). Either one pauses the
 * batch when it trips; the batch detail then says why and what resolves it.
 */
export function Guardrails({ state }: { state: NewBatchState }) {
  const c = state.campaign;
  const toggleId = useId();
  const on = c.guardOn.value;
  const { min, max, default: minCallsDefault } = GUARDRAIL_LIMITS.minCalls;
  return (
    <fieldset class="fieldset" data-path="guardrails">
      <legend>Guardrails</legend>
      <label for={toggleId} class="toggle">
        <input
          type="checkbox"
          id={toggleId}
          checked={on}
          onChange={(e) => (c.guardOn.value = e.currentTarget.checked)}
        />{' '}
        Pause the batch when too many calls fail or it has used its call time
      </label>
      <div hidden={!on}>
        <p class="hint">Leave a field empty for no limit of that kind.</p>
        <div class="row-gap">
          <Field
            label="Pause when failed calls reach (%)"
            path="guardrails.max_failure_rate"
            hint="Share of failed calls among the last ones (busy, no answer and voicemail do not count)."
          >
            <input
              type="number"
              name="guardrails_failure_percent"
              min={1}
              max={100}
              placeholder="no breaker"
              {...bindText(c.failurePercent)}
            />
          </Field>
          <Field
            label="Among the last (calls)"
            path="guardrails.min_calls"
            hint={`${min}–${max.toLocaleString('en-US')}; the breaker waits for this many ended calls.`}
          >
            <input
              type="number"
              name="guardrails_min_calls"
              min={min}
              max={max}
              placeholder={String(minCallsDefault)}
              {...bindText(c.minCalls)}
            />
          </Field>
          <Field
            label="Spend cap (call minutes)"
            path="guardrails.max_call_minutes"
            hint="Summed call time of the batch; fractions allowed."
          >
            <input
              type="number"
              name="guardrails_max_call_minutes"
              min={0}
              step="any"
              placeholder="no cap"
              {...bindText(c.maxCallMinutes)}
            />
          </Field>
        </div>
      </div>
    </fieldset>
  );
}
