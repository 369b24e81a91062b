import { ApiClient, ApiError, errorMessage } from '../api/client.ts';
import { pageHeading } from '../app-context.ts';
import { field, h, uid } from '../ui/dom.ts';
import { FormErrors } from '../ui/form-errors.ts';

/** Paste the API key once; it is checked against the API before it is kept. */
export function renderSignIn(
  main: HTMLElement,
  apiBaseUrl: string,
  onSignedIn: (key: string) => void,
  notice: string | null,
): void {
  const heading = pageHeading('Sign in');
  const key = h('input', {
    type: 'password',
    name: 'api_key',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const show = h('input', { type: 'checkbox', id: uid('show') });
  show.addEventListener('change', () => {
    key.type = show.checked ? 'text' : 'password';
  });
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'form form-narrow', novalidate: true, 'aria-label': 'Sign in' },
    field('API key', key, {
      path: 'api_key',
      hint: '`npm start` prints the local key; `npm run admin -- key create` issues more. It is kept in this browser until you sign out.',
    }),
    h('label', { for: show.id, class: 'check' }, show, ' Show the key'),
    h('div', { class: 'actions' }, submit),
  );
  const errors = new FormErrors(form);
  main.replaceChildren(
    h(
      'div',
      { class: 'sign-in' },
      heading,
      h('p', {}, 'Launch and watch batches of outbound calls. Paste your API key to start.'),
      notice === null ? null : h('p', { class: 'notice', role: 'status' }, notice),
      form,
    ),
  );
  key.focus();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = key.value.trim();
    if (value === '') {
      errors.show('Paste your API key.', [{ path: 'api_key', message: 'is required' }]);
      return;
    }
    submit.disabled = true;
    new ApiClient(apiBaseUrl, value).probe().then(
      () => onSignedIn(value),
      (error: unknown) => {
        submit.disabled = false;
        const message =
          error instanceof ApiError && error.status === 401
            ? 'This key was not accepted: check that it is complete and not revoked.'
            : errorMessage(error);
        errors.show('Could not sign in.', [{ path: 'api_key', message }]);
      },
    );
  });
}
