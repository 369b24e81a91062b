import type { ApiClient } from './api/client.ts';

/** What every page gets from the shell. */
export interface AppContext {
  api: ApiClient;
  /** Goes to a dashboard route such as `/batches/batch_…` (hash routing: works on any static host). */
  navigate(path: string): void;
}

/** A page draws itself into `main` and answers how to stop (pollers, listeners) when left. */
export type Page = (
  ctx: AppContext,
  main: HTMLElement,
  params: Record<string, string>,
) => (() => void) | void;

/** The page heading gets the focus after navigation, so keyboard and screen-reader users start there. */
export function pageHeading(text: string): HTMLHeadingElement {
  const heading = document.createElement('h1');
  heading.tabIndex = -1;
  heading.textContent = text;
  document.title = `${text} · batch-calls`;
  return heading;
}
