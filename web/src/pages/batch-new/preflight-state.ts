import { signal } from '@preact/signals-core';
import type { FieldIssue } from '../../../../shared/domain/errors.ts';
import { errorMessage } from '../../api/api-error.ts';
import type { PreflightReport } from '../../api/types.ts';
import { csvLineOf } from '../../lib/field-paths.ts';
import type { PreflightApi } from './submission.ts';

/**
 * The new-batch form's live preflight (contract "Preflight"), apart from the DOM: each change of the
 * form asks for a new report after a short pause in typing; a newer request aborts the one still
 * running, so an old answer never replaces a newer one.
 */

export type PreflightRun = (api: PreflightApi, signal: AbortSignal) => Promise<PreflightReport>;

export function createPreflight(api: PreflightApi, debounceMs = 400) {
  const report = signal<PreflightReport | null>(null);
  const checking = signal(false);
  const failure = signal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: AbortController | null = null;

  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    inFlight?.abort();
    inFlight = null;
  };

  const start = async (run: PreflightRun) => {
    const controller = new AbortController();
    inFlight = controller;
    try {
      const answer = await run(api, controller.signal);
      if (controller.signal.aborted) return;
      report.value = answer;
      failure.value = null;
    } catch (error) {
      if (controller.signal.aborted) return;
      failure.value = errorMessage(error);
    }
    inFlight = null;
    checking.value = false;
  };

  return {
    report,
    checking,
    failure,
    /** A new state of the form: its request (null: nothing to check yet) replaces any pending one. */
    request(run: PreflightRun | null): void {
      cancel();
      if (run === null) {
        report.value = null;
        failure.value = null;
        checking.value = false;
        return;
      }
      checking.value = true;
      timer = setTimeout(() => {
        timer = null;
        void start(run);
      }, debounceMs);
    },
    dispose: cancel,
  };
}

export type Preflight = ReturnType<typeof createPreflight>;

const ROW_PATH = /^recipients\[(\d+)\](?:\.(?:dynamic_vars\.?)?(.*))?$/;

/** Where a row error sits: a recipient (0-based index of the request) or a CSV line. */
export type RowRef = { kind: 'index'; index: number } | { kind: 'line'; line: number };

export function rowOf(path: string): RowRef | null {
  const line = csvLineOf(path);
  // Line 1 is the header: its problems are the file's, not a row's.
  if (line !== null) return line > 1 ? { kind: 'line', line } : null;
  const m = ROW_PATH.exec(path);
  return m === null ? null : { kind: 'index', index: Number(m[1]) };
}

export interface ErrorGroup {
  /** What is wrong, the same for every row of the group: "phone: must be in E.164 format". */
  kind: string;
  /** Rows as a person counts them (row 2 = index 1) or CSV lines, in order. */
  rows: RowRef[];
}

/**
 * Row errors grouped by what is wrong, so a thousand rows with the same mistake are one line; any
 * other error (a field of the form, the file as a whole) is kept apart as it is.
 */
export function groupErrors(errors: readonly FieldIssue[]): { groups: ErrorGroup[]; other: FieldIssue[] } {
  const groups = new Map<string, RowRef[]>();
  const other: FieldIssue[] = [];
  for (const error of errors) {
    const row = rowOf(error.path);
    if (row === null) {
      other.push(error);
      continue;
    }
    const field = row.kind === 'index' ? (ROW_PATH.exec(error.path)?.[2] ?? '') : '';
    const kind = field === '' ? error.message : `${field}: ${error.message}`;
    groups.set(kind, [...(groups.get(kind) ?? []), row]);
  }
  return { groups: [...groups].map(([kind, rows]) => ({ kind, rows })), other };
}

/** "rows 2, 5, 9" / "CSV lines 3, 7" (the first `max`, then how many more). */
export function rowsText(rows: readonly RowRef[], max = 8): string {
  const lines = rows[0]?.kind === 'line';
  const numbers = rows.map((r) => (r.kind === 'line' ? r.line : r.index + 1));
  const shown = numbers.slice(0, max).join(', ');
  const more = numbers.length > max ? ` and ${numbers.length - max} more` : '';
  const noun = lines ? 'CSV line' : 'row';
  return `${noun}${numbers.length === 1 ? '' : 's'} ${shown}${more}`;
}

/** The 0-based request indexes and the CSV lines that the report's row errors name. */
export function invalidRows(errors: readonly FieldIssue[]): { indexes: Set<number>; lines: Set<number> } {
  const indexes = new Set<number>();
  const lines = new Set<number>();
  for (const error of errors) {
    const row = rowOf(error.path);
    if (row?.kind === 'index') indexes.add(row.index);
    if (row?.kind === 'line') lines.add(row.line);
  }
  return { indexes, lines };
}

/** A CSV cell as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The CSV again, without the rows that start on `dropLines`. */
export function csvWithout(
  header: readonly string[],
  rows: ReadonlyArray<{ line: number; cells: readonly string[] }>,
  dropLines: ReadonlySet<number>,
): string {
  const kept = rows.filter((r) => !dropLines.has(r.line));
  return (
    [header, ...kept.map((r) => r.cells)].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n'
  );
}
