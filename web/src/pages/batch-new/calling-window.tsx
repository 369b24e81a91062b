import { useId, useMemo } from 'preact/hooks';
import { WEEKDAYS, type Weekday } from '../../../../shared/domain/calling-window.ts';
import { bindText } from '../../components/forms.ts';
import { Field } from '../../components/widgets.tsx';
import { CALLING_WINDOW_LIMITS } from '../../../../shared/contracts/campaign.ts';
import { DAY_NAMES, type HoursForm } from '../../lib/campaign.ts';
import { type CampaignState, updateRange } from './campaign-state.ts';
import type { NewBatchState } from './form-state.ts';

/** Every IANA zone the browser knows (UTC first). */
function zoneNames(): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...all.filter((z) => z !== 'UTC')];
}

/** Optional: the local hours (of each recipient, or of one zone) in which calls may start. */
export function CallingWindow({ state }: { state: NewBatchState }) {
  const c = state.campaign;
  const toggleId = useId();
  const zones = useMemo(zoneNames, []);
  const on = c.windowOn.value;
  return (
    <fieldset class="fieldset" data-path="calling_window">
      <legend>Calling window</legend>
      <label for={toggleId} class="toggle">
        <input
          type="checkbox"
          id={toggleId}
          checked={on}
          onChange={(e) => (c.windowOn.value = e.currentTarget.checked)}
        />{' '}
        Call only at certain local hours
      </label>
      <div hidden={!on}>
        <div class="row-gap">
          <Field
            label="Time zone"
            path="calling_window.timezone"
            hint="Each recipient's own comes from their number (or a timezone column)."
          >
            <select name="window_timezone" {...bindText(c.timezone)}>
              <option value="recipient">Each recipient's own</option>
              {zones.map((z) => (
                <option value={z}>{z}</option>
              ))}
            </select>
          </Field>
          <Field
            label="Default time zone"
            path="calling_window.default_timezone"
            hint="For numbers whose zone is unknown."
          >
            <select name="window_default_timezone" {...bindText(c.defaultTimezone)}>
              <option value="">None</option>
              {zones.map((z) => (
                <option value={z}>{z}</option>
              ))}
            </select>
          </Field>
        </div>
        <div data-path="calling_window.hours">
          {c.hours.value.map((range, i) => (
            <HoursRange key={range.key} state={c} range={range} index={i} />
          ))}
          <button
            type="button"
            class="button button-small"
            disabled={c.hours.value.length >= CALLING_WINDOW_LIMITS.hours.max}
            onClick={() => (c.hours.value = [...c.hours.value, c.newRange(['sat'])])}
          >
            Add hours
          </button>
        </div>
        <ExcludedDates state={c} />
      </div>
    </fieldset>
  );
}

function HoursRange({ state, range, index }: { state: CampaignState; range: HoursForm; index: number }) {
  const path = `calling_window.hours[${index}]`;
  const n = index + 1;
  const toggleDay = (day: Weekday, checked: boolean) =>
    updateRange(state, range.key, {
      days: checked ? [...range.days, day] : range.days.filter((d) => d !== day),
    });
  return (
    <div class="item-row hours-range" role="group" aria-label={`Hours ${n}`}>
      <fieldset class="days" data-path={`${path}.days`}>
        <legend>{`Days (hours ${n})`}</legend>
        {WEEKDAYS.map((day) => (
          <label class="check">
            <input
              type="checkbox"
              checked={range.days.includes(day)}
              onChange={(e) => toggleDay(day, e.currentTarget.checked)}
              aria-label={`${DAY_NAMES[day]} (hours ${n})`}
            />
            {DAY_NAMES[day]}
          </label>
        ))}
      </fieldset>
      <Field label={`From (hours ${n})`} path={`${path}.start`}>
        <input
          type="time"
          value={range.start}
          onInput={(e) => updateRange(state, range.key, { start: e.currentTarget.value })}
        />
      </Field>
      <Field label={`Until (hours ${n})`} path={`${path}.end`}>
        <input
          type="time"
          value={range.end}
          onInput={(e) => updateRange(state, range.key, { end: e.currentTarget.value })}
        />
      </Field>
      {state.hours.value.length > 1 ? (
        <button
          type="button"
          class="button button-small"
          onClick={() => (state.hours.value = state.hours.value.filter((r) => r.key !== range.key))}
        >
          Remove<span class="visually-hidden"> hours {n}</span>
        </button>
      ) : null}
    </div>
  );
}

function ExcludedDates({ state }: { state: CampaignState }) {
  const dates = state.excludeDates.value;
  return (
    <div class="field exclude-dates" data-path="calling_window.exclude_dates">
      <p class="hint">Dates without calls (the recipients' local dates).</p>
      {dates.map((date, i) => (
        <div class="row-gap" data-path={`calling_window.exclude_dates[${i}]`}>
          <Field label={`Excluded date ${i + 1}`}>
            <input
              type="date"
              value={date}
              onInput={(e) => {
                const value = e.currentTarget.value;
                state.excludeDates.value = dates.map((d, j) => (j === i ? value : d));
              }}
            />
          </Field>
          <button
            type="button"
            class="button button-small"
            onClick={() => (state.excludeDates.value = dates.filter((_, j) => j !== i))}
          >
            Remove<span class="visually-hidden"> excluded date {i + 1}</span>
          </button>
        </div>
      ))}
      <button
        type="button"
        class="button button-small"
        onClick={() => (state.excludeDates.value = [...dates, ''])}
      >
        Add excluded date
      </button>
    </div>
  );
}
