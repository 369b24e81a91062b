import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PreflightReport } from '../../web/src/api/types.ts';
import {
  createPreflight,
  csvWithout,
  groupErrors,
  invalidRows,
  rowsText,
} from '../../web/src/pages/batch-new/preflight-state.ts';
import type { PreflightApi } from '../../web/src/pages/batch-new/submission.ts';

/** The new-batch form's live preflight, apart from the DOM. */

const report = (callable: number): PreflightReport => ({
  valid: true,
  errors: [],
  total_recipients: callable,
  callable,
  skipped: { suppressed: 0, duplicate: 0, contact_limit: 0 },
  placeholders: { used: [], missing: [], unused: [] },
  timezones: {},
  unresolved: 0,
  estimate: { first_call_at: null, finish_at: null, expected_call_minutes: 0 },
  preview: [],
});

const api = {} as PreflightApi;

describe('live preflight requests', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits for a pause in editing and sends only the latest state', async () => {
    const preflight = createPreflight(api, 400);
    const run = vi.fn(async () => report(1));
    const latest = vi.fn(async () => report(2));
    preflight.request(run);
    await vi.advanceTimersByTimeAsync(200);
    preflight.request(latest);
    expect(preflight.checking.value).toBe(true);
    await vi.advanceTimersByTimeAsync(400);
    expect(run).not.toHaveBeenCalled();
    expect(latest).toHaveBeenCalledTimes(1);
    expect(preflight.report.value?.callable).toBe(2);
    expect(preflight.checking.value).toBe(false);
  });

  it('aborts a request still running when the form changes, and never shows its answer', async () => {
    const preflight = createPreflight(api, 10);
    const signals: AbortSignal[] = [];
    let answerSlow: (r: PreflightReport) => void = () => undefined;
    preflight.request(
      (_api, signal) =>
        new Promise((resolve) => {
          signals.push(signal);
          answerSlow = resolve;
        }),
    );
    await vi.advanceTimersByTimeAsync(10);
    preflight.request(async () => report(7));
    expect(signals[0]?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    answerSlow(report(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(preflight.report.value?.callable).toBe(7);
  });

  it('shows a failed check and clears the report when there is nothing to check', async () => {
    const preflight = createPreflight(api, 10);
    preflight.request(async () => {
      throw new Error('offline');
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(preflight.failure.value).toBe('Something went wrong. Try again.');
    preflight.request(async () => report(3));
    await vi.advanceTimersByTimeAsync(10);
    expect(preflight.failure.value).toBeNull();
    preflight.request(null);
    expect(preflight.report.value).toBeNull();
    expect(preflight.checking.value).toBe(false);
  });
});

describe('the report in words', () => {
  it('groups row errors by kind and keeps other errors apart', () => {
    const { groups, other } = groupErrors([
      { path: 'recipients[1].phone', message: 'must be in E.164 format' },
      { path: 'name', message: 'must not be empty' },
      { path: 'recipients[4].phone', message: 'must be in E.164 format' },
      { path: 'recipients[12].dynamic_vars', message: 'missing appointment_date' },
    ]);
    expect(groups).toEqual([
      {
        kind: 'phone: must be in E.164 format',
        rows: [
          { kind: 'index', index: 1 },
          { kind: 'index', index: 4 },
        ],
      },
      { kind: 'missing appointment_date', rows: [{ kind: 'index', index: 12 }] },
    ]);
    expect(other).toEqual([{ path: 'name', message: 'must not be empty' }]);
    expect(rowsText(groups[0]?.rows ?? [])).toBe('rows 2, 5');
  });

  it('reads CSV lines as rows, but the header line as the file', () => {
    const errors = [
      { path: 'csv_file:line 3', message: 'phone: must be in E.164 format' },
      { path: 'csv_file:line 1', message: 'needs a "phone" column' },
      { path: 'csv_file:line 9', message: 'phone: must be in E.164 format' },
    ];
    const { groups, other } = groupErrors(errors);
    expect(groups).toHaveLength(1);
    expect(rowsText(groups[0]?.rows ?? [])).toBe('CSV lines 3, 9');
    expect(other).toHaveLength(1);
    expect(invalidRows(errors).lines).toEqual(new Set([3, 9]));
  });

  it('writes the CSV again without the invalid lines, quoting what needs it', () => {
    const rows = [
      { line: 2, cells: ['+14155551234', 'Alice'] },
      { line: 3, cells: ['415', 'Bob'] },
      { line: 4, cells: ['+14155550100', 'Carol, "CJ"'] },
    ];
    expect(csvWithout(['phone', 'first_name'], rows, new Set([3]))).toBe(
      'phone,first_name\r\n+14155551234,Alice\r\n+14155550100,"Carol, ""CJ"""\r\n',
    );
  });
});
