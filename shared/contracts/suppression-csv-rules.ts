import type { FieldIssue } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';
import { normalizeE164 } from '../domain/phone.ts';
import { csvLinePath, normalizeHeader, PHONE_COLUMN } from './csv-rules.ts';

/**
 * The rules of a suppression-list CSV (`POST /v1/suppressions`, multipart `csv_file`), apart from the
 * reading itself (csv-reader.ts): browser-safe, like csv-rules.ts, whose line paths and header
 * normalization it shares.
 *
 * - The header row must hold a column named exactly `phone`; a `reason` column is optional; any
 *   other column is ignored (an export from a CRM can be imported as it is).
 * - A row must have exactly as many cells as the header; its phone is normalized to E.164; a blank
 *   reason is none.
 * - Unlike a batch, a bad row does not refuse the file: it is named in the answer's `errors`
 *   (`csv_file:line 7`) and the other rows are added. A bad header refuses the file.
 */

export const REASON_COLUMN = 'reason';

export interface SuppressionCsvRow {
  phone: string;
  reason: string | null;
  line: number;
}

export function validateSuppressionCsvHeader(header: readonly string[], line = 1): FieldIssue[] {
  const names = normalizeHeader(header);
  const path = csvLinePath(line);
  const issues: FieldIssue[] = [];
  for (const column of [PHONE_COLUMN, REASON_COLUMN]) {
    const count = names.filter((n) => n === column).length;
    if (column === PHONE_COLUMN && count === 0) {
      issues.push({ path, message: 'the header row must have a column named "phone"' });
    }
    if (count > 1) issues.push({ path, message: `the column "${column}" appears more than once` });
  }
  return issues;
}

export function csvRowToSuppression(
  header: readonly string[],
  cells: readonly string[],
  line: number,
): { ok: true; value: SuppressionCsvRow } | { ok: false; issues: FieldIssue[] } {
  const path = csvLinePath(line);
  const names = normalizeHeader(header);
  if (cells.length !== names.length) {
    const s = cells.length === 1 ? '' : 's';
    return {
      ok: false,
      issues: [{ path, message: `has ${cells.length} cell${s}, but the header has ${names.length} columns` }],
    };
  }
  const issues: FieldIssue[] = [];
  const phoneCell = cells[names.indexOf(PHONE_COLUMN)] ?? '';
  const reasonIndex = names.indexOf(REASON_COLUMN);
  const reasonCell = reasonIndex === -1 ? '' : (cells[reasonIndex] ?? '').trim();
  let phone: string | null = null;
  if (phoneCell.trim() === '') issues.push({ path, message: 'phone: is required' });
  else {
    const check = normalizeE164(phoneCell);
    if (check.ok) phone = check.e164;
    else issues.push({ path, message: `phone: ${check.message}` });
  }
  if (reasonCell.length > LIMITS.suppression.reasonMaxLength) {
    issues.push({
      path,
      message: `reason: must be at most ${LIMITS.suppression.reasonMaxLength} characters long`,
    });
  }
  if (issues.length > 0 || phone === null) return { ok: false, issues };
  return { ok: true, value: { phone, reason: reasonCell === '' ? null : reasonCell, line } };
}
