import type { ComponentChildren } from 'preact';
import { type Signal, useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { errorMessage } from '../api/client.ts';
import { ErrorNotice, Loading } from './widgets.tsx';

/** What a page fetched: still loading, failed (with the message to show), or there. */
export type Resource<T> =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; value: T };

/**
 * Loads once when mounted (and again when `deps` change or `reload` is called). An answer that
 * arrives after the page was left, or after a newer load started, is dropped. A reload keeps the
 * current view until its answer is in, as a refresh should.
 */
export function useResource<T>(
  load: () => Promise<T>,
  deps: readonly unknown[] = [],
  describe: (error: unknown) => string = errorMessage,
): { resource: Signal<Resource<T>>; reload: () => void } {
  const resource = useSignal<Resource<T>>({ state: 'loading' });
  const generation = useRef(0);
  const run = () => {
    const mine = ++generation.current;
    load().then(
      (value) => {
        if (generation.current === mine) resource.value = { state: 'ready', value };
      },
      (error: unknown) => {
        if (generation.current === mine) resource.value = { state: 'error', message: describe(error) };
      },
    );
  };
  useEffect(() => {
    run();
    // Leaving the page makes every answer still on its way stale.
    return () => void (generation.current += 1);
  }, deps);
  return { resource, reload: run };
}

/** The loading / error-with-retry / loaded shape every fetching page shares. */
export function Loaded<T>(props: {
  resource: Resource<T>;
  what: string;
  retry: () => void;
  children: (value: T) => ComponentChildren;
}) {
  const r = props.resource;
  if (r.state === 'loading') return <Loading what={props.what} />;
  if (r.state === 'error') return <ErrorNotice message={r.message} retry={props.retry} />;
  return <>{props.children(r.value)}</>;
}
