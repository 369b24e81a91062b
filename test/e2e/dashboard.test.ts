import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page, Request, Response as PageResponse, Route } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type RunningService, screenshot, useDashboardSession } from './browser.ts';

/**
 * The dashboard in a real headless Chromium against `npm start` (issue 5, "Done when"). One service
 * and one browser for the whole file; the tests run in order, as one user's session would.
 */

// The viewer is in Paris, the service in UTC: times must be read and shown in the viewer's zone.
const VIEWER_ZONE = 'Europe/Paris';

const session = useDashboardSession({ timezoneId: VIEWER_ZONE });
let service: RunningService;
let browser: Browser;
let page: Page;
let scratch: string;
beforeAll(() => void ({ service, browser, page, scratch } = session));

/** The API as the test's own client, to check what the dashboard created. */
async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${service.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${service.apiKey}` },
  });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** The status a recipient row shows right now (rows are keyed by their 1-based position). */
function rowStatus(position: number): Promise<string | null> {
  return page
    .locator('[data-testid=recipient-table] tbody tr')
    .nth(position - 1)
    .getAttribute('data-status');
}

describe('dashboard', () => {
  it('is served under a strict Content-Security-Policy that refuses injected script and framing', async () => {
    const response = await page.goto(`${service.baseUrl}/`);
    const csp = (await response?.headerValue('content-security-policy')) ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    // What an injection would try: an inline script and an inline handler. Neither runs, and the
    // watcher that fails every other test of this file sees both.
    await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = "script"';
      document.head.append(script);
      const img = document.createElement('img');
      img.setAttribute('src', 'data:,');
      img.setAttribute('onerror', 'window.__injected = "handler"');
      document.body.append(img);
    })()`);
    const refused = (directive: string) => browser.cspViolations.some((v) => v.startsWith(`${directive} `));
    await expect.poll(() => refused('script-src-elem') && refused('script-src-attr')).toBe(true);
    await expect(page.evaluate('window.__injected')).resolves.toBeUndefined();

    // Framed by another page: the browser refuses to render the dashboard inside it.
    await page.setContent(`<iframe src="${service.baseUrl}/" title="framed"></iframe>`);
    await expect.poll(() => browser.cspViolations.some((v) => v.includes('frame-ancestors'))).toBe(true);
    const framed = page.frames().find((frame) => frame !== page.mainFrame());
    await expect(framed?.locator('#app').count()).resolves.toBe(0);
    browser.cspViolations.length = 0; // Provoked on purpose.
  }, 60_000);

  it('signs in with a pasted API key and keeps it until sign-out', async () => {
    await page.goto(`${service.baseUrl}/`);
    // Waited for, not asked at once: on a busy machine the page may still be rendering.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, '01-sign-in');

    await page.getByLabel('API key').fill('bck_not_a_real_key_000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('error-summary').getByText('This key was not accepted').waitFor();

    await page.getByLabel('API key').fill(service.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Batch calls' }).waitFor();
    await page.getByText('No batches yet.').waitFor();

    // Kept across a reload; gone after "Sign out".
    await page.reload();
    await page.getByRole('heading', { name: 'Batch calls' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('API key').fill(service.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Batch calls' }).waitFor();
  }, 60_000);

  it('downloads the sample, shows a bad CSV row before submitting, then schedules and cancels', async () => {
    await page.getByRole('link', { name: 'New batch' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Monday reminders');
    await page.getByLabel('Agent', { exact: true }).selectOption(service.agentId);

    // The sample has a phone column and one column per placeholder of the demo agent.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download sample' }).click();
    const sample = await readFile(await (await download).path(), 'utf8');
    const [header] = sample.split(/\r?\n/);
    expect(header).toBe('phone,first_name,appointment_date');

    // Line 3 has a number without its country code.
    const csvPath = join(scratch, 'recipients.csv');
    await writeFile(
      csvPath,
      `${header}\n+14155551234,Alice,May 5th at 2pm\n415-555-5678,Bob,May 6th at 10am\n`,
    );
    await page.getByLabel('CSV file').setInputFiles(csvPath);
    const badRow = page.locator('[data-testid=csv-preview] tr[data-line="3"]');
    await badRow.getByText('phone: must be in E.164 format').waitFor();
    await expect(page.getByTestId('csv-preview').locator('tr[data-line="2"]').innerText()).resolves.toContain(
      'OK',
    );
    // Submitting is refused in the form, naming the line; nothing typed is lost.
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page
      .getByTestId('error-summary')
      .getByText(/^CSV line 3, phone: must be in E\.164 format/)
      .waitFor();
    await screenshot(page, '02-new-batch-csv-row-error');
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('Monday reminders');

    // Fixed file: no errors left.
    await writeFile(
      csvPath,
      `${header}\n+14155551234,Alice,May 5th at 2pm\n+14155555678,Bob,May 6th at 10am\n`,
    );
    await page.getByLabel('CSV file').setInputFiles(csvPath);
    await page.getByText('2 recipient rows, no errors.').waitFor();

    // Tomorrow 10:00 in Paris, which is 08:00 or 09:00 UTC depending on the season.
    await page.getByLabel('Schedule for later').check();
    const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000);
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: VIEWER_ZONE }).format(tomorrow);
    await page.getByLabel('Date', { exact: true }).fill(date);
    await page.getByLabel('Time', { exact: true }).fill('10:00');
    const info = await page.getByTestId('schedule-info').innerText();
    const utc = /Starts (\d{4}-\d{2}-\d{2}) (\d{2}):00 UTC/.exec(info);
    expect(utc?.[1]).toBe(date);
    expect(['08', '09']).toContain(utc?.[2]);
    await screenshot(page, '03-new-batch-ready');

    // The CSV goes to S3 with the pre-signed form of POST /v1/uploads, not in the create request.
    // Every request of the submits below is recorded, and S3's answers and the create are tampered
    // with once each: S3 refuses the first upload, and the first create's answer is lost after the
    // service created the batch.
    const tickets: Array<{ upload_id: string; url: string }> = [];
    const s3Posts: Request[] = [];
    const creates: Request[] = [];
    // The page talks to two origins only: the service's, and S3's (s3rver here).
    const isS3Post = (url: URL) => url.origin !== service.baseUrl;
    const onRequest = (request: Request) => {
      if (request.method() !== 'POST') return;
      if (request.url() === `${service.baseUrl}/v1/agents/batch-calls`) creates.push(request);
      else if (isS3Post(new URL(request.url()))) s3Posts.push(request);
    };
    page.on('request', onRequest);
    const onTicket = async (response: PageResponse) => {
      if (response.url() === `${service.baseUrl}/v1/uploads` && response.status() === 201) {
        tickets.push((await response.json()) as { upload_id: string; url: string });
      }
    };
    page.on('response', onTicket);
    // The refused upload is held until the test has seen the page's "Uploading…" state.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const expiredPolicy = async (route: Route) => {
      if (route.request().method() !== 'POST') return route.continue();
      await released;
      const response = await route.fetch();
      await route.fulfill({
        response,
        status: 403,
        contentType: 'application/xml',
        body:
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>' +
          '<Message>Invalid according to Policy: Policy expired.</Message></Error>',
      });
    };
    await page.route(isS3Post, expiredPolicy);
    await page.getByRole('button', { name: 'Schedule batch' }).click();
    await page.getByRole('button', { name: 'Uploading…' }).waitFor();
    await page.getByTestId('upload-status').getByText('Uploading recipients.csv…').waitFor();
    release();
    const csvField = page.locator('[data-path=csv_file] > .field-error');
    await csvField.getByText('the upload link expired before the file was sent').waitFor();
    await screenshot(page, '03b-new-batch-upload-refused');
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('Monday reminders');
    await expect(page.getByText('2 recipient rows, no errors.').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('upload-status').isHidden()).resolves.toBe(true);
    await page.unroute(isS3Post, expiredPolicy);

    const createUrl = `${service.baseUrl}/v1/agents/batch-calls`;
    const loseAnswer = async (route: Route) => {
      await route.fetch();
      await route.abort('connectionreset');
    };
    await page.route(createUrl, loseAnswer, { times: 1 });
    await page.getByRole('button', { name: 'Schedule batch' }).click();
    await page.getByTestId('error-summary').getByText('The service could not be reached').waitFor();
    // The retry sends the same request: no new upload, the same upload id and Idempotency-Key.
    await page.getByRole('button', { name: 'Schedule batch' }).click();
    await page.getByRole('heading', { name: 'Monday reminders' }).waitFor();
    await page.locator('.page-head [data-status=scheduled]').waitFor();
    const scheduled = page.locator('.fact', { hasText: 'Scheduled for' }).locator('time');
    await expect(scheduled.getAttribute('datetime')).resolves.toBe(`${utc?.[1]}T${utc?.[2]}:00:00.000Z`);
    await expect(scheduled.innerText()).resolves.toContain('10:00');
    await screenshot(page, '04-batch-scheduled');

    page.off('request', onRequest);
    page.off('response', onTicket);
    expect(tickets).toHaveLength(2);
    expect(s3Posts.map((r) => r.url())).toEqual(tickets.map((t) => t.url));
    expect(new URL(tickets[1]?.url ?? '').origin).not.toBe(service.baseUrl);
    expect(creates).toHaveLength(2);
    for (const create of creates) {
      expect(create.headers()['content-type']).toBe('application/json');
      expect(create.postDataJSON()).toMatchObject({
        name: 'Monday reminders',
        agent_id: service.agentId,
        csv_upload_id: tickets[1]?.upload_id,
      });
      expect(create.postDataJSON()).not.toHaveProperty('recipients');
    }
    expect(creates[1]?.headers()['idempotency-key']).toBe(creates[0]?.headers()['idempotency-key']);
    // One batch, from the uploaded CSV.
    const batchId = /#\/batches\/([^/?]+)/.exec(page.url())?.[1] ?? '';
    const detail = await api<{ batch: { source: string; total_recipients: number } }>(
      `/v1/agents/batch-calls/${batchId}`,
    );
    expect(detail.batch).toMatchObject({ source: 'csv', total_recipients: 2 });
    const list = await api<{ batches: Array<{ name: string }> }>('/v1/agents/batch-calls');
    expect(list.batches.filter((b) => b.name === 'Monday reminders')).toHaveLength(1);

    // Cancel asks first; "Keep it" changes nothing.
    await page.getByRole('button', { name: 'Cancel batch' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Keep it' }).click();
    await page.locator('.page-head [data-status=scheduled]').waitFor();
    await page.getByRole('button', { name: 'Cancel batch' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel batch' }).click();
    await page.locator('.toast', { hasText: 'Batch cancelled.' }).waitFor();
    await page.locator('.page-head [data-status=cancelled]').waitFor();
    await expect(page.getByRole('button', { name: 'Cancel batch' }).count()).resolves.toBe(0);
    await screenshot(page, '05-batch-cancelled');

    await page.getByRole('link', { name: 'Batch calls', exact: true }).first().click();
    await page.locator('[data-testid=batch-table] [data-status=cancelled]').waitFor();
    await screenshot(page, 'batch-list');
  }, 60_000);

  it('starts a batch and shows its rows go pending → dialing → completed/failed without a reload', async () => {
    await page.goto(`${service.baseUrl}/#/batches/new`);
    await page.getByLabel('Name', { exact: true }).fill('Live reminders');
    await page.getByLabel('Agent', { exact: true }).selectOption(service.agentId);
    await page.getByLabel('Add by hand').check();
    // One call at a time, so the second row is still pending while the first dials.
    await page.getByText('Advanced').click();
    await page.getByLabel('Max concurrent calls').fill('1');
    await page.getByLabel('Phone of recipient 1').fill('+14155551234');
    await page.getByLabel('first_name of recipient 1').fill('Alice');
    await page.getByLabel('appointment_date of recipient 1').fill('May 5th at 2pm');
    await page.getByRole('button', { name: 'Add recipient' }).click();
    // …0002 never answers in the simulated network: that call fails with outcome no_answer.
    await page.getByLabel('Phone of recipient 2').fill('+14155550002');
    await page.getByLabel('first_name of recipient 2').fill('Bob');
    await page.getByLabel('appointment_date of recipient 2').fill('May 6th at 10am');
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page.getByRole('heading', { name: 'Live reminders' }).waitFor();
    await page.locator('[data-testid=recipient-table] tbody tr').nth(1).waitFor();

    // A marker in the page's memory: it survives only if the page is never reloaded.
    await page.evaluate('window.__e2eMarker = "same page"');
    const seen: Record<number, string[]> = { 1: [], 2: [] };
    let shotWhileRunning = false;
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const position of [1, 2]) {
        const status = await rowStatus(position);
        const history = seen[position] ?? [];
        if (status !== null && history[history.length - 1] !== status) history.push(status);
      }
      if (!shotWhileRunning && seen[1]?.includes('completed') && (await rowStatus(2)) === 'dialing') {
        await screenshot(page, 'batch-running');
        shotWhileRunning = true;
      }
      const done = [1, 2].every((p) => ['completed', 'failed'].includes(seen[p]?.at(-1) ?? ''));
      if (done || Date.now() > deadline) break;
      await page.waitForTimeout(250);
    }
    await expect(page.evaluate('window.__e2eMarker')).resolves.toBe('same page');
    // Row 2 waited its turn: pending, then dialing, then failed (no answer). Row 1 was dialing at
    // once or after a pending moment, and completed.
    expect(seen[2]).toEqual(['pending', 'dialing', 'failed']);
    expect(seen[1]?.filter((s) => s !== 'pending')).toEqual(['dialing', 'completed']);
    await page.locator('.page-head [data-status=completed]').waitFor();
    await expect(page.locator('[data-stat=pickup] .stat-value').innerText()).resolves.toBe('50%');
    await page.getByTestId('outcome-chart').waitFor();
    await screenshot(page, '06-batch-completed');

    // The answered call's conversation: the agent's first message with Alice's variables filled in.
    await page.getByRole('button', { name: 'View conversation of recipient 1' }).click();
    const dialog = page.getByTestId('conversation-dialog');
    await dialog.getByTestId('transcript').waitFor();
    await expect(dialog.getByTestId('transcript').innerText()).resolves.toContain('Hi Alice');
    await expect(dialog.innerText()).resolves.toContain('attendance_confirmed');
    await screenshot(page, '07-conversation');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(browser.pageErrors).toEqual([]);
  }, 120_000);

  it('links a recording only when its URL is https', async () => {
    // The service never answers another kind (see domain/recording-url.ts); this is the dashboard's
    // own check, so the answer is rewritten on its way to the page.
    let recordingUrl = 'javascript:window.__clicked = true';
    await page.route('**/conversation', async (route) => {
      const answer = await route.fetch();
      const body = { ...((await answer.json()) as object), recording_url: recordingUrl };
      await route.fulfill({ response: answer, json: body });
    });
    try {
      const dialog = page.getByTestId('conversation-dialog');
      await page.getByRole('button', { name: 'View conversation of recipient 1' }).click();
      await expect(dialog.getByTestId('recording').innerText()).resolves.toBe(
        'Recording: not a secure link.',
      );
      await expect(dialog.getByTestId('recording').locator('a').count()).resolves.toBe(0);
      await dialog.getByRole('button', { name: 'Close' }).click();

      recordingUrl = 'https://recordings.example/call-1.wav';
      await page.getByRole('button', { name: 'View conversation of recipient 1' }).click();
      const link = dialog.getByTestId('recording').getByRole('link', { name: 'Recording' });
      await expect(link.getAttribute('href')).resolves.toBe(recordingUrl);
      await dialog.getByRole('button', { name: 'Close' }).click();
    } finally {
      await page.unroute('**/conversation');
    }
  }, 60_000);

  it('keeps typed recipients and the focus in place while rows, columns and modes change', async () => {
    await page.goto(`${service.baseUrl}/#/batches/new`);
    await page.getByLabel('Agent', { exact: true }).selectOption(service.agentId);
    await page.getByLabel('Add by hand').check();
    await expect(page.getByTestId('placeholder-check').innerText()).resolves.toBe(
      'Every placeholder of the agent has a column (first_name, appointment_date).',
    );
    const focusedLabel = () => page.evaluate(`document.activeElement?.getAttribute('aria-label')`);

    // Blank rows make an empty list, which the API's rules refuse at the recipients fieldset; a second
    // submit clears those messages and must leave the page's own notes working.
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page.getByTestId('error-summary').getByText('recipients:', { exact: false }).first().waitFor();
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page.getByTestId('error-summary').waitFor();
    await page.getByLabel('New variable column').fill('phone');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByText('phone is already a column').waitFor();
    await page.getByLabel('New variable column').fill('plan');
    await page.getByLabel('New variable column').press('Enter');
    await page.getByLabel('plan of recipient 1').waitFor();
    await expect(page.getByText('phone is already a column').count()).resolves.toBe(0);

    await page.getByLabel('Phone of recipient 1').fill('+14155551234');
    await page.getByRole('button', { name: 'Add recipient' }).click();
    await expect.poll(focusedLabel).toBe('Phone of recipient 2');
    await page.getByLabel('Phone of recipient 2').fill('+14155555678');
    await page.getByLabel('plan of recipient 2').fill('gold');

    // Switching to the CSV and back loses nothing; removing row 1 moves row 2 up, focus on it.
    await page.getByLabel('Upload a CSV').check();
    await page.getByLabel('Add by hand').check();
    await expect(page.getByLabel('Phone of recipient 1').inputValue()).resolves.toBe('+14155551234');
    await page.getByRole('button', { name: 'Remove recipient 1' }).click();
    await expect.poll(focusedLabel).toBe('Phone of recipient 1');
    await expect(page.getByLabel('Phone of recipient 1').inputValue()).resolves.toBe('+14155555678');
    await expect(page.getByLabel('plan of recipient 1').inputValue()).resolves.toBe('gold');
    expect(browser.pageErrors).toEqual([]);
  }, 60_000);

  it('retries, pauses, resumes and stops a batch, and shows a recipient’s attempt history', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${service.baseUrl}/#/batches/new`);
    await page.getByLabel('Name', { exact: true }).fill('Retry campaign');
    await page.getByLabel('Agent', { exact: true }).selectOption(service.agentId);
    await page.getByLabel('Add by hand').check();
    // …0005 does not answer its first call and answers later ones; …1234 answers at once.
    await page.getByLabel('Phone of recipient 1').fill('+14155550005');
    await page.getByLabel('first_name of recipient 1').fill('Carol');
    await page.getByLabel('appointment_date of recipient 1').fill('May 7th');
    await page.getByRole('button', { name: 'Add recipient' }).click();
    await page.getByLabel('Phone of recipient 2').fill('+14155551234');
    await page.getByLabel('first_name of recipient 2').fill('Dan');
    await page.getByLabel('appointment_date of recipient 2').fill('May 8th');

    // A delay under a minute is named at its input, in minutes; then 2 attempts, no answer after 1 min.
    await page.getByLabel('Call again when a call does not reach the person').check();
    await page.getByLabel('Max attempts').fill('2');
    const noAnswer = page.getByLabel('No answer: retry after (minutes)');
    await noAnswer.fill('0.5');
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page
      .locator('[data-path="retry.rules.no_answer.delay_seconds"] > .field-error')
      .getByText('must be a number of minutes from 1 to')
      .waitFor();
    await noAnswer.fill('1');

    // A calling window whose range ends before it starts is named at its "Until" input; turned off
    // again, it is not sent.
    await page.getByLabel('Call only at certain local hours').check();
    await page.getByLabel('Time zone', { exact: true }).selectOption('America/Chicago');
    await page.getByLabel('Until (hours 1)').fill('08:00');
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page
      .locator('[data-path="calling_window.hours[0].end"] > .field-error')
      .getByText('must be after start')
      .waitFor();
    await screenshot(page, '12a-new-batch-window-error');
    await page.getByLabel('Call only at certain local hours').uncheck();
    const create = page.waitForRequest(
      (r) => r.method() === 'POST' && r.url() === `${service.baseUrl}/v1/agents/batch-calls`,
    );
    await page.getByRole('button', { name: 'Start batch' }).click();
    expect((await create).postDataJSON()).toMatchObject({
      retry: { max_attempts: 2, rules: { no_answer: { delay_seconds: 60 } } },
    });
    expect((await create).postDataJSON()).not.toHaveProperty('calling_window');
    await page.getByRole('heading', { name: 'Retry campaign' }).waitFor();
    await page
      .locator('.fact', { hasText: 'Retries' })
      .getByText('Up to 2 calls: no answer after 1 min')
      .waitFor();

    // The unanswered recipient waits for its second call, at a time shown in the viewer's zone.
    const row1 = page.locator('[data-testid=recipient-table] tbody tr').nth(0);
    await row1
      .getByTestId('waiting')
      .getByText(/^retry at .*GMT\+1|^retry at .*CET/)
      .waitFor({ timeout: 30_000 });
    await expect(row1.getAttribute('data-status')).resolves.toBe('pending');
    await expect(row1.locator('td[data-label=Attempts]').innerText()).resolves.toBe('1');
    await screenshot(page, '12-batch-retry-waiting');

    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.locator('.page-head [data-status=paused]').waitFor();
    await expect(page.getByTestId('status-note').innerText()).resolves.toBe(
      'Paused by you. To continue: Resume.',
    );
    await expect(page.getByRole('button', { name: 'Pause', exact: true }).count()).resolves.toBe(0);
    await screenshot(page, '13-batch-paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.page-head [data-status=running]').waitFor();
    await expect(page.getByTestId('status-note').count()).resolves.toBe(0);

    // Stop asks first; then the waiting recipient is skipped and the batch ends cancelled.
    await page.getByRole('button', { name: 'Stop batch' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Keep it' }).click();
    await page.locator('.page-head [data-status=running]').waitFor();
    await page.getByRole('button', { name: 'Stop batch' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop batch' }).click();
    await page.locator('.page-head [data-status=cancelled]').waitFor({ timeout: 30_000 });
    await expect(row1.getAttribute('data-status')).resolves.toBe('skipped');
    await expect(row1.getByTestId('skip-reason').innerText()).resolves.toBe('the batch was stopped');
    await expect(page.locator('[data-stat=skipped] .stat-value').innerText()).resolves.toBe('1');
    await page.locator('[data-testid=outcome-chart] .bar-skipped').waitFor();
    await expect(
      page.getByRole('button', { name: /^(Pause|Resume|Stop batch|Cancel batch)$/ }).count(),
    ).resolves.toBe(0);
    await screenshot(page, '14-batch-stopped');

    // The attempt history, on a phone-sized screen: one unanswered call at the recipient's own time.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'History of recipient 1' }).click();
    const dialog = page.getByTestId('history-dialog');
    const attempt = dialog.locator('[data-testid=attempt-table] tr[data-attempt="1"]');
    await attempt.waitFor();
    await expect(dialog.locator('[data-testid=attempt-table] tbody tr').count()).resolves.toBe(1);
    await expect(attempt.locator('td[data-label=Outcome]').innerText()).resolves.toBe('no answer');
    await expect(attempt.getByTestId('local-started').innerText()).resolves.toMatch(
      /^their time: \d{4}-\d{2}-\d{2} \d{2}:\d{2} America\/Los_Angeles \(UTC−0[78]:00\)$/,
    );
    const fits = await dialog.evaluate(
      (el) => el.getBoundingClientRect().right <= 390 && el.scrollWidth <= el.clientWidth,
    );
    expect(fits).toBe(true);
    const table = dialog.locator('.table-wrap');
    await expect(table.evaluate((el) => el.scrollWidth <= el.clientWidth)).resolves.toBe(true);
    await screenshot(page, '15-attempt-history-phone');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(browser.pageErrors).toEqual([]);
  }, 120_000);

  it('creates a number and an agent, shows the webhook secret once, and rotates it', async () => {
    await page.getByRole('link', { name: 'Phone numbers' }).click();
    await page.getByRole('link', { name: 'Add number' }).click();
    await page.getByLabel('Phone number', { exact: true }).fill('+1 415 555 0199');
    await page.getByLabel('Label', { exact: true }).fill('Second line');
    await page.getByRole('button', { name: 'Add number' }).click();
    await page.getByTestId('number-table').getByRole('cell', { name: '+14155550199', exact: true }).waitFor();
    await screenshot(page, '08-phone-numbers');

    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('link', { name: 'New agent' }).click();
    // The API's rules run in the form first: an empty prompt is named before anything is sent.
    await page.getByLabel('Name', { exact: true }).fill('Follow-up agent');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByTestId('error-summary').getByText('prompt: must not be empty').waitFor();
    await page
      .getByLabel('Prompt', { exact: true })
      .fill('Call {{first_name}} about their order {{order_id}}.');
    await page
      .getByLabel('Phone number', { exact: true })
      .selectOption({ label: '+14155550199 (Second line)' });
    await page.getByLabel('Webhook URL').fill('http://127.0.0.1:9/hooks');
    await page.getByRole('button', { name: 'Create agent' }).click();
    const secret = await page.getByTestId('webhook-secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await screenshot(page, '09-agent-secret');

    // Shown once: the agent's page does not show it again after a reload.
    await page.reload();
    await page.getByRole('heading', { name: 'Edit agent' }).waitFor();
    await page.getByLabel('Name', { exact: true }).waitFor();
    await expect(page.getByTestId('webhook-secret').count()).resolves.toBe(0);

    await page.getByRole('button', { name: 'Rotate webhook secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = await page.getByTestId('webhook-secret').inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);

    // Editing keeps the rest: rename, save, and the list shows the new name and its placeholders.
    await page.getByLabel('Name', { exact: true }).fill('Order follow-up');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Agent saved.').first().waitFor();
    await page.getByRole('link', { name: '← Agents' }).click();
    const row = page.getByTestId('agent-table').locator('tr', { hasText: 'Order follow-up' });
    // The list reads agents and numbers from two functions; under CI's load their first starts have
    // taken longer than the default 15 s (alone: 2 s). What is checked is the row, not the time.
    await row.waitFor({ timeout: 40_000 });
    await expect(row.innerText()).resolves.toContain('first_name, order_id');
    await screenshot(page, '10-agents');

    // Readable on a phone: the list turns into cards.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Batch calls', exact: true }).first().click();
    await page.getByTestId('batch-table').waitFor();
    await screenshot(page, '11-batch-list-phone');
    expect(browser.pageErrors).toEqual([]);
  }, 90_000);
});
