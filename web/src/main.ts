// First: before any module builds a zod schema (see the module).
import './zod-without-eval.ts';
import { ApiClient } from './api/client.ts';
import type { AppContext, Page } from './app-context.ts';
import { loadConfig } from './config.ts';
import { agentFormPage } from './pages/agents/agent-form-page.tsx';
import { agentListPage } from './pages/agents/agent-list.tsx';
import { batchDetailPage } from './pages/batch-detail/index.tsx';
import { batchListPage } from './pages/batch-list.tsx';
import { newBatchPage } from './pages/batch-new/index.tsx';
import { phoneNumberFormPage } from './pages/phone-numbers/number-form.tsx';
import { phoneNumberListPage } from './pages/phone-numbers/number-list.tsx';
import { renderSignIn } from './pages/sign-in.ts';
import { suppressionFormPage } from './pages/suppressions/suppression-form.tsx';
import { suppressionListPage } from './pages/suppressions/suppression-list.tsx';
import { forgetApiKey, storedApiKey, storeApiKey } from './session.ts';
import { h } from './ui/dom.ts';
import { mountLiveRegion, toast } from './ui/live.ts';

/**
 * The dashboard shell: sign-in, navigation and a hash router (`#/batches/…`), which needs no
 * server-side rewrites, so any static host (S3 + CloudFront, the local gateway) can serve it.
 */

interface Route {
  pattern: RegExp;
  page: Page;
  section: 'batches' | 'agents' | 'numbers' | 'suppressions';
}

const ROUTES: Route[] = [
  { pattern: /^\/(?:batches)?$/, page: batchListPage, section: 'batches' },
  { pattern: /^\/batches\/new$/, page: newBatchPage, section: 'batches' },
  { pattern: /^\/batches\/(?<id>[^/]+)$/, page: batchDetailPage, section: 'batches' },
  { pattern: /^\/agents$/, page: agentListPage, section: 'agents' },
  { pattern: /^\/agents\/new$/, page: agentFormPage, section: 'agents' },
  { pattern: /^\/agents\/(?<id>[^/]+)$/, page: agentFormPage, section: 'agents' },
  { pattern: /^\/phone-numbers$/, page: phoneNumberListPage, section: 'numbers' },
  { pattern: /^\/phone-numbers\/new$/, page: phoneNumberFormPage, section: 'numbers' },
  { pattern: /^\/suppressions$/, page: suppressionListPage, section: 'suppressions' },
  { pattern: /^\/suppressions\/new$/, page: suppressionFormPage, section: 'suppressions' },
];

const NAV: Array<{ section: Route['section']; href: string; label: string }> = [
  { section: 'batches', href: '#/batches', label: 'Batch calls' },
  { section: 'agents', href: '#/agents', label: 'Agents' },
  { section: 'numbers', href: '#/phone-numbers', label: 'Phone numbers' },
  { section: 'suppressions', href: '#/suppressions', label: 'Suppressions' },
];

function currentPath(): string {
  const hash = window.location.hash.replace(/^#/, '');
  return hash === '' ? '/' : hash;
}

async function boot(): Promise<void> {
  const root = document.getElementById('app');
  if (root === null) return;
  const { apiBaseUrl, eventsBaseUrl } = await loadConfig();

  const main = h('main', { id: 'main', tabindex: -1 });
  const nav = h('nav', { class: 'nav', 'aria-label': 'Main' });
  const signOut = h('button', { type: 'button', class: 'button button-quiet' }, 'Sign out');
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/batches' }, 'batch-calls'),
    nav,
    signOut,
  );
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#main', onclick: skipToMain }, 'Skip to content'),
    header,
    h('div', { id: 'toasts', class: 'toasts' }),
    main,
  );
  mountLiveRegion(root);

  let dispose: (() => void) | undefined;
  let ctx: AppContext | null = null;

  const showSignIn = (notice: string | null) => {
    dispose?.();
    dispose = undefined;
    ctx = null;
    header.hidden = true;
    renderSignIn(
      main,
      apiBaseUrl,
      (key) => {
        storeApiKey(key);
        signIn(key);
      },
      notice,
    );
  };

  const signIn = (key: string) => {
    const api = new ApiClient(
      apiBaseUrl,
      key,
      () => {
        forgetApiKey();
        showSignIn('Your API key is no longer accepted. Paste a valid key.');
      },
      eventsBaseUrl,
    );
    ctx = { api, navigate: (path) => void (window.location.hash = `#${path}`) };
    header.hidden = false;
    route();
  };

  const route = () => {
    if (ctx === null) return;
    dispose?.();
    dispose = undefined;
    const path = currentPath();
    const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m !== null);
    nav.replaceChildren(
      ...NAV.map((item) =>
        h(
          'a',
          { href: item.href, 'aria-current': match?.r.section === item.section ? 'page' : undefined },
          item.label,
        ),
      ),
    );
    main.replaceChildren();
    if (match === undefined || match.m === null) {
      main.append(
        h('h1', { tabindex: -1 }, 'Page not found'),
        h('p', {}, h('a', { href: '#/batches' }, 'Go to batch calls')),
      );
      main.querySelector('h1')?.focus();
      return;
    }
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(match.m.groups ?? {})) params[k] = decodeURIComponent(v);
    window.scrollTo(0, 0);
    dispose = match.r.page(ctx, main, params) ?? undefined;
  };

  signOut.addEventListener('click', () => {
    forgetApiKey();
    showSignIn(null);
    toast('Signed out. The key was removed from this browser.');
  });
  window.addEventListener('hashchange', route);

  const key = storedApiKey();
  if (key === null) showSignIn(null);
  else signIn(key);
}

function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

void boot();
