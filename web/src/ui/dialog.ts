import { h, type Child } from './dom.ts';

/**
 * Modal dialogs on the native <dialog> element: it traps focus, closes on Escape and gives the
 * focus back to the control that opened it.
 */

function openModal(dialog: HTMLDialogElement): void {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  document.body.append(dialog);
  dialog.addEventListener('close', () => {
    dialog.remove();
    opener?.focus();
  });
  dialog.showModal();
}

/** Asks a yes/no question; resolves true only when the confirming button was pressed. */
export function confirmDialog(options: {
  title: string;
  message: Child;
  confirmLabel: string;
  cancelLabel?: string;
  danger?: boolean;
}): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = 'confirm-title';
    const cancel = h('button', { type: 'button', class: 'button' }, options.cancelLabel ?? 'Keep it');
    const confirm = h(
      'button',
      { type: 'button', class: options.danger === true ? 'button button-danger' : 'button button-primary' },
      options.confirmLabel,
    );
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, options.title),
      h('div', { class: 'dialog-body' }, options.message),
      h('div', { class: 'actions' }, cancel, confirm),
    );
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => resolve(answer));
    openModal(dialog);
    // The safe choice has the focus, so Enter does not confirm by accident.
    cancel.focus();
  });
}

/** A dialog showing content with a Close button; returns the body element to fill in later. */
export function contentDialog(
  title: string,
  content: Child,
): { dialog: HTMLDialogElement; body: HTMLElement } {
  const titleId = 'content-dialog-title';
  const close = h('button', { type: 'button', class: 'button' }, 'Close');
  const body = h('div', { class: 'dialog-body' }, content);
  const dialog = h(
    'dialog',
    { class: 'dialog dialog-wide', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, title),
    body,
    h('div', { class: 'actions' }, close),
  );
  close.addEventListener('click', () => dialog.close());
  openModal(dialog);
  close.focus();
  return { dialog, body };
}
