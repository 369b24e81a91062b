import type { FieldIssue } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';
import { normalizeE164 } from '../domain/phone.ts';
import type { DynamicVars } from '../domain/recipient.ts';
import {
  checkTimezoneVar,
  checkVarKey,
  checkVarValue,
  TIMEZONE_VAR,
  type RecipientCheck,
} from './recipient.ts';

/**
 * The rules of a recipients CSV (contract "Create", multipart alternative), apart from the reading
 * itself: browser-safe, so the dashboard can check a file before uploading it.
 *
 * - The header row must hold a column named exactly `phone` (names are trimmed; case matters).
 * - Every other column becomes a string variable of each row, named by its header.
 * - Column names must be unique and non-empty, and usable as variable names (≤ 100 characters,
 *   no braces).
 * - A row must have exactly as many cells as the header.
 * - An empty phone cell is an error ("is required"); an empty variable cell is kept as an empty
 *   string, so a template that uses it renders nothing there rather than failing the whole batch.
 *   Variable cells are kept as written (not trimmed); the phone is trimmed by its own check.
 * - Issues name the physical line where the row starts (`csv_file:line 7`, the header being line 1)
 *   and the column (`phone: must be in E.164 format…`).
 */

export const PHONE_COLUMN = 'phone';

export function csvLinePath(line: number): string {
  return `csv_file:line ${line}`;
}

/** Header names as the rules see them: trimmed, and without a byte-order mark a reader left in. */
export function normalizeHeader(header: readonly string[]): string[] {
  return header.map((name, i) => (i === 0 ? name.replace(/^\uFEFF/, '') : name).trim());
}

export function validateCsvHeader(header: string[], line = 1): FieldIssue[] {
  const path = csvLinePath(line);
  const names = normalizeHeader(header);
  const issues: FieldIssue[] = [];
  if (names.length > LIMITS.csvMaxColumns) {
    // Checked first and alone: naming hundreds of columns would bury it.
    return [
      {
        path,
        message: `has ${names.length} columns; at most ${LIMITS.csvMaxColumns} are allowed (phone and ${LIMITS.dynamicVarsPerRecipient} variables)`,
      },
    ];
  }
  if (!names.includes(PHONE_COLUMN)) {
    const nearMiss = names.find((n) => n.toLowerCase() === PHONE_COLUMN);
    issues.push({
      path,
      message:
        nearMiss === undefined
          ? 'the header row must have a column named "phone"'
          : `the header row must have a column named "phone" (lower case; found "${nearMiss}")`,
    });
  }
  const seen = new Set<string>();
  const reported = new Set<string>();
  names.forEach((name, i) => {
    if (name === '') {
      issues.push({ path, message: `column ${i + 1} of the header row has no name` });
      return;
    }
    if (seen.has(name)) {
      if (!reported.has(name)) issues.push({ path, message: `the column "${name}" appears more than once` });
      reported.add(name);
      return;
    }
    seen.add(name);
    if (name !== PHONE_COLUMN) {
      const problem = checkVarKey(name);
      if (problem !== null) issues.push({ path, message: `column "${name.slice(0, 100)}": ${problem}` });
    }
  });
  return issues;
}

/**
 * One data row as a recipient. `header` must have passed validateCsvHeader; `line` is the physical
 * line where the row starts.
 */
export function csvRowToRecipient(header: string[], cells: string[], line: number): RecipientCheck {
  const path = csvLinePath(line);
  const names = normalizeHeader(header);
  if (cells.length !== names.length) {
    return {
      ok: false,
      issues: [
        {
          path,
          message: `has ${cells.length} cell${cells.length === 1 ? '' : 's'}, but the header has ${names.length} columns`,
        },
      ],
    };
  }
  const issues: FieldIssue[] = [];
  const vars: Array<[string, string]> = [];
  let phone: string | null = null;
  for (const [i, name] of names.entries()) {
    const cell = cells[i] ?? '';
    if (name === PHONE_COLUMN) {
      if (cell.trim() === '') {
        issues.push({ path, message: 'phone: is required' });
        continue;
      }
      const check = normalizeE164(cell);
      if (check.ok) phone = check.e164;
      else issues.push({ path, message: `phone: ${check.message}` });
      continue;
    }
    const problem = checkVarValue(cell);
    if (problem !== null) issues.push({ path, message: `${name}: ${problem}` });
    else vars.push([name, cell]);
  }
  const dynamicVars: DynamicVars = Object.fromEntries(vars);
  const zoneProblem = checkTimezoneVar(dynamicVars);
  if (zoneProblem !== null) issues.push({ path, message: `${TIMEZONE_VAR}: ${zoneProblem}` });
  if (issues.length > 0 || phone === null) return { ok: false, issues };
  return { ok: true, value: { phone, dynamicVars, path } };
}

/** A row whose every cell is blank (an empty line, or `,,,` that spreadsheets append) carries no recipient. */
export function isBlankRow(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

/**
 * A csv-parse error in words, the same for the API's reader and the dashboard's preview (they use
 * csv-parse's Node and browser builds, whose errors share these codes).
 */
export function describeCsvError(err: { code?: string }): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote must be followed by a comma or the end of the line (write a quote inside a quoted field as "")';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote appears inside an unquoted field (quote the whole field and double the quote)';
    case 'CSV_MAX_RECORD_SIZE':
      return 'the row is too long';
    default:
      return 'cannot be read as CSV';
  }
}

/** Line breaks inside a row's quoted cells: the row's next line is this many lines further on. */
export function lineBreaksIn(cells: readonly string[]): number {
  let count = 0;
  for (const cell of cells) count += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  return count;
}
