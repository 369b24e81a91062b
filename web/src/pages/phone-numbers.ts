import { checkWith } from '../../../shared/contracts/common.ts';
import { createPhoneNumberSchema, PROVIDER_CREDENTIALS } from '../../../shared/contracts/phone-number.ts';
import { PROVIDERS, type Provider } from '../../../shared/domain/phone-number.ts';
import { LIMITS } from '../../../shared/domain/limits.ts';
import { ApiError, errorMessage } from '../api/client.ts';
import { focusHeading, type Page, pageHeading } from '../app-context.ts';
import { field, h, replaceChildren, uid } from '../ui/dom.ts';
import { FormErrors } from '../ui/form-errors.ts';
import { toast } from '../ui/live.ts';

/**
 * Phone numbers: list, add, delete. The API has no update for a number (its provider credentials
 * are write-only), so "editing" one means deleting it and adding it again.
 */

export const phoneNumberFormPage: Page = (ctx, main) => {
  main.append(
    h('p', {}, h('a', { href: '#/phone-numbers' }, '← Phone numbers')),
    pageHeading('Add a phone number'),
  );
  const phone = h('input', {
    type: 'tel',
    name: 'phone_number',
    placeholder: '+14155550100',
    autocomplete: 'off',
  });
  const label = h('input', { type: 'text', name: 'label', maxlength: 200 });
  const provider = h('select', { name: 'provider' }, ...PROVIDERS.map((p) => h('option', { value: p }, p)));
  const outbound = h('input', { type: 'checkbox', name: 'outbound', checked: true, id: uid('ob') });
  const cps = h('input', {
    type: 'number',
    name: 'calls_per_second',
    step: 'any',
    min: LIMITS.callsPerSecond.min,
    max: LIMITS.callsPerSecond.max,
    value: LIMITS.callsPerSecond.default,
  });
  const credentialsBox = h('fieldset', { class: 'fieldset', 'data-path': 'credentials' });
  // Typed credentials survive a provider switch and back.
  const typed = new Map<string, HTMLInputElement>();
  const renderCredentials = () => {
    const keys = PROVIDER_CREDENTIALS[provider.value as Provider];
    credentialsBox.hidden = keys.length === 0;
    replaceChildren(
      credentialsBox,
      h('legend', {}, `${provider.value} credentials`),
      h('p', { class: 'hint' }, 'Write-only: stored in the secret store and never shown again.'),
      ...keys.map(({ key, required }) => {
        const input = typed.get(key) ?? h('input', { type: 'password', name: key, autocomplete: 'off' });
        typed.set(key, input);
        return field(required ? key : `${key} (optional)`, input, { path: `credentials.${key}` });
      }),
    );
  };
  provider.addEventListener('change', renderCredentials);
  renderCredentials();

  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Add number');
  const form = h(
    'form',
    { class: 'form', novalidate: true, 'aria-label': 'Add a phone number' },
    field('Phone number', phone, { path: 'phone_number', hint: 'E.164, e.g. +14155550100.' }),
    field('Label', label, { path: 'label', hint: 'Optional.' }),
    field('Provider', provider, {
      path: 'provider',
      hint: '"simulated" dials a simulated network (local mode).',
    }),
    credentialsBox,
    h(
      'div',
      { class: 'field', 'data-path': 'outbound' },
      h('label', { for: outbound.id, class: 'check' }, outbound, ' Can place outbound calls'),
    ),
    field('Calls per second', cps, { path: 'calls_per_second' }),
    h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/phone-numbers' }, 'Back'), submit),
  );
  const errors = new FormErrors(form);
  main.append(form);
  focusHeading(main);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    const keys = PROVIDER_CREDENTIALS[provider.value as Provider];
    const credentials = Object.fromEntries(
      keys.flatMap(({ key }) => {
        const value = typed.get(key)?.value ?? '';
        return value === '' ? [] : [[key, value]];
      }),
    );
    const request: Record<string, unknown> = {
      phone_number: phone.value,
      label: label.value.trim() === '' ? null : label.value.trim(),
      provider: provider.value,
      outbound: outbound.checked,
      calls_per_second: Number(cps.value),
      ...(keys.length === 0 ? {} : { credentials }),
    };
    const check = checkWith(createPhoneNumberSchema, request);
    if (!check.ok) {
      errors.show(
        `The number cannot be added yet: ${check.issues.length} problem${check.issues.length === 1 ? '' : 's'} to fix.`,
        check.issues,
      );
      return;
    }
    submit.disabled = true;
    ctx.api.createPhoneNumber(request).then(
      () => {
        toast('Number added.');
        ctx.navigate('/phone-numbers');
      },
      (error: unknown) => {
        submit.disabled = false;
        errors.show(
          `The number was not added: ${errorMessage(error)}`,
          error instanceof ApiError ? error.fields : [],
        );
      },
    );
  });
};
