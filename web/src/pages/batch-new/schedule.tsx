import { Field } from '../../components/widgets.tsx';
import { scheduleDateBounds, utcLabel, viewerTimeZone } from '../../lib/schedule.ts';
import { useId, useMemo } from 'preact/hooks';
import { bindText } from '../../components/forms.ts';
import type { NewBatchState } from './form-state.ts';

/** Start now, or at a date and time in the viewer's zone, shown back as the UTC instant it means. */
export function Schedule({ state }: { state: NewBatchState }) {
  const toggleId = useId();
  const bounds = useMemo(() => scheduleDateBounds(new Date()), []);
  const on = state.scheduled.value;
  const check = state.scheduleCheck.value;
  return (
    <fieldset class="fieldset">
      <legend>When</legend>
      <label for={toggleId} class="toggle">
        <input
          type="checkbox"
          name="schedule"
          id={toggleId}
          checked={on}
          onChange={(e) => (state.scheduled.value = e.currentTarget.checked)}
        />{' '}
        Schedule for later
      </label>
      <div class="row-gap" hidden={!on} data-path="scheduled_at">
        <Field label="Date">
          <input
            type="date"
            name="scheduled_date"
            min={bounds.min}
            max={bounds.max}
            {...bindText(state.date)}
          />
        </Field>
        <Field label="Time" hint={`Your time zone: ${viewerTimeZone()}`}>
          <input type="time" name="scheduled_time" {...bindText(state.time)} />
        </Field>
      </div>
      <p
        class={check !== null && !check.ok ? 'hint field-error' : 'hint'}
        aria-live="polite"
        data-testid="schedule-info"
        hidden={!on}
      >
        {check === null ? '' : check.ok ? `Starts ${utcLabel(check.iso)}.` : `The time ${check.message}.`}
      </p>
    </fieldset>
  );
}
