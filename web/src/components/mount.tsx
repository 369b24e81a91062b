import { type ComponentChild, render } from 'preact';
import type { AppContext, Page } from '../app-context.ts';

/**
 * Turns a Preact view into a shell `Page`: it renders into `main`, and leaving the page unmounts it,
 * which runs every component's effect cleanups (pollers stop, late answers are ignored).
 */
export function mountPage(view: (ctx: AppContext, params: Record<string, string>) => ComponentChild): Page {
  return (ctx, main, params) => {
    render(view(ctx, params), main);
    return () => render(null, main);
  };
}
