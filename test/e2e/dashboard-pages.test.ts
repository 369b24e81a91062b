import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOME_KEYS } from '../../web/src/lib/batch-stats.ts';
import { OUTCOME_COLOURS } from '../../web/src/lib/outcome-colours.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import {
  type Browser,
  openBrowser,
  PHONE,
  type RunningService,
  screenshot,
  startNpmService,
} from './browser.ts';

/**
 * What issue 15 found when the dashboard was tried as a new user would, in a real headless Chromium
 * against `npm start`: a webhook secret issued by an agent update, rotation, the agent and caller
 * number of a batch, the outcome chart's colours and legend, a redelivery's row, and every page on a
 * phone (a mobile browser, which zooms out to fit anything wider than its screen) and a desktop.
 */

let service: RunningService;
let receiver: WebhookReceiver;
let browser: Browser;
let page: Page;
let scratch: string;
let batchId = '';

/** Secrets the receiver verifies signatures with: the ones the dashboard showed. */
const secrets: string[] = [];
/** The receiver answers 500 until the test lets deliveries through. */
let accepting = false;
let rejected = 0;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'batch-calls-e2e-pages-'));
  receiver = await startWebhookReceiver(
    () => secrets,
    () => (accepting ? 204 : 500),
    () => (rejected += 1),
  );
  service = await startNpmService({ SIM_CALL_MS: '1000' });
  browser = await openBrowser();
  page = browser.page;
  page.setDefaultTimeout(15_000);
  await signIn(page);
}, 180_000);

afterEach(() => {
  const violations = browser?.cspViolations.splice(0) ?? [];
  expect(violations, 'Content-Security-Policy violations').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await receiver?.close();
  await rm(scratch, { recursive: true, force: true });
}, 60_000);

async function signIn(p: Page): Promise<void> {
  await p.goto(`${service.baseUrl}/`);
  await p.getByLabel('API key').fill(service.apiKey);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Batch calls' }).waitFor();
}

/** The API as the test's own client. */
async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const res = await fetch(`${service.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${service.apiKey}`,
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  expect(res.ok, `${init.method ?? 'GET'} ${path}: ${res.status}`).toBe(true);
  return (await res.json()) as T;
}

interface Delivery {
  id: string;
  status: string;
  attempts: unknown[];
}

async function deliveries(): Promise<Delivery[]> {
  return (await api<{ deliveries: Delivery[] }>(`/v1/agents/batch-calls/${batchId}/webhook-deliveries`))
    .deliveries;
}

/** How wide the page is against its viewport; a mobile browser widens the viewport to fit the page. */
function pageWidth(p: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return p.evaluate(`({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })`);
}

/**
 * Opens each page named by issue 15 (and the lists beside them), waits for its content and checks
 * that nothing makes it wider than `width`: wide tables scroll inside their own box.
 */
async function expectEveryPageFits(p: Page, width: number, shots: string): Promise<void> {
  const pages: Array<{ hash: string; ready: () => Promise<void> }> = [
    { hash: '#/batches', ready: () => p.getByTestId('batch-table').waitFor() },
    { hash: '#/phone-numbers', ready: () => p.getByTestId('number-table').waitFor() },
    { hash: '#/agents', ready: () => p.getByTestId('agent-table').waitFor() },
    {
      hash: `#/agents/${service.agentId}`,
      ready: () => p.getByLabel('Name', { exact: true }).waitFor(),
    },
    {
      hash: `#/batches/${batchId}`,
      ready: async () => {
        await p.getByTestId('delivery-table').waitFor();
        await p.getByTestId('outcome-chart').waitFor();
      },
    },
  ];
  for (const { hash, ready } of pages) {
    await p.goto(`${service.baseUrl}/${hash}`);
    await ready();
    await expect(pageWidth(p), hash).resolves.toEqual({ scrollWidth: width, innerWidth: width });
    // Each table's box ends inside the screen (a wider table scrolls within it).
    const tableEdges = (await p.evaluate(
      `[...document.querySelectorAll('.table-wrap')].map((el) => el.getBoundingClientRect().right)`,
    )) as number[];
    // Every page here but the agent's form has one.
    if (!hash.startsWith('#/agents/')) expect(tableEdges.length, hash).toBeGreaterThan(0);
    expect(
      tableEdges.filter((right) => right > width),
      hash,
    ).toEqual([]);
  }
  await screenshot(p, `${shots}-batch-detail`);

  // The new-batch form with a CSV preview of many columns, one of its rows refused.
  const csv = join(scratch, 'wide.csv');
  await writeFile(
    csv,
    'phone,first_name,appointment_date,clinic_address,preferred_contact_time,notes_from_last_visit\n' +
      '+14155551234,Alice,May 5th at 2pm,1 Long Street Springfield,weekday mornings,bring the referral letter\n' +
      '415-555-5678,Bob,May 6th at 10am,2 Long Street Springfield,evenings,none\n',
  );
  await p.goto(`${service.baseUrl}/#/batches/new`);
  await p.getByLabel('CSV file').setInputFiles(csv);
  await p.locator('[data-testid=csv-preview] tr[data-line="3"]').waitFor();
  await expect(pageWidth(p), 'new batch with a CSV preview').resolves.toEqual({
    scrollWidth: width,
    innerWidth: width,
  });
  const preview = p.getByTestId('csv-preview').locator('.table-wrap');
  await expect(preview.evaluate((el) => el.getBoundingClientRect().right)).resolves.toBeLessThanOrEqual(
    width,
  );
  await screenshot(p, `${shots}-csv-preview`);
}

/** The conversation dialog, opened from the bottom of a long page, is wholly on the screen. */
async function expectConversationDialogOnScreen(
  p: Page,
  viewport: { width: number; height: number },
  shot: string,
): Promise<void> {
  await p.goto(`${service.baseUrl}/#/batches/${batchId}`);
  await p.getByTestId('delivery-table').waitFor();
  await p.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
  await p.getByRole('button', { name: 'View conversation of recipient 1' }).click();
  const dialog = p.getByTestId('conversation-dialog');
  await dialog.getByTestId('transcript').waitFor();
  // A string, like the other page scripts here: it runs in the browser, not under Node's types.
  const box = (await p.evaluate(`(() => {
    const el = document.querySelector('[data-testid=conversation-dialog]');
    const r = el.getBoundingClientRect();
    const close = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Close');
    const body = el.querySelector('.dialog-body');
    return {
      left: r.left,
      top: r.top,
      right: r.right,
      bottom: r.bottom,
      position: getComputedStyle(el).position,
      closeBottom: close === undefined ? Infinity : close.getBoundingClientRect().bottom,
      bodyScrolls: body === null ? '' : getComputedStyle(body).overflowY,
      fitsAcross: el.scrollWidth <= el.clientWidth,
    };
  })()`)) as {
    left: number;
    top: number;
    right: number;
    bottom: number;
    position: string;
    closeBottom: number;
    bodyScrolls: string;
    fitsAcross: boolean;
  };
  expect(box.position).toBe('fixed');
  expect(box.left).toBeGreaterThanOrEqual(0);
  expect(box.top).toBeGreaterThanOrEqual(0);
  expect(box.right).toBeLessThanOrEqual(viewport.width);
  expect(box.bottom).toBeLessThanOrEqual(viewport.height);
  expect(box.closeBottom).toBeLessThanOrEqual(box.bottom);
  expect(box.bodyScrolls).toBe('auto');
  expect(box.fitsAcross).toBe(true);
  // Centred across the screen.
  expect(Math.abs(box.left - (viewport.width - box.right))).toBeLessThanOrEqual(1);
  await screenshot(p, shot);
  await dialog.getByRole('button', { name: 'Close' }).click();
}

describe('dashboard pages (issue 15)', () => {
  it('shows the secret an agent update issues, and rotates it once the URL is saved', async () => {
    await page.goto(`${service.baseUrl}/#/agents/${service.agentId}`);
    await page.getByLabel('Name', { exact: true }).waitFor();
    const rotate = page.getByRole('button', { name: 'Rotate webhook secret' });
    await expect(rotate.isDisabled()).resolves.toBe(true);

    // A first webhook URL: the update's answer carries the secret, shown at once.
    await page.getByLabel('Webhook URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Save changes' }).click();
    const shown = page.getByTestId('webhook-secret');
    await shown.waitFor();
    const first = await shown.inputValue();
    expect(first).toMatch(/^whsec_/);
    secrets.push(first);
    await screenshot(page, '30-agent-update-secret');

    // Rotate is offered as soon as the URL is saved, without a reload, and shows the new secret.
    await expect(rotate.isEnabled()).resolves.toBe(true);
    await rotate.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
    await expect.poll(() => shown.inputValue()).not.toBe(first);
    const rotated = await shown.inputValue();
    expect(rotated).toMatch(/^whsec_/);
    secrets.push(rotated);

    // Saving again without a URL change issues nothing new: the panel keeps the last secret.
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Agent saved.').first().waitFor();
    await expect(shown.inputValue()).resolves.toBe(rotated);
    expect(browser.pageErrors).toEqual([]);
  }, 60_000);

  it('names the agent and the caller number, and charts each outcome in its own colour', async () => {
    // One recipient per simulated outcome: answered, busy, no answer, failed, voicemail.
    const batch = await api<{ id: string; phone_number_id: string }>('/v1/agents/batch-calls', {
      method: 'POST',
      json: {
        name: 'Every outcome',
        agent_id: service.agentId,
        recipients: ['1234', '0001', '0002', '0003', '0004'].map((last4, i) => ({
          phone: `+1415555${last4}`,
          first_name: `Person ${i + 1}`,
          appointment_date: 'May 5th',
        })),
      },
    });
    batchId = batch.id;
    const agent = await api<{ name: string }>(`/v1/agents/${service.agentId}`);
    const number = await api<{ phone_number: string }>(`/v1/phone-numbers/${batch.phone_number_id}`);

    await page.goto(`${service.baseUrl}/#/batches/${batchId}`);
    await page.locator('.page-head [data-status=completed]').waitFor({ timeout: 30_000 });

    const agentLink = page.getByTestId('batch-agent').getByRole('link', { name: agent.name });
    await expect(agentLink.getAttribute('href')).resolves.toBe(`#/agents/${service.agentId}`);
    await expect(page.getByTestId('batch-caller').innerText()).resolves.toContain(number.phone_number);

    // Every bar has its own colour, the palette's; the legend names each one.
    const fills = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=outcome-chart] g[data-outcome]')].map((g) => [
        g.getAttribute('data-outcome'),
        getComputedStyle(g.querySelector('rect')).fill,
      ])`,
    )) as Array<[string, string]>;
    const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    expect(Object.fromEntries(fills)).toEqual(
      Object.fromEntries(OUTCOME_KEYS.map((k) => [k, rgb(OUTCOME_COLOURS[k])])),
    );
    expect(new Set(fills.map(([, fill]) => fill)).size).toBe(OUTCOME_KEYS.length);
    const legend = page.getByTestId('outcome-legend');
    await expect(legend.locator('li[data-outcome=busy]').innerText()).resolves.toMatch(/^busy\s*1 · 20%$/);
    await expect(legend.locator('li[data-outcome=failed]').innerText()).resolves.toMatch(
      /^failed\s*1 · 20%$/,
    );
    await expect(legend.locator('li').count()).resolves.toBe(OUTCOME_KEYS.length);
    await screenshot(page, '31-batch-agent-number-chart');
    expect(browser.pageErrors).toEqual([]);
  }, 60_000);

  it('refreshes a redelivered row without reloading the page', async () => {
    // The answered and the voicemail call each fire conversation.completed; the receiver refuses
    // both until the automatic schedule waits minutes for the next try.
    await expect
      .poll(async () => (await deliveries()).map((d) => `${d.status}/${d.attempts.length}`), {
        timeout: 30_000,
        interval: 500,
      })
      .toEqual(['retrying/3', 'retrying/3']);
    await page.reload();
    const row = page.locator('[data-testid=delivery-table] tbody tr').first();
    const status = (r: typeof row) => r.locator('.badge').getAttribute('data-status');
    const attempts = (r: typeof row) => r.locator('td.num').innerText();
    await expect(status(row)).resolves.toBe('retrying');
    await expect(attempts(row)).resolves.toBe('3');

    // A reload would drop this mark; the finished batch's page no longer polls by itself.
    await page.evaluate('window.stayed = true');
    accepting = true;
    await row.getByRole('button', { name: /^Redeliver/ }).click();
    await row.locator('[data-status=delivered]').waitFor({ timeout: 15_000 });
    await expect(attempts(row)).resolves.toBe('4');
    await expect(page.evaluate('window.stayed')).resolves.toBe(true);
    // The other row was not redelivered and still waits.
    const other = page.locator('[data-testid=delivery-table] tbody tr').nth(1);
    await expect(status(other)).resolves.toBe('retrying');
    expect(rejected).toBe(0);
    await screenshot(page, '32-redelivered-row');
    expect(browser.pageErrors).toEqual([]);
  }, 60_000);

  it('fits every page and the transcript dialog on a desktop screen', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await expectEveryPageFits(page, 1280, '33-desktop');
    await expectConversationDialogOnScreen(page, { width: 1280, height: 860 }, '34-desktop-dialog');
    expect(browser.pageErrors).toEqual([]);
  }, 90_000);

  it('fits every page and the transcript dialog on a 390-pixel phone', async () => {
    const phone = await openBrowser({ phone: true });
    try {
      await signIn(phone.page);
      phone.page.setDefaultTimeout(15_000);
      await expectEveryPageFits(phone.page, PHONE.width, '35-phone');
      await expectConversationDialogOnScreen(phone.page, PHONE, '36-phone-dialog');
      expect(phone.pageErrors).toEqual([]);
      expect(phone.cspViolations).toEqual([]);
    } finally {
      await phone.close();
    }
  }, 120_000);
});
