import type { FieldIssue } from '../../../shared/domain/errors.ts';
import { candidatePaths } from '../lib/field-paths.ts';
import { h } from './dom.ts';

/**
 * Shows a list of field issues (from the API's `error.fields` or from the same rules run in the
 * browser) in a form: each message next to the control whose `data-path` matches the issue's path
 * (or its nearest parent), and all of them in a summary at the top whose links move the focus to the
 * field. The controls keep their values: nothing typed is lost.
 */
export class FormErrors {
  private readonly summary: HTMLElement;
  private marked: HTMLElement[] = [];
  /** The messages this placed: clearing removes these only, never the page's own `.field-error` notes. */
  private messages: HTMLElement[] = [];

  constructor(private readonly form: HTMLElement) {
    this.summary = h('div', {
      class: 'error-summary',
      role: 'alert',
      tabindex: -1,
      hidden: true,
      'data-testid': 'error-summary',
    });
    form.prepend(this.summary);
  }

  clear(): void {
    this.summary.hidden = true;
    this.summary.replaceChildren();
    for (const el of this.marked) {
      el.classList.remove('has-error');
      el.querySelectorAll('[aria-invalid]').forEach((c) => {
        c.removeAttribute('aria-invalid');
        const kept = (c.getAttribute('aria-describedby') ?? '')
          .split(' ')
          .filter((id) => id !== '' && !id.includes('-error-'));
        if (kept.length > 0) c.setAttribute('aria-describedby', kept.join(' '));
        else c.removeAttribute('aria-describedby');
      });
    }
    this.marked = [];
    for (const msg of this.messages) msg.remove();
    this.messages = [];
  }

  /** Shows the issues (replacing earlier ones) and moves the focus to the summary. */
  show(message: string, issues: readonly FieldIssue[], options: { focus?: boolean } = {}): void {
    this.clear();
    const items = issues.map((issue) => {
      const target = this.targetFor(issue.path);
      const text = issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
      if (target !== null) this.mark(target, issue.path === target.dataset.path ? issue.message : text);
      const control = target?.querySelector<HTMLElement>('input, select, textarea, button');
      const link = h('a', { href: '#' }, text);
      link.addEventListener('click', (event) => {
        event.preventDefault();
        (control ?? target)?.focus();
        target?.scrollIntoView({ block: 'center' });
      });
      return h('li', {}, link);
    });
    this.summary.append(h('p', { class: 'error-title' }, message));
    if (items.length > 0) this.summary.append(h('ul', {}, ...items));
    this.summary.hidden = false;
    if (options.focus !== false) this.summary.focus();
  }

  private targetFor(path: string): HTMLElement | null {
    for (const candidate of candidatePaths(path)) {
      const el = this.form.querySelector<HTMLElement>(`[data-path="${CSS.escape(candidate)}"]`);
      if (el !== null) return el;
    }
    return null;
  }

  private mark(target: HTMLElement, message: string): void {
    target.classList.add('has-error');
    this.marked.push(target);
    // The CSV preview already shows its own row issues in the row; saying it twice adds nothing.
    const shown = [...target.querySelectorAll('.row-issue, .field-error')].some((el) =>
      (el.textContent ?? '').includes(message),
    );
    if (shown) return;
    const msg = h('p', { class: 'field-error' }, message);
    this.messages.push(msg);
    // A table row cannot hold a <p>: its message goes in the row's own error cell. Any other box
    // (the recipients fieldset around the CSV preview) shows it itself, not in the table's first row.
    const slot =
      target instanceof HTMLTableRowElement ? target.querySelector<HTMLElement>('.row-error-slot') : null;
    if (slot !== null) slot.append(msg);
    else target.append(msg);
    const control = target.querySelector<HTMLElement>('input, select, textarea');
    if (control !== null) {
      control.setAttribute('aria-invalid', 'true');
      msg.id = `${control.id || 'ctl'}-error-${this.marked.length}`;
      const described = control.getAttribute('aria-describedby') ?? '';
      if (!described.includes(msg.id))
        control.setAttribute('aria-describedby', `${described} ${msg.id}`.trim());
    }
  }
}
