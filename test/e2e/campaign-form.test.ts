import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type RunningService, screenshot, useDashboardSession } from './browser.ts';

/**
 * Issue 14's dashboard in a real headless Chromium against `npm start`: the new-batch form's live
 * preflight report, its guardrail and duplicates fields, error wording (issue 15), a paused batch's
 * reason with the action that resolves it, and an opt-out's conversation on the suppressions page.
 * One service and one browser; the tests run in order, as one user's session would.
 */

const session = useDashboardSession({
  // Short calls: the spend cap below is reached by the first one.
  env: { SIM_CALL_MS: '1500' },
  timezoneId: 'Europe/Paris',
});
let service: RunningService;
let browser: Browser;
let page: Page;
let scratch: string;
beforeAll(() => void ({ service, browser, page, scratch } = session));

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${service.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${service.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

interface Batch {
  id: string;
  status: string;
  pause_reason: string | null;
  duplicates: string;
  guardrails: { max_failure_rate: number | null; min_calls: number; max_call_minutes: number | null } | null;
  contact_limit: { max_attempts: number; window_hours: number } | null;
  counts: Record<string, number>;
}

async function waitForBatch(id: string, done: (b: Batch) => boolean, timeoutMs = 30_000): Promise<Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<{ batch: Batch }>('GET', `/v1/agents/batch-calls/${id}`);
    if (done(body.batch)) return body.batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} stayed ${JSON.stringify(body.batch)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Fills one typed recipient row (1-based, as the form labels them). */
async function fillRow(n: number, phone: string, firstName: string, date: string): Promise<void> {
  await page.getByLabel(`Phone of recipient ${n}`).fill(phone);
  await page.getByLabel(`first_name of recipient ${n}`).fill(firstName);
  await page.getByLabel(`appointment_date of recipient ${n}`).fill(date);
}

describe('campaign controls in the dashboard', () => {
  it('signs in', async () => {
    await page.goto(`${service.baseUrl}/`);
    await page.getByLabel('API key').fill(service.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Batch calls' }).waitFor();
  }, 30_000);

  it('names a bad row as a person reads it, and takes the message away once it is fixed', async () => {
    await page.goto(`${service.baseUrl}/#/batches/new`);
    await page.getByLabel('Name', { exact: true }).fill('Wording');
    await page.getByLabel('Agent', { exact: true }).selectOption(service.agentId);
    await page.getByLabel('Add by hand').check();
    await fillRow(1, '+14155551234', 'Alice', 'May 5th');
    await page.getByRole('button', { name: 'Add recipient' }).click();
    await fillRow(2, '415-555', 'Bob', 'May 6th');
    await page.getByRole('button', { name: 'Start batch' }).click();
    const summary = page.getByTestId('error-summary');
    await summary.getByText(/^row 2, phone: /).waitFor();
    expect(await summary.innerText()).not.toContain('recipients[');
    await screenshot(page, '30-new-batch-row-wording');

    // Fixing the phone takes its message away at once, without another submit.
    await page.getByLabel('Phone of recipient 2').fill('+14155555678');
    await summary.waitFor({ state: 'hidden' });
    await expect(page.locator('[data-path="recipients[1].phone"] .field-error').count()).resolves.toBe(0);
    const batches = await api<{ batches: unknown[] }>('GET', '/v1/agents/batch-calls');
    expect(batches.body.batches).toEqual([]);
  }, 60_000);

  it('shows the preflight report while editing, skips invalid rows, and sends guardrails', async () => {
    // A fresh form: the previous test left this very page filled in.
    await page.goto(`${service.baseUrl}/#/batches/new`);
    await page.reload();
    const report = page.getByTestId('preflight-report');
    await report.getByText('Choose an agent and add recipients').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Guarded reminders');
    await page.getByLabel('Agent', { exact: true }).selectOption(service.agentId);
    await page.getByLabel('Add by hand').check();
    await fillRow(1, '+14155551234', 'Alice', 'May 5th at 2pm');

    // The report follows the form: one callable recipient, and its first message.
    await report.getByTestId('preflight-counts').getByText('1 of 1 recipients would be called').waitFor();
    await report
      .getByTestId('preflight-preview')
      .getByText(/Hi Alice, .*May 5th at 2pm/)
      .waitFor();
    await report.getByTestId('preflight-estimate').waitFor();
    await report.getByTestId('preflight-timezones').getByText('America/Los_Angeles: 1').waitFor();

    // Two bad phones: one group naming both rows, before anything is created.
    await page.getByRole('button', { name: 'Add recipient' }).click();
    await fillRow(2, '12', 'Bob', 'May 6th');
    await page.getByRole('button', { name: 'Add recipient' }).click();
    await fillRow(3, '34', 'Carol', 'May 7th');
    const errors = report.getByTestId('preflight-errors');
    await errors.getByText(/^phone: .* — rows 2, 3$/).waitFor();
    await screenshot(page, '31-new-batch-preflight-errors');
    await report.getByRole('button', { name: 'Skip invalid rows' }).click();
    await errors.waitFor({ state: 'detached' });
    await expect(page.getByLabel('Phone of recipient 2').count()).resolves.toBe(0);
    await report.getByText('Ready: the service would accept this batch.').waitFor();

    // A second row for Bob, and the same phone again: with "skip", the report counts the duplicate.
    await page.getByRole('button', { name: 'Add recipient' }).click();
    await fillRow(2, '+14155555678', 'Bob', 'May 6th at 10am');
    await page.getByRole('button', { name: 'Add recipient' }).click();
    await fillRow(3, '+14155551234', 'Alice again', 'May 7th');
    await report.getByText('3 of 3 recipients would be called').waitFor();
    await page.getByLabel('Call the first row, skip the others').check();
    await report.getByText('2 of 3 recipients would be called; skipped: 1 duplicate').waitFor();

    // Guardrails: a spend cap the first 1.5 s call reaches; one call at a time.
    await page.getByLabel('Pause the batch when too many calls fail').check();
    await page.getByLabel('Pause when failed calls reach (%)').fill('50');
    await page.getByLabel('Among the last (calls)').fill('4');
    await page.getByLabel('Spend cap (call minutes)').fill('0.01');
    // Contact limit: two calls a day per phone (nobody here was called before).
    await page.getByLabel('Limit how often one phone is called').check();
    await page.getByLabel('At most (calls)').fill('2');
    await page.getByLabel('In any (hours)').fill('24');
    await page.getByText('Advanced').click();
    await page.getByLabel('Max concurrent calls').fill('1');
    await report.getByText('Ready: the service would accept this batch.').waitFor();
    await screenshot(page, '32-new-batch-preflight-ready');
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page.getByRole('heading', { name: 'Guarded reminders' }).waitFor();

    const batchId = /#\/batches\/([^/?]+)/.exec(page.url())?.[1] ?? '';
    const created = await api<{ batch: Batch }>('GET', `/v1/agents/batch-calls/${batchId}`);
    expect(created.body.batch).toMatchObject({
      duplicates: 'skip',
      guardrails: { max_failure_rate: 0.5, min_calls: 4, max_call_minutes: 0.01 },
      contact_limit: { max_attempts: 2, window_hours: 24 },
    });
    expect(created.body.batch.counts.skipped).toBe(1);
    await page.getByText('at most 2 calls per phone in any 24 h, across batches').waitFor();

    // The cap pauses the batch: the page says why, and raising the cap resumes it.
    await waitForBatch(batchId, (b) => b.status === 'paused');
    const note = page.getByTestId('status-note');
    await note.getByText('Paused: the spending cap was reached.').waitFor();
    await screenshot(page, '33-batch-paused-spend-cap');
    await note.getByLabel('New cap (call minutes)').fill('0.005');
    await note.getByRole('button', { name: 'Raise cap and resume' }).click();
    await note.getByText('Enter more than the current cap').waitFor();
    await note.getByLabel('New cap (call minutes)').fill('10');
    await note.getByRole('button', { name: 'Raise cap and resume' }).click();
    const resumed = await waitForBatch(batchId, (b) => b.status !== 'paused');
    expect(resumed.guardrails?.max_call_minutes).toBe(10);
    await waitForBatch(batchId, (b) => b.status === 'completed');
    await page.locator('.page-head [data-status=completed]').waitFor({ timeout: 30_000 });
    await expect(note.count()).resolves.toBe(0);
    expect(browser.pageErrors).toEqual([]);
  }, 120_000);

  it('leaves a CSV’s invalid lines out of the file and checks it again', async () => {
    await page.goto(`${service.baseUrl}/#/batches/new`);
    await page.reload();
    await page.getByLabel('Name', { exact: true }).fill('From a file');
    await page.getByLabel('Agent', { exact: true }).selectOption(service.agentId);
    const csvPath = join(scratch, 'recipients.csv');
    await writeFile(
      csvPath,
      'phone,first_name,appointment_date\n+14155551234,Alice,"May 5th, 2pm"\n415-555-5678,Bob,May 6th\n' +
        '+14155555678,Carol,May 7th\n',
    );
    await page.getByLabel('CSV file').setInputFiles(csvPath);
    const report = page.getByTestId('preflight-report');
    await report
      .getByTestId('preflight-errors')
      .getByText(/^phone: .* — CSV line 3$/)
      .waitFor();
    await report.getByRole('button', { name: 'Skip invalid rows' }).click();
    await page.getByText('2 recipient rows, no errors.').waitFor();
    await report.getByText('2 of 2 recipients would be called').waitFor();
    // The quoted cell survived the rewrite: the preview renders it whole.
    await report
      .getByTestId('preflight-preview')
      .getByText(/Hi Alice, .*May 5th, 2pm/)
      .waitFor();
  }, 60_000);

  it('lists recipients lacking a placeholder’s column and creates the batch once allowed', async () => {
    await page.goto(`${service.baseUrl}/#/batches/new`);
    await page.reload();
    await page.getByLabel('Name', { exact: true }).fill('Without dates');
    await page.getByLabel('Agent', { exact: true }).selectOption(service.agentId);
    const csvPath = join(scratch, 'no-dates.csv');
    await writeFile(csvPath, 'phone,first_name\n+14155551234,Alice\n+14155555678,Bob\n');
    await page.getByLabel('CSV file').setInputFiles(csvPath);
    const missing = page.getByTestId('preflight-report').getByTestId('preflight-missing');
    await missing.getByText('{{appointment_date}} has no value in rows 1, 2').waitFor();
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page
      .getByTestId('error-summary')
      .getByText(/^CSV file: .*appointment_date/)
      .waitFor();

    await missing.getByLabel('Call these recipients anyway').check();
    await page.getByTestId('error-summary').waitFor({ state: 'hidden' });
    await page.getByText('Ready: the service would accept this batch.').waitFor();
    const create = page.waitForRequest(
      (r) => r.method() === 'POST' && r.url() === `${service.baseUrl}/v1/agents/batch-calls`,
    );
    await page.getByRole('button', { name: 'Start batch' }).click();
    expect((await create).postDataJSON()).toMatchObject({ allow_missing_variables: true });
    await page.getByRole('heading', { name: 'Without dates' }).waitFor();
  }, 60_000);

  it('shows the failure breaker’s pause with the failed calls to look at', async () => {
    const created = await api<Batch>('POST', '/v1/agents/batch-calls', {
      name: 'Failing numbers',
      agent_id: service.agentId,
      max_concurrent_calls: 1,
      guardrails: { max_failure_rate: 0.5, min_calls: 1 },
      recipients: [
        { phone: '+14155550003', first_name: 'F', appointment_date: 'May 5th' },
        { phone: '+14155551003', first_name: 'G', appointment_date: 'May 6th' },
      ],
    });
    expect(created.status).toBe(202);
    await waitForBatch(created.body.id, (b) => b.status === 'paused');
    await page.goto(`${service.baseUrl}/#/batches/${created.body.id}`);
    const note = page.getByTestId('status-note');
    await note.getByText('Paused: too many calls failed.').waitFor();
    await note.getByText('To continue: check the failures, then Resume.').waitFor();
    const failed = note.getByTestId('failed-calls');
    await failed.getByText(/^1 call failed/).waitFor();
    await failed.getByRole('button', { name: 'Attempts of row 1' }).click();
    await page.getByTestId('history-dialog').waitFor();
    await screenshot(page, '34-batch-paused-failures');
    await page.getByTestId('history-dialog').getByRole('button', { name: 'Close' }).click();
    await page.locator('.page-head').getByRole('button', { name: 'Resume' }).click();
    await page.locator('.toast', { hasText: 'Batch resumed.' }).waitFor();
    await api('POST', `/v1/agents/batch-calls/${created.body.id}/stop`, {});
  }, 60_000);

  it('opens the conversation an opt-out was captured in from the suppressions page', async () => {
    const demo = await api<{ phone_number_id: string }>('GET', `/v1/agents/${service.agentId}`);
    const agent = await api<{ id: string }>('POST', '/v1/agents', {
      name: 'Opt-out aware',
      prompt: 'Remind {{first_name}}.',
      first_message: 'Hi {{first_name}}, a quick reminder.',
      phone_number_id: demo.body.phone_number_id,
      data_collection: [{ id: 'opt_out', type: 'boolean', description: 'asked not to be called' }],
      opt_out_data_collection_id: 'opt_out',
    });
    expect(agent.status).toBe(201);
    const batch = await api<Batch>('POST', '/v1/agents/batch-calls', {
      name: 'Opt-out call',
      agent_id: agent.body.id,
      recipients: [{ phone: '+14155550007', first_name: 'Olga' }],
    });
    expect(batch.status).toBe(202);
    await waitForBatch(batch.body.id, (b) => b.status === 'completed');
    // The opt-out is captured after the call ends, by the run's reaction to it.
    await expect
      .poll(
        async () =>
          (await api<{ suppressions: unknown[] }>('GET', '/v1/suppressions?phone=%2B14155550007')).body
            .suppressions.length,
        { timeout: 15_000, interval: 250 },
      )
      .toBe(1);

    await page.goto(`${service.baseUrl}/#/suppressions`);
    const row = page.getByTestId('suppression-table').locator('tr', { hasText: '+14155550007' });
    await row.getByText('call', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'View conversation of +14155550007' }).click();
    const dialog = page.getByTestId('conversation-dialog');
    await dialog.getByText('Hi Olga, a quick reminder.').waitFor();
    await screenshot(page, '35-suppression-opt-out-conversation');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await row.getByRole('link', { name: /Batch/ }).click();
    await page.getByRole('heading', { name: 'Opt-out call' }).waitFor();
    expect(browser.pageErrors).toEqual([]);
  }, 60_000);
});
