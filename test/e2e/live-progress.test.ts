import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, openBrowser, type RunningService, startNpmService } from './browser.ts';

/**
 * The detail page follows a running batch through its live event stream (issue 15): rows and counts
 * change without the page fetching the batch again while the stream is healthy.
 */

let service: RunningService;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // Calls long enough that a row shows `dialing` for a while even when the machine is busy.
  service = await startNpmService({ SIM_CALL_MS: '2500' });
  browser = await openBrowser();
  page = browser.page;
  page.setDefaultTimeout(15_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
}, 60_000);

async function createBatch(): Promise<string> {
  const res = await fetch(`${service.baseUrl}/v1/agents/batch-calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${service.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Live via stream',
      agent_id: service.agentId,
      max_concurrent_calls: 1,
      recipients: ['+14155551234', '+14155550002', '+14155551236'].map((phone, i) => ({
        phone,
        first_name: `R${i}`,
        appointment_date: 'May 5th',
      })),
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

describe('the batch detail page', () => {
  it('updates rows and counts from the event stream, without polling the batch', async () => {
    await page.goto(`${service.baseUrl}/`);
    await page.getByLabel('API key').fill(service.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Batch calls' }).waitFor();

    const id = await createBatch();
    const detailGets: number[] = [];
    const streams: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path === `/v1/agents/batch-calls/${id}`) detailGets.push(Date.now());
      if (path === `/v1/agents/batch-calls/${id}/events`)
        streams.push(request.headers()['authorization'] ?? '');
    });
    await page.goto(`${service.baseUrl}/#/batches/${id}`);
    await page.getByRole('heading', { name: 'Live via stream' }).waitFor();

    const rows = page.locator('[data-testid=recipient-table] tbody tr');
    await rows.nth(2).waitFor();
    const seen: string[][] = [[], [], []];
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const i of [0, 1, 2]) {
        const status = await rows.nth(i).getAttribute('data-status');
        const history = seen[i] as string[];
        if (status !== null && history.at(-1) !== status) history.push(status);
      }
      if ((await page.locator('.page-head [data-status=completed]').count()) > 0) break;
      if (Date.now() > deadline) throw new Error(`not completed: ${JSON.stringify(seen)}`);
      await page.waitForTimeout(100);
    }
    // Rows 1 and 2 were seen dialing before their end: the page followed the run as it happened.
    // Row 0 is dialed at create, before the page has loaded: on a slow machine it may first be seen ended.
    expect(seen[0]?.at(-1)).toBe('completed');
    expect(seen[1]?.slice(-2)).toEqual(['dialing', 'failed']);
    expect(seen[2]?.slice(-2)).toEqual(['dialing', 'completed']);
    // One stream, with the API key; the batch itself was fetched once at load (and at most once more
    // when its counts had moved before the stream opened), where polling would fetch it every 2 s.
    expect(streams.length).toBeGreaterThanOrEqual(1);
    expect(streams.every((auth) => auth === `Bearer ${service.apiKey}`)).toBe(true);
    expect(detailGets.length).toBeLessThanOrEqual(2);
    expect(browser.pageErrors).toEqual([]);
  }, 120_000);
});
