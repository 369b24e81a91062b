import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { type CreateBatchInput, validateCreateBatchFields } from '../contracts/batch.ts';
import { parseRecipientsCsv } from '../contracts/csv-reader.ts';
import type { RecipientInput } from '../contracts/recipient.ts';
import {
  type FieldIssue,
  InvalidRequestError,
  PayloadTooLargeError,
  ValidationError,
} from '../domain/errors.ts';
import { CSV_FILE_FIELD, csvFormParser, readCsvForm } from './multipart-csv-form.ts';

/**
 * The multipart form of `POST /v1/agents/batch-calls`: text fields `name`, `agent_id`,
 * `phone_number_id?`, `scheduled_at?`, `ringing_timeout_ms?`, `max_concurrent_calls?`, `retry?`,
 * `calling_window?`, `guardrails?`, `duplicates?` and the file `csv_file`, streamed into the CSV reader
 * as busboy produces it (./multipart-csv-form.ts).
 *
 * Which error wins when several apply: an unreadable body (busboy) → invalid_request; a file over
 * 5 MB → payload_too_large; an unreadable CSV (not UTF-8, broken quoting) → invalid_request;
 * otherwise every field, form and row problem together in one validation_error.
 */

type CsvOutcome = { ok: true; recipients: RecipientInput[] } | { ok: false; error: unknown };

export async function parseCreateBatchMultipart(
  body: Buffer,
  contentType: string,
  now: Date,
): Promise<CreateBatchInput> {
  const bb = csvFormParser(contentType);
  const issues: FieldIssue[] = [];
  const fields: Record<string, string> = {};

  bb.on('field', (name, value, info) => {
    if (name === CSV_FILE_FIELD) {
      // busboy treats a part without a filename as a text field (and caps it at fieldSize).
      issues.push({ path: CSV_FILE_FIELD, message: 'must be sent as a file (a part with a filename)' });
    } else if (Object.hasOwn(fields, name)) {
      issues.push({ path: name, message: 'is given more than once' });
    } else if (info.valueTruncated) {
      issues.push({ path: name, message: 'is too long' });
    } else {
      fields[name] = value;
    }
  });

  const form = await readCsvForm(bb, body, issues, readCsv);
  const csvOutcome: CsvOutcome | null = form.csv;

  if (form.tooLarge) throw new PayloadTooLargeError(`${CSV_FILE_FIELD}: must be at most 5 MB`);
  if (csvOutcome !== null && !csvOutcome.ok) {
    if (!(csvOutcome.error instanceof ValidationError)) throw csvOutcome.error;
    issues.push(...csvOutcome.error.fields);
  }
  // The CSV and every text field must be UTF-8, and the framing is ASCII: so must the whole body
  // (a CSV that is not is named above).
  // Checked on the bytes, since busboy decodes text fields with replacement characters.
  if (!isUtf8(body)) {
    throw new InvalidRequestError('The request body is not valid UTF-8 (text fields and the CSV must be).');
  }
  if (csvOutcome === null) issues.unshift({ path: CSV_FILE_FIELD, message: 'is required' });
  if (form.tooManyParts) issues.push({ path: '', message: 'the form has too many fields or files' });

  let textFields: Omit<CreateBatchInput, 'recipients' | 'source'> | null = null;
  try {
    textFields = validateCreateBatchFields(fields, now);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    issues.unshift(...err.fields);
  }

  if (issues.length > 0 || textFields === null || csvOutcome === null || !csvOutcome.ok) {
    throw new ValidationError(issues);
  }
  return { ...textFields, recipients: csvOutcome.recipients, source: 'csv' };
}

/**
 * Reads the file part into recipients. Never rejects (the outcome carries the error), so no
 * rejection goes unhandled while the form is still being parsed, and the stream is always drained.
 */
async function readCsv(stream: Readable): Promise<CsvOutcome> {
  try {
    const recipients = await parseRecipientsCsv(stream.iterator({ destroyOnReturn: false }));
    return { ok: true, recipients };
  } catch (error) {
    return { ok: false, error };
  } finally {
    if (!stream.destroyed) stream.resume();
  }
}
