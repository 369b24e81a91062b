import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { parseSuppressionsCsv } from '../contracts/csv-reader.ts';
import type { SuppressionCsvRow } from '../contracts/suppression-csv-rules.ts';
import {
  type FieldIssue,
  InvalidRequestError,
  PayloadTooLargeError,
  ValidationError,
} from '../domain/errors.ts';
import { CSV_FILE_FIELD, csvFormParser, readCsvForm } from './multipart-csv-form.ts';

/**
 * The multipart form of `POST /v1/suppressions`: one file `csv_file` and no text field. Same limits,
 * error precedence and stream hygiene as the batch form (./parse-multipart.ts): an unreadable body →
 * invalid_request; a file over 5 MB → payload_too_large; an unreadable CSV → invalid_request; a
 * missing file, an unknown part or a bad header → validation_error. Bad rows are not an error here:
 * they come back as `issues` for the answer's `errors`.
 */

export interface SuppressionUpload {
  rows: SuppressionCsvRow[];
  issues: FieldIssue[];
}

type Outcome = { ok: true; value: SuppressionUpload } | { ok: false; error: unknown };

/** Reads the file; never rejects (the outcome carries the error) and always drains the stream. */
async function readCsv(stream: Readable): Promise<Outcome> {
  try {
    return { ok: true, value: await parseSuppressionsCsv(stream.iterator({ destroyOnReturn: false })) };
  } catch (error) {
    return { ok: false, error };
  } finally {
    if (!stream.destroyed) stream.resume();
  }
}

export async function parseSuppressionMultipart(
  body: Buffer,
  contentType: string,
): Promise<SuppressionUpload> {
  const bb = csvFormParser(contentType);
  const issues: FieldIssue[] = [];

  bb.on('field', (name) => {
    issues.push(
      name === CSV_FILE_FIELD
        ? { path: CSV_FILE_FIELD, message: 'must be sent as a file (a part with a filename)' }
        : { path: name, message: 'is not a known field' },
    );
  });
  const form = await readCsvForm(bb, body, issues, readCsv);
  const outcome = form.csv;
  if (form.tooLarge) throw new PayloadTooLargeError(`${CSV_FILE_FIELD}: must be at most 5 MB`);
  if (outcome !== null && !outcome.ok) {
    if (!(outcome.error instanceof ValidationError)) throw outcome.error;
    issues.push(...outcome.error.fields);
  }
  if (!isUtf8(body)) {
    throw new InvalidRequestError('The request body is not valid UTF-8 (the CSV must be).');
  }
  if (outcome === null) issues.unshift({ path: CSV_FILE_FIELD, message: 'is required' });
  if (form.tooManyParts) issues.push({ path: '', message: 'the form has too many fields or files' });
  if (issues.length > 0 || outcome === null || !outcome.ok) throw new ValidationError(issues);
  return outcome.value;
}
