import { formatDateTime, humanize } from '../lib/format.ts';
import { h } from './dom.ts';

/** Small presentational pieces shared by the pages. */

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status}`, 'data-status': status }, humanize(status));
}

export function progressBar(done: number, total: number, label: string): HTMLElement {
  const pct = total === 0 ? 0 : Math.round((done / total) * 100);
  // Set through the CSSOM: a `style` attribute is an inline style, which the CSP refuses.
  const fill = h('div', { class: 'progress-fill' });
  fill.style.width = `${pct}%`;
  return h(
    'div',
    { class: 'progress-wrap' },
    h(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-label': label,
        'aria-valuemin': 0,
        'aria-valuemax': total,
        'aria-valuenow': done,
        'aria-valuetext': `${done} of ${total} done`,
      },
      fill,
    ),
    h('span', { class: 'progress-text' }, `${done} / ${total}`),
  );
}

/** A time in the viewer's zone, with the exact UTC instant kept machine-readable and on hover. */
export function timeEl(iso: string | null): HTMLElement {
  if (iso === null) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: iso }, formatDateTime(iso));
}

export function loadingEl(what: string): HTMLElement {
  return h('p', { class: 'muted', role: 'status' }, `Loading ${what}…`);
}

export function errorEl(message: string, retry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'notice notice-error', role: 'alert' },
    h('p', {}, message),
    retry === undefined
      ? null
      : h('button', { type: 'button', class: 'button', onclick: () => retry() }, 'Try again'),
  );
}

/** A wide table in a keyboard-scrollable box, so a phone can pan it instead of squashing it. */
export function tableWrap(label: string, table: HTMLTableElement): HTMLElement {
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': label }, table);
}

/** Shows a freshly issued secret once, with a copy button. */
export function secretPanel(secret: string, title: string): HTMLElement {
  const status = h('span', { class: 'muted', role: 'status' });
  const input = h('input', {
    type: 'text',
    readonly: true,
    value: secret,
    class: 'mono secret-value',
    'aria-label': title,
    'data-testid': 'webhook-secret',
  });
  const copy = h('button', { type: 'button', class: 'button' }, 'Copy');
  copy.addEventListener('click', () => {
    input.select();
    navigator.clipboard.writeText(secret).then(
      () => (status.textContent = 'Copied.'),
      () => (status.textContent = 'Copy failed: the secret is selected, press Ctrl+C.'),
    );
  });
  return h(
    'div',
    { class: 'notice notice-secret', role: 'region', 'aria-label': title },
    h('h2', {}, title),
    h('p', {}, 'Store it now: it is shown only this once. Use it to verify the webhook signatures.'),
    h('div', { class: 'secret-row' }, input, copy),
    status,
  );
}
