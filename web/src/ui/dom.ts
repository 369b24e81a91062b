/**
 * A tiny element builder for what is not a Preact component (the shell, sign-in, dialogs, the form
 * error summary). Text always goes in as text nodes, never as HTML, so names, variables and
 * transcripts from the API cannot inject markup.
 */

export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, ...children);
  return el;
}

export function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
}

export function append(el: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

let idCounter = 0;
/** A document-unique id for label/aria wiring. */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled form control wrapped with its hint and error slot (`data-path` names its API field). */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  options: { path?: string; hint?: Child } = {},
): HTMLElement {
  if (control.id === '') control.id = uid('f');
  const hintId = `${control.id}-hint`;
  if (options.hint !== undefined && options.hint !== null) control.setAttribute('aria-describedby', hintId);
  const wrapper = h(
    'div',
    { class: 'field', 'data-path': options.path },
    h('label', { for: control.id }, label),
    control,
    options.hint !== undefined && options.hint !== null
      ? h('p', { class: 'hint', id: hintId }, options.hint)
      : null,
  );
  return wrapper;
}
