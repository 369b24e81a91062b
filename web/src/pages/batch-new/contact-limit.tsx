import { useId } from 'preact/hooks';
import { CONTACT_LIMITS } from '../../../../shared/domain/contact-limit.ts';
import { bindText } from '../../components/forms.ts';
import { Field } from '../../components/widgets.tsx';
import type { NewBatchState } from './form-state.ts';

/**
 * Optional: the contact limit across batches (contract "Contact limit across batches"): a phone of
 * this batch is called only while it has had fewer than that many attempts, in any of the
 * workspace's batches, in the rolling window; a call over it waits. Preflight counts the phones it
 * holds back now.
 */
export function ContactLimit({ state }: { state: NewBatchState }) {
  const c = state.campaign;
  const toggleId = useId();
  const { maxAttempts, windowHours } = CONTACT_LIMITS;
  return (
    <fieldset class="fieldset" data-path="contact_limit">
      <legend>Contact limit</legend>
      <label for={toggleId} class="toggle">
        <input
          type="checkbox"
          id={toggleId}
          checked={c.contactOn.value}
          onChange={(e) => (c.contactOn.value = e.currentTarget.checked)}
        />{' '}
        Limit how often one phone is called, across all batches
      </label>
      <div hidden={!c.contactOn.value}>
        <div class="row-gap">
          <Field
            label="At most (calls)"
            path="contact_limit.max_attempts"
            hint={`${maxAttempts.min}–${maxAttempts.max} attempts per phone, retries included.`}
          >
            <input
              type="number"
              name="contact_limit_max_attempts"
              min={maxAttempts.min}
              max={maxAttempts.max}
              {...bindText(c.contactMaxAttempts)}
            />
          </Field>
          <Field
            label="In any (hours)"
            path="contact_limit.window_hours"
            hint={`${windowHours.min}–${windowHours.max} hours, a rolling window.`}
          >
            <input
              type="number"
              name="contact_limit_window_hours"
              min={windowHours.min}
              max={windowHours.max}
              {...bindText(c.contactWindowHours)}
            />
          </Field>
        </div>
      </div>
    </fieldset>
  );
}
