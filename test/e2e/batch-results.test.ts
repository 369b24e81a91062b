import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, screenshot, useDashboardSession } from './browser.ts';

/**
 * A batch's results on the dashboard, in headless Chromium against `npm start` under the CSP: the
 * recipients table paged through the recipient query route with filters and a phone search, the
 * export download (inline, and a large one through its pre-signed redirect), and "Call again".
 */

const session = useDashboardSession({ env: { SIM_CALL_MS: '300' }, timeoutMs: 20_000 });
let service: RunningService;
let page: Page;
beforeAll(() => void ({ service, page } = session));

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${service.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${service.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}: ${res.status}`).toBeLessThan(300);
  return (await res.json()) as T;
}

/** The demo agent's texts use first_name and appointment_date. */
const recipient = (phone: string, i: number) => ({
  phone,
  first_name: `Person ${i}`,
  appointment_date: 'May 5th',
});

const rows = () => page.locator('[data-testid=recipient-table] tbody tr');

const inADay = () => new Date(Date.now() + 86_400_000).toISOString();

/** 55 recipients that wait (scheduled tomorrow): two pages of the table, without placing 55 calls. */
async function scheduledBatch(): Promise<string> {
  const recipients = [
    ...Array.from({ length: 54 }, (_, i) => recipient(`+1415555${1_000 + i}`, i)),
    recipient('+14155560002', 54),
  ];
  const created = await api<{ id: string }>('POST', '/v1/agents/batch-calls', {
    name: 'Waiting',
    agent_id: service.agentId,
    recipients,
    scheduled_at: inADay(),
  });
  return created.id;
}

/** A finished batch: two answer, two do not answer, one fails. */
async function finishedBatch(): Promise<string> {
  const created = await api<{ id: string }>('POST', '/v1/agents/batch-calls', {
    name: 'Results on the dashboard',
    agent_id: service.agentId,
    recipients: [
      recipient('+14155551000', 0),
      recipient('+14155550002', 1),
      recipient('+14155550003', 2),
      recipient('+14155551001', 3),
      recipient('+14155560002', 4),
    ],
  });
  await expect
    .poll(
      async () =>
        (await api<{ batch: { status: string } }>('GET', `/v1/agents/batch-calls/${created.id}`)).batch
          .status,
      { timeout: 90_000, interval: 500 },
    )
    .toBe('completed');
  return created.id;
}

async function signIn(): Promise<void> {
  await page.goto(`${service.baseUrl}/`);
  await page.getByLabel('API key').fill(service.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Batch calls' }).waitFor();
}

describe('batch results on the dashboard', () => {
  it('pages the recipients table and searches it by phone', async () => {
    const batchId = await scheduledBatch();
    await signIn();
    await page.goto(`${service.baseUrl}/#/batches/${batchId}`);

    // Pages of 50 from the recipient query route.
    await page.getByRole('heading', { name: 'Recipients (55)' }).waitFor();
    await expect.poll(() => rows().count()).toBe(50);
    await page.getByRole('button', { name: 'Next →' }).click();
    await expect.poll(() => rows().count()).toBe(5);
    await expect(page.getByTestId('recipient-page').innerText()).resolves.toBe('Page 2');
    await expect(rows().first().getAttribute('data-index')).resolves.toBe('50');
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(() => rows().first().getAttribute('data-index')).toBe('0');

    // Phone search: the last digits, then a "+" prefix; nonsense is refused in the form.
    const search = page.getByRole('searchbox', { name: 'Phone' });
    await search.fill('555-1007');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => rows().count()).toBe(1);
    await expect(rows().first().getAttribute('data-index')).resolves.toBe('7');
    await search.fill('+1415556');
    await page.getByRole('button', { name: 'Find' }).click();
    // The previous search also showed one row: wait for the new one.
    await expect.poll(() => rows().first().getAttribute('data-index')).toBe('54');
    await expect(rows().count()).resolves.toBe(1);
    await search.fill('call me');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByText('Type "+" and the first digits of a number, or its last digits.').waitFor();
    await search.fill('');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => rows().count()).toBe(50);
    // A scheduled batch has nobody to call again.
    await expect(page.getByRole('button', { name: 'Call again' }).count()).resolves.toBe(0);
    await screenshot(page, '30-batch-recipients-paged');
  }, 120_000);

  it('filters a finished batch, downloads its export and calls the failed again', async () => {
    const batchId = await finishedBatch();
    await page.goto(`${service.baseUrl}/#/batches/${batchId}`);
    await page.getByRole('heading', { name: 'Recipients (5)' }).waitFor();
    await expect.poll(() => rows().count()).toBe(5);

    await page.getByRole('combobox', { name: 'Status' }).selectOption('failed');
    await expect.poll(() => rows().count()).toBe(3);
    await page.getByRole('combobox', { name: 'Outcome' }).selectOption('no_answer');
    await expect.poll(() => rows().count()).toBe(2);
    await page.getByRole('combobox', { name: 'Outcome' }).selectOption('voicemail');
    await page.getByTestId('recipients-empty').getByText('No recipient matches these filters.').waitFor();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('');
    await page.getByRole('combobox', { name: 'Outcome' }).selectOption('');
    await expect.poll(() => rows().count()).toBe(5);

    // The export, inline (a small batch).
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`results-on-the-dashboard-${batchId}.csv`);
    const csv = await readFile((await file.path()) ?? '', 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^phone,first_name,appointment_date,status,outcome,/);
    expect(lines[2]).toMatch(/^\+14155550002,Person 1,May 5th,failed,no_answer,/);

    // Call again: the three failed recipients, same agent and variables, after a confirm.
    await page.getByRole('button', { name: 'Call again' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByText(/will call the 3 recipients of this batch that failed or did not answer/)
      .waitFor();
    await screenshot(page, '31-batch-call-again');
    await dialog.getByRole('button', { name: 'Create batch' }).click();
    await page.getByRole('heading', { name: 'Results on the dashboard (call again)' }).waitFor();
    const againId = decodeURIComponent(/#\/batches\/([^/?]+)/.exec(page.url())?.[1] ?? '');
    expect(againId).not.toBe(batchId);
    const again = await api<{
      batch: { agent_id: string };
      recipients: Array<{ phone: string; dynamic_vars: Record<string, unknown> }>;
    }>('GET', `/v1/agents/batch-calls/${againId}`);
    expect(again.batch.agent_id).toBe(service.agentId);
    expect(again.recipients.map((r) => r.phone)).toEqual(['+14155550002', '+14155550003', '+14155560002']);
    expect(again.recipients[0]?.dynamic_vars).toEqual({
      first_name: 'Person 1',
      appointment_date: 'May 5th',
    });
  }, 150_000);

  it('downloads a large export through its pre-signed redirect', async () => {
    // Over the inline limit (512 KiB) with room: the dashboard must follow the redirect to S3.
    const recipients = Array.from({ length: 700 }, (_, i) => ({
      ...recipient(`+1415555${1_000 + i}`, i),
      notes: `${i}:`.padEnd(900, 'x'),
    }));
    const created = await api<{ id: string }>('POST', '/v1/agents/batch-calls', {
      name: 'Large export',
      agent_id: service.agentId,
      recipients,
      scheduled_at: inADay(),
    });
    await page.goto(`${service.baseUrl}/#/batches/${created.id}`);
    await page.getByRole('heading', { name: 'Recipients (700)' }).waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download JSONL' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`large-export-${created.id}.jsonl`);
    const lines = (await readFile((await file.path()) ?? '', 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(700);
    expect(JSON.parse(lines[699] ?? '{}')).toMatchObject({ phone: '+14155551699', status: 'pending' });
  }, 120_000);
});
