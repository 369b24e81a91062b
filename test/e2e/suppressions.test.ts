import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type RunningService, screenshot, useDashboardSession } from './browser.ts';

/** The Suppressions page in a real headless Chromium against `npm start`, under the dashboard's CSP. */

const session = useDashboardSession({ timezoneId: 'Europe/Paris' });
let service: RunningService;
let browser: Browser;
let page: Page;
let scratch: string;
beforeAll(() => void ({ service, browser, page, scratch } = session));

describe('suppressions page', () => {
  it('adds a phone, imports a CSV, lists, filters and removes', async () => {
    await page.goto(`${service.baseUrl}/`);
    await page.getByLabel('API key').fill(service.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Batch calls' }).waitFor();

    await page.getByRole('link', { name: 'Suppressions' }).click();
    await page.getByText('No suppressed phones yet.').waitFor();
    await page.getByRole('link', { name: 'Add suppressions' }).click();

    // The API's rules run in the form first.
    await page.getByLabel('Phone', { exact: true }).fill('4155550300');
    await page.getByRole('button', { name: 'Add phone' }).click();
    await page
      .getByTestId('error-summary')
      .getByText(/phone: must be in E\.164/)
      .waitFor();
    await page.getByLabel('Phone', { exact: true }).fill('+1 415 555 0300');
    await page.getByLabel('Reason', { exact: true }).fill('asked on the phone');
    await page.getByRole('button', { name: 'Add phone' }).click();
    const table = page.getByTestId('suppression-table');
    await table.getByRole('cell', { name: '+14155550300', exact: true }).waitFor();
    await expect(table.locator('tr', { hasText: '+14155550300' }).innerText()).resolves.toContain('api');

    await page.getByRole('link', { name: 'Add suppressions' }).click();
    const csv = join(scratch, 'opt-outs.csv');
    await writeFile(csv, 'phone,reason\n+14155550301,complaint\nnot a phone,\n');
    await page.getByLabel('CSV file').setInputFiles(csv);
    await page.getByRole('button', { name: 'Import' }).click();
    const result = page.getByTestId('import-result');
    await result.getByText('1 added, 0 already on the list, 1 not imported:').waitFor();
    await result.getByText(/^csv_file:line 3: phone: /).waitFor();
    await screenshot(page, '20-suppressions-import');
    await result.getByRole('link', { name: 'See the list' }).click();
    await table.getByRole('cell', { name: '+14155550301', exact: true }).waitFor();
    await screenshot(page, '21-suppressions');

    await page.getByRole('searchbox', { name: 'Phone' }).fill('+1 415 555 0301');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);

    await table.getByRole('button', { name: 'Remove +14155550301' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('This phone is not on the list.').waitFor();
    const left = await fetch(`${service.baseUrl}/v1/suppressions`, {
      headers: { authorization: `Bearer ${service.apiKey}` },
    });
    const body = (await left.json()) as { suppressions: Array<{ phone: string }> };
    expect(body.suppressions.map((s) => s.phone)).toEqual(['+14155550300']);
    expect(browser.pageErrors).toEqual([]);
  }, 90_000);
});
