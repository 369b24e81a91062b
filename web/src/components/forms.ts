import type { Signal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { FormErrors, type FormErrorsOptions } from '../ui/form-errors.ts';

/** Form plumbing shared by the Preact forms. */

/** `value` and `onInput` of a text control kept in a signal. */
export function bindText(value: Signal<string>) {
  return {
    value: value.value,
    onInput: (event: Event) => {
      value.value = (event.currentTarget as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value;
    },
  };
}

/**
 * The error summary and the messages at the fields (ui/form-errors.ts) of the form `ref` is put on.
 * FormErrors places its own nodes in the form; the rendered controls stay Preact's.
 */
export function useFormErrors(options: FormErrorsOptions = {}) {
  const ref = useRef<HTMLFormElement>(null);
  const errors = useRef<FormErrors | null>(null);
  useEffect(() => {
    if (ref.current !== null) errors.current = new FormErrors(ref.current, options);
  }, []);
  return {
    ref,
    show: (...args: Parameters<FormErrors['show']>) => errors.current?.show(...args),
    clear: () => errors.current?.clear(),
  };
}
