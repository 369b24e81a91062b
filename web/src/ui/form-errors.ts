import type { FieldIssue } from '../../../shared/domain/errors.ts';
import { candidatePaths } from '../lib/field-paths.ts';
import { h } from './dom.ts';

/**
 * Shows a list of field issues (from the API's `error.fields` or from the same rules run in the
 * browser) in a form: each message next to the control whose `data-path` matches the issue's path
 * (or its nearest parent), and all of them in a summary at the top whose links move the focus to the
 * field. The controls keep their values: nothing typed is lost.
 */
export interface FormErrorsOptions {
  /** An issue as the summary words it; by default `path: message`. */
  describe?: (issue: FieldIssue) => string;
}

/** One shown issue: where it is marked, its message there, its summary line. */
interface Shown {
  target: HTMLElement | null;
  message: HTMLElement | null;
  item: HTMLElement;
}

export class FormErrors {
  private readonly summary: HTMLElement;
  private marked: HTMLElement[] = [];
  /** The messages this placed: clearing removes these only, never the page's own `.field-error` notes. */
  private messages: HTMLElement[] = [];
  private shown: Shown[] = [];
  private readonly describe: (issue: FieldIssue) => string;
  /** Whether editing a field takes its shown issues away (see `show`). */
  private dismissOnEdit = false;

  constructor(
    private readonly form: HTMLElement,
    options: FormErrorsOptions = {},
  ) {
    this.describe =
      options.describe ??
      ((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`));
    const onEdit = (event: Event) => {
      if (this.dismissOnEdit && event.target instanceof Node) this.dismissAt(event.target);
    };
    form.addEventListener('input', onEdit);
    form.addEventListener('change', onEdit);
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
    for (const el of this.marked) unmark(el);
    this.marked = [];
    for (const msg of this.messages) msg.remove();
    this.messages = [];
    this.shown = [];
  }

  /** Takes away the issues shown at the field holding `control`; the summary goes once it is empty. */
  private dismissAt(control: Node): void {
    const gone = this.shown.filter((s) => s.target !== null && s.target.contains(control));
    if (gone.length === 0) return;
    for (const entry of gone) {
      entry.item.remove();
      entry.message?.remove();
    }
    this.shown = this.shown.filter((s) => !gone.includes(s));
    for (const target of new Set(gone.map((s) => s.target))) {
      if (target === null || this.shown.some((s) => s.target === target)) continue;
      unmark(target);
      this.marked = this.marked.filter((el) => el !== target);
    }
    if (this.shown.length === 0) {
      this.summary.hidden = true;
      this.summary.replaceChildren();
    }
  }

  /**
   * Shows the issues (replacing earlier ones) and moves the focus to the summary. With
   * `dismissOnEdit`, editing a control inside a field that shows an issue takes that issue away (at
   * the field and in the summary): for issues the form cannot check again itself (the service's), as
   * a message about the old value would mislead once the user is fixing it.
   */
  show(
    message: string,
    issues: readonly FieldIssue[],
    options: { focus?: boolean; dismissOnEdit?: boolean } = {},
  ): void {
    this.clear();
    this.dismissOnEdit = options.dismissOnEdit === true;
    const items = issues.map((issue) => {
      const target = this.targetFor(issue.path);
      const text = this.describe(issue);
      const message =
        target === null ? null : this.mark(target, issue.path === target.dataset.path ? issue.message : text);
      const control = target?.querySelector<HTMLElement>('input, select, textarea, button');
      const link = h('a', { href: '#' }, text);
      link.addEventListener('click', (event) => {
        event.preventDefault();
        (control ?? target)?.focus();
        target?.scrollIntoView({ block: 'center' });
      });
      const item = h('li', {}, link);
      this.shown.push({ target, message, item });
      return item;
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

  /** Marks the field and places its message (null when the field already shows that text). */
  private mark(target: HTMLElement, message: string): HTMLElement | null {
    target.classList.add('has-error');
    if (!this.marked.includes(target)) this.marked.push(target);
    // The CSV preview already shows its own row issues in the row; saying it twice adds nothing.
    const shown = [...target.querySelectorAll('.row-issue, .field-error')].some((el) =>
      (el.textContent ?? '').includes(message),
    );
    if (shown) return null;
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
      msg.id = `${control.id || 'ctl'}-error-${this.messages.length}`;
      const described = control.getAttribute('aria-describedby') ?? '';
      if (!described.includes(msg.id))
        control.setAttribute('aria-describedby', `${described} ${msg.id}`.trim());
    }
    return msg;
  }
}

function unmark(el: HTMLElement): void {
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
