import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { type FieldIssue, InvalidRequestError, ValidationError } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';
import {
  csvLinePath,
  csvRowToRecipient,
  describeCsvError,
  isBlankRow,
  lineBreaksIn,
  validateCsvHeader,
} from './csv-rules.ts';
import type { RecipientInput } from './recipient.ts';
import {
  csvRowToSuppression,
  type SuppressionCsvRow,
  validateSuppressionCsvHeader,
} from './suppression-csv-rules.ts';

/**
 * Reads a recipients CSV as it streams in (the rules themselves are in csv-rules.ts).
 *
 * Why in contracts, not behind a port: this is pure parsing of the "Create" contract's CSV form. It
 * does no I/O of its own (the caller hands it the bytes: busboy's file stream, an S3 body) and
 * csv-parse is a pure library, so the use case (app/uploads.ts) and the multipart reader
 * (http/parse-multipart.ts) may import it like any other contract. It cannot live in the domain,
 * which the contracts build on (it applies csv-rules.ts). Unlike the rest of contracts it is
 * Node-only (node:stream, csv-parse's Node build): the dashboard imports csv-rules.ts, never this.
 *
 * - UTF-8, checked strictly by a fatal streaming decoder (a lone bad byte is refused, not replaced);
 *   a leading BOM is dropped.
 * - RFC 4180 via csv-parse: LF, CRLF or CR line ends, quoted commas, doubled quotes, line breaks
 *   inside quotes. A stray quote or an unclosed one is `invalid_request` naming the line where the
 *   broken row starts.
 * - Blank lines, and rows whose every cell is blank, are skipped wherever they are (spreadsheets
 *   append `,,,` rows; a trailing newline is common): they carry no recipient.
 * - Rows are validated to the end so that one answer lists every bad row. After 1,000 data rows the
 *   file is still read to the end (the caller's stream must be drained anyway, and it is at most
 *   5 MB) but no longer validated; the answer then says how many rows there were.
 *
 * Line numbers are counted here rather than taken from csv-parse, whose `info.lines` counts a CRLF
 * inside a quoted field as two lines.
 */

const UTF8_ERROR = 'csv_file: is not valid UTF-8';

async function* decodeUtf8(input: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of input) {
      const text = decoder.decode(chunk, { stream: true });
      if (text !== '') yield text;
    }
    const tail = decoder.decode();
    if (tail !== '') yield tail;
  } catch (err) {
    if (err instanceof TypeError)
      throw new InvalidRequestError(UTF8_ERROR, [{ path: 'csv_file', message: 'is not valid UTF-8' }]);
    throw err;
  }
}

/** A record of the file and the physical line where it starts (the header being line 1). */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/**
 * Every record of a CSV that is not blank, in order, with the line where it starts. The rules of what
 * a record means are the caller's. A file that cannot be read (not UTF-8, broken quoting) throws
 * `invalid_request` naming the line; a caller that stops early leaves nothing open.
 */
export async function* readCsvRecords(input: AsyncIterable<Uint8Array>): AsyncGenerator<CsvRecord> {
  // Lines are counted as csv-parse hands over each record (not as the loop below reads them: records
  // still buffered when a later one fails would be lost, and the error would name the wrong line).
  let nextLine = 1; // the physical line where the next record starts
  const startLines: number[] = []; // startLines[i]: where the i-th record starts
  let recordIndex = 0;
  const parser = parse({
    bom: true,
    // The row-length rule is ours (with a clear message), not a parse failure.
    relax_column_count: true,
    max_record_size: LIMITS.maxCsvBytes,
    on_record: (cells: string[]) => {
      startLines.push(nextLine);
      nextLine += lineBreaksIn(cells) + 1;
      return cells;
    },
  });
  const feeding = pipeline(Readable.from(decodeUtf8(input)), parser);
  // Any failure of the pipeline also destroys the parser, so it surfaces through the loop below.
  feeding.catch(() => undefined);

  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = startLines[recordIndex] ?? nextLine;
      recordIndex += 1;
      if (isBlankRow(record)) continue;
      yield { cells: record, line };
    }
    await feeding;
  } catch (err) {
    if (err instanceof CsvError) {
      const path = csvLinePath(nextLine);
      throw new InvalidRequestError(
        `${path}: ${describeCsvError(err)}`,
        [{ path, message: describeCsvError(err) }],
        {
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    // On an early exit (a header problem) the source must not be left half-read and open.
    parser.destroy();
  }
}

export async function parseRecipientsCsv(input: AsyncIterable<Uint8Array>): Promise<RecipientInput[]> {
  let header: string[] | null = null;
  let rows = 0;
  const recipients: RecipientInput[] = [];
  const issues: FieldIssue[] = [];

  for await (const { cells: record, line } of readCsvRecords(input)) {
    if (header === null) {
      header = record;
      const headerIssues = validateCsvHeader(header, line);
      // Without a usable header no row can be read: stop here and say why.
      if (headerIssues.length > 0) throw new ValidationError(headerIssues);
      continue;
    }
    rows += 1;
    if (rows > LIMITS.maxRecipients) continue;
    const check = csvRowToRecipient(header, record, line);
    if (check.ok) recipients.push(check.value);
    else issues.push(...check.issues);
  }

  if (header === null) {
    throw new ValidationError([
      {
        path: 'csv_file',
        message: 'is empty; it needs a header row with a "phone" column and one row per recipient',
      },
    ]);
  }
  if (rows === 0) throw new ValidationError([{ path: 'csv_file', message: 'has no recipients' }]);
  if (rows > LIMITS.maxRecipients) {
    throw new ValidationError([
      {
        path: 'csv_file',
        message: `has ${rows.toLocaleString('en-US')} recipients; at most ${LIMITS.maxRecipients.toLocaleString('en-US')} are allowed`,
      },
    ]);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return recipients;
}

/**
 * A suppression-list CSV (suppression-csv-rules.ts): the rows that can be added and the rows that
 * cannot, by line. A file without a usable header, without rows or with more than
 * LIMITS.suppression.csvMaxRows rows is refused as a whole.
 */
export async function parseSuppressionsCsv(
  input: AsyncIterable<Uint8Array>,
): Promise<{ rows: SuppressionCsvRow[]; issues: FieldIssue[] }> {
  const max = LIMITS.suppression.csvMaxRows;
  let header: string[] | null = null;
  let count = 0;
  const rows: SuppressionCsvRow[] = [];
  const issues: FieldIssue[] = [];
  for await (const { cells, line } of readCsvRecords(input)) {
    if (header === null) {
      header = cells;
      const headerIssues = validateSuppressionCsvHeader(header, line);
      if (headerIssues.length > 0) throw new ValidationError(headerIssues);
      continue;
    }
    count += 1;
    if (count > max) continue;
    const check = csvRowToSuppression(header, cells, line);
    if (check.ok) rows.push(check.value);
    else issues.push(...check.issues);
  }
  if (header === null) {
    throw new ValidationError([
      {
        path: 'csv_file',
        message: 'is empty; it needs a header row with a "phone" column and one row per phone',
      },
    ]);
  }
  if (count === 0) throw new ValidationError([{ path: 'csv_file', message: 'has no phones' }]);
  if (count > max) {
    throw new ValidationError([
      {
        path: 'csv_file',
        message: `has ${count.toLocaleString('en-US')} rows; at most ${max.toLocaleString('en-US')} are allowed`,
      },
    ]);
  }
  return { rows, issues };
}
