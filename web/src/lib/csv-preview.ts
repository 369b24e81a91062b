import { CsvError, parse } from 'csv-parse/browser/esm/sync';
import {
  csvLinePath,
  describeCsvError,
  lineBreaksIn,
  csvRowToRecipient,
  isBlankRow,
  normalizeHeader,
  validateCsvHeader,
} from '../../../shared/contracts/csv-rules.ts';
import type { RecipientInput } from '../../../shared/contracts/recipient.ts';
import type { FieldIssue } from '../../../shared/domain/errors.ts';
import { LIMITS } from '../../../shared/domain/limits.ts';

/**
 * Reads a recipients CSV in the browser by the API's rules (shared/contracts/csv-rules.ts, and the
 * reading choices of shared/contracts/csv-reader.ts: strict UTF-8, BOM allowed, RFC 4180,
 * blank rows skipped, lines counted where each row starts), so the preview shows the very errors the
 * API would answer, before anything is uploaded.
 */

export interface CsvRowPreview {
  /** The physical line where the row starts (the header is line 1 in a file without blank lines). */
  line: number;
  cells: string[];
  /** Empty when the row is a valid recipient. */
  issues: FieldIssue[];
}

export interface CsvPreview {
  /** Column names as the API reads them; null when no header row could be read. */
  header: string[] | null;
  /** Every data row, valid or not, in file order (validated up to the recipient limit). */
  rows: CsvRowPreview[];
  /** Problems of the file as a whole: encoding, size, quoting, header, row count. */
  fileIssues: FieldIssue[];
  /** The valid rows as recipients. */
  recipients: RecipientInput[];
}

const plural = (n: number) => n.toLocaleString('en-US');

export function previewRecipientsCsv(bytes: Uint8Array): CsvPreview {
  const empty = (issue: FieldIssue): CsvPreview => ({
    header: null,
    rows: [],
    fileIssues: [issue],
    recipients: [],
  });
  if (bytes.byteLength > LIMITS.maxCsvBytes) {
    return empty({ path: 'csv_file', message: `is larger than ${LIMITS.maxCsvBytes / 1024 / 1024} MB` });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return empty({ path: 'csv_file', message: 'is not valid UTF-8' });
  }

  let nextLine = 1;
  const startLines: number[] = [];
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      relax_column_count: true,
      max_record_size: LIMITS.maxCsvBytes,
      on_record: (cells: string[]) => {
        startLines.push(nextLine);
        nextLine += lineBreaksIn(cells) + 1;
        return cells;
      },
    }) as string[][];
  } catch (err) {
    if (err instanceof CsvError) {
      return empty({ path: csvLinePath(nextLine), message: describeCsvError(err) });
    }
    throw err;
  }

  let header: string[] | null = null;
  const rows: CsvRowPreview[] = [];
  const recipients: RecipientInput[] = [];
  for (const [i, record] of records.entries()) {
    const line = startLines[i] ?? nextLine;
    if (isBlankRow(record)) continue;
    if (header === null) {
      const headerIssues = validateCsvHeader(record, line);
      if (headerIssues.length > 0) {
        return { header: normalizeHeader(record), rows: [], fileIssues: headerIssues, recipients: [] };
      }
      header = record;
      continue;
    }
    if (rows.length >= LIMITS.maxRecipients) {
      rows.push({ line, cells: record, issues: [] });
      continue;
    }
    const check = csvRowToRecipient(header, record, line);
    if (check.ok) recipients.push(check.value);
    rows.push({ line, cells: record, issues: check.ok ? [] : check.issues });
  }

  const fileIssues: FieldIssue[] = [];
  if (header === null) {
    fileIssues.push({
      path: 'csv_file',
      message: 'is empty; it needs a header row with a "phone" column and one row per recipient',
    });
  } else if (rows.length === 0) {
    fileIssues.push({ path: 'csv_file', message: 'has no recipients' });
  } else if (rows.length > LIMITS.maxRecipients) {
    fileIssues.push({
      path: 'csv_file',
      message: `has ${plural(rows.length)} recipients; at most ${plural(LIMITS.maxRecipients)} are allowed`,
    });
  }
  return { header: header === null ? null : normalizeHeader(header), rows, fileIssues, recipients };
}

/** Every problem of a preview, file issues first, then rows in file order. */
export function previewIssues(preview: CsvPreview): FieldIssue[] {
  return [...preview.fileIssues, ...preview.rows.flatMap((row) => row.issues)];
}
