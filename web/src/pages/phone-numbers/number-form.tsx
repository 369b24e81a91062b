import { checkWith } from '../../../../shared/contracts/common.ts';
import { createPhoneNumberSchema, PROVIDER_CREDENTIALS } from '../../../../shared/contracts/phone-number.ts';
import { LIMITS } from '../../../../shared/domain/limits.ts';
import { PROVIDERS, type Provider } from '../../../../shared/domain/phone-number.ts';
import { useSignal } from '@preact/signals';
import { useId } from 'preact/hooks';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { bindText, useFormErrors } from '../../components/forms.ts';
import { problemsTitle } from '../../lib/format.ts';
import { mountPage } from '../../components/mount.tsx';
import { BackLink, PageHeading } from '../../components/page-heading.tsx';
import { Field } from '../../components/widgets.tsx';
import { toast } from '../../ui/live.ts';

/** Adds a number; its provider credentials are write-only (the secret store keeps them). */
export const phoneNumberFormPage = mountPage((ctx) => (
  <>
    <BackLink href="#/phone-numbers" label="Phone numbers" />
    <PageHeading text="Add a phone number" />
    <NumberForm ctx={ctx} />
  </>
));

function NumberForm({ ctx }: { ctx: AppContext }) {
  const phone = useSignal('');
  const label = useSignal('');
  const provider = useSignal<string>(PROVIDERS[0] ?? '');
  const outbound = useSignal(true);
  const cps = useSignal(String(LIMITS.callsPerSecond.default));
  // Typed credentials survive a provider switch and back.
  const credentials = useSignal<Record<string, string>>({});
  const busy = useSignal(false);
  const errors = useFormErrors();
  const outboundId = useId();
  const keys = PROVIDER_CREDENTIALS[provider.value as Provider];

  const submit = (event: Event) => {
    event.preventDefault();
    if (busy.value) return;
    const typed = Object.fromEntries(
      keys.flatMap(({ key }) => {
        const value = credentials.value[key] ?? '';
        return value === '' ? [] : [[key, value]];
      }),
    );
    const request: Record<string, unknown> = {
      phone_number: phone.value,
      label: label.value.trim() === '' ? null : label.value.trim(),
      provider: provider.value,
      outbound: outbound.value,
      calls_per_second: Number(cps.value),
      ...(keys.length === 0 ? {} : { credentials: typed }),
    };
    const check = checkWith(createPhoneNumberSchema, request);
    if (!check.ok) {
      errors.show(problemsTitle('The number cannot be added yet', check.issues.length), check.issues);
      return;
    }
    busy.value = true;
    ctx.api.createPhoneNumber(request).then(
      () => {
        toast('Number added.');
        ctx.navigate('/phone-numbers');
      },
      (error: unknown) => {
        busy.value = false;
        errors.show(
          `The number was not added: ${errorMessage(error)}`,
          error instanceof ApiError ? error.fields : [],
        );
      },
    );
  };

  return (
    <form ref={errors.ref} class="form" noValidate aria-label="Add a phone number" onSubmit={submit}>
      <Field label="Phone number" path="phone_number" hint="E.164, e.g. +14155550100.">
        <input
          type="tel"
          name="phone_number"
          placeholder="+14155550100"
          autocomplete="off"
          {...bindText(phone)}
        />
      </Field>
      <Field label="Label" path="label" hint="Optional.">
        <input type="text" name="label" maxLength={200} {...bindText(label)} />
      </Field>
      <Field label="Provider" path="provider" hint='"simulated" dials a simulated network (local mode).'>
        <select name="provider" {...bindText(provider)}>
          {PROVIDERS.map((p) => (
            <option value={p}>{p}</option>
          ))}
        </select>
      </Field>
      <fieldset class="fieldset" data-path="credentials" hidden={keys.length === 0}>
        <legend>{`${provider.value} credentials`}</legend>
        <p class="hint">Write-only: stored in the secret store and never shown again.</p>
        {keys.map(({ key, required }) => (
          <Field key={key} label={required ? key : `${key} (optional)`} path={`credentials.${key}`}>
            <input
              type="password"
              name={key}
              autocomplete="off"
              value={credentials.value[key] ?? ''}
              onInput={(e) => (credentials.value = { ...credentials.value, [key]: e.currentTarget.value })}
            />
          </Field>
        ))}
      </fieldset>
      <div class="field" data-path="outbound">
        <label for={outboundId} class="check">
          <input
            type="checkbox"
            name="outbound"
            id={outboundId}
            checked={outbound.value}
            onChange={(e) => (outbound.value = e.currentTarget.checked)}
          />{' '}
          Can place outbound calls
        </label>
      </div>
      <Field label="Calls per second" path="calls_per_second">
        <input
          type="number"
          name="calls_per_second"
          step="any"
          min={LIMITS.callsPerSecond.min}
          max={LIMITS.callsPerSecond.max}
          {...bindText(cps)}
        />
      </Field>
      <div class="actions">
        <a class="button" href="#/phone-numbers">
          Back
        </a>
        <button type="submit" class="button button-primary" disabled={busy.value}>
          Add number
        </button>
      </div>
    </form>
  );
}
