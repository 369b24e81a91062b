import { h } from './dom.ts';

/**
 * One polite live region for the whole app: screen readers hear "Batch cancelled", "3 of 5 calls
 * done" and the like without the focus moving.
 */
let region: HTMLElement | null = null;

export function mountLiveRegion(parent: HTMLElement): void {
  region = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', id: 'live' });
  parent.append(region);
}

export function announce(message: string): void {
  if (region === null) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  const target = region;
  window.setTimeout(() => {
    target.textContent = message;
  }, 50);
}

/** A short visible notice at the top of the page that also goes to the live region. */
export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  const host = document.getElementById('toasts');
  announce(message);
  if (host === null) return;
  const note = h('div', { class: `toast toast-${kind}` }, message);
  host.append(note);
  window.setTimeout(() => note.remove(), 5000);
}
