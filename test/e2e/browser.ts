import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { freePort } from '#infra/local/emulators/dynamodb-local.ts';

/**
 * What the dashboard's end-to-end tests run on: `npm start` as a user runs it (it builds the
 * dashboard, then serves it and the API on one port), on a temporary DATA_DIR, and Debian's headless
 * Chromium driven by playwright-core.
 */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';

const READY = 'Press Ctrl-C to stop.';

export interface RunningService {
  baseUrl: string;
  apiKey: string;
  agentId: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `npm start` in its own process group and waits for its banner. */
export async function startNpmService(env: Record<string, string> = {}): Promise<RunningService> {
  const dataDir = await mkdtemp(join(tmpdir(), 'batch-calls-e2e-'));
  const port = await freePort();
  const apiKey = `bck_e2e_${randomBytes(12).toString('hex')}`;
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      PORT: String(port),
      DATA_DIR: dataDir,
      BATCH_CALLS_API_KEY: apiKey,
      ...env,
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));

  const stop = async () => {
    if (alive && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGINT');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        if (alive && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 120_000;
  while (!output.includes(READY)) {
    if (!alive || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const agentId = /Demo agent id:\s+(\S+)/.exec(output)?.[1];
  if (agentId === undefined) {
    await stop();
    throw new Error(`npm start printed no demo agent:\n${output}`);
  }
  return { baseUrl: `http://127.0.0.1:${port}`, apiKey, agentId, output: () => output, stop };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page: a test may assert there were none. */
  pageErrors: string[];
  /**
   * What the Content-Security-Policy refused, in any page of the context: `securitypolicyviolation`
   * events and the console's "Refused to …" errors (which also cover frame-ancestors, whose event
   * never reaches the framed page). The dashboard must cause none.
   */
  cspViolations: string[];
  close(): Promise<void>;
}

/** A phone's screen as mobile Chromium lays it out: content wider than it widens the page's viewport. */
export const PHONE = { width: 390, height: 844 };

/**
 * Headless Chromium with a fresh profile, in the viewer time zone given; `phone` emulates a mobile
 * browser with a 390 × 844 screen (a desktop window sized so does not zoom out to fit wide content).
 */
export async function openBrowser(options: { timezoneId?: string; phone?: boolean } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'batch-calls-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
    viewport: options.phone === true ? PHONE : { width: 1280, height: 860 },
    ...(options.phone === true ? { isMobile: true, hasTouch: true, deviceScaleFactor: 3 } : {}),
    acceptDownloads: true,
    timezoneId: options.timezoneId,
    locale: 'en-US',
  });
  const cspViolations: string[] = [];
  // Bindings and init scripts are installed by the DevTools protocol, which the page's CSP does not
  // govern, so they work under the policy they watch.
  await context.exposeBinding('__e2eCspViolation', (_source, text: string) => {
    cspViolations.push(text);
  });
  // A string, like the page scripts of the tests: they run in the browser, not under Node's types.
  await context.addInitScript(`
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__e2eCspViolation(
        event.effectiveDirective + ' refused ' + (event.blockedURI || 'inline') +
          ' (' + event.sourceFile + ':' + event.lineNumber + ')',
      );
    });
  `);
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      cspViolations.push(`console: ${message.text()}`);
    }
  });
  return {
    context,
    page,
    pageErrors,
    cspViolations,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

export interface DashboardSession {
  service: RunningService;
  browser: Browser;
  page: Page;
  /** A temporary directory for the file's own files (removed afterwards). */
  scratch: string;
}

/**
 * A test file's `npm start` and Chromium: started before its tests (fields filled in then), stopped
 * after them, and every test fails on anything the dashboard's Content-Security-Policy refused.
 */
export function useDashboardSession(
  options: { env?: Record<string, string>; timezoneId?: string; timeoutMs?: number } = {},
): DashboardSession {
  const session = {} as DashboardSession;
  beforeAll(async () => {
    session.scratch = await mkdtemp(join(tmpdir(), 'batch-calls-e2e-'));
    session.service = await startNpmService(options.env);
    session.browser = await openBrowser(options.timezoneId ? { timezoneId: options.timezoneId } : {});
    session.page = session.browser.page;
    session.page.setDefaultTimeout(options.timeoutMs ?? 15_000);
  }, 180_000);
  afterEach(() => {
    const violations = session.browser?.cspViolations.splice(0) ?? [];
    expect(violations, 'Content-Security-Policy violations').toEqual([]);
  });
  afterAll(async () => {
    await session.browser?.close();
    await session.service?.stop();
    if (session.scratch) await rm(session.scratch, { recursive: true, force: true });
  }, 60_000);
  return session;
}
