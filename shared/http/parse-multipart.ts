import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { type CreateBatchInput, validateCreateBatchFields } from '../contracts/batch.ts';
import { parseRecipientsCsv } from '../contracts/csv-reader.ts';
import type { RecipientInput } from '../contracts/recipient.ts';
import {
  type FieldIssue,
  InvalidRequestError,
  PayloadTooLargeError,
  ValidationError,
} from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';

/**
 * The multipart form of `POST /v1/agents/batch-calls`: text fields `name`, `agent_id`,
 * `phone_number_id?`, `scheduled_at?`, `ringing_timeout_ms?`, `max_concurrent_calls?` and the file
 * `csv_file`. The file is streamed into the CSV reader as busboy produces it.
 *
 * Which error wins when several apply: an unreadable body (busboy) → invalid_request; a file over
 * 5 MB → payload_too_large; an unreadable CSV (not UTF-8, broken quoting) → invalid_request;
 * otherwise every field, form and row problem together in one validation_error.
 *
 * busboy with an async consumer has two ways to hang: a CSV reader that stops early (a header or
 * quoting error) must not leave the file stream unread, and a body that ends mid-file must not leave
 * the reader waiting for bytes that never come. busboy 1.6 copes with both on its own (it skips the
 * rest of a destroyed file stream and destroys an open one when the form ends early); the file is
 * still read with destroyOnReturn: false and then drained, and open file streams are destroyed on a
 * form error, so neither depends on that. The tests cover both cases.
 */

const FILE_FIELD = 'csv_file';
const TEXT_FIELD_MAX_BYTES = 64 * 1024;

function unreadable(reason: string, cause?: unknown): InvalidRequestError {
  // busboy's messages are plain descriptions ("Unexpected end of form"), safe to pass on.
  const detail = reason.replace(/^Multipart: /, '').replace(/\.$/, '');
  return new InvalidRequestError(`The multipart body cannot be read: ${detail.toLowerCase()}.`, [], {
    cause,
  });
}

type CsvOutcome = { ok: true; recipients: RecipientInput[] } | { ok: false; error: unknown };

export async function parseCreateBatchMultipart(
  body: Buffer,
  contentType: string,
  now: Date,
): Promise<CreateBatchInput> {
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: { 'content-type': contentType },
      defCharset: 'utf8',
      defParamCharset: 'utf8',
      limits: {
        // busboy emits 'limit' when a file REACHES this size, so allow one byte more than the maximum:
        // a file of exactly 5 MiB passes, one byte more is refused.
        fileSize: LIMITS.maxCsvBytes + 1,
        fieldSize: TEXT_FIELD_MAX_BYTES,
        files: 10,
        fields: 50,
        parts: 60,
      },
    });
  } catch (err) {
    throw unreadable(err instanceof Error ? err.message : 'bad content type', err);
  }

  const issues: FieldIssue[] = [];
  const fields: Record<string, string> = {};
  const openFiles = new Set<Readable>();
  // Set from busboy's callbacks; a holder object keeps TypeScript from narrowing them to their initial values.
  const state: { csv: Promise<CsvOutcome> | null; tooLarge: boolean; tooManyParts: boolean } = {
    csv: null,
    tooLarge: false,
    tooManyParts: false,
  };

  bb.on('field', (name, value, info) => {
    if (name === FILE_FIELD) {
      // busboy treats a part without a filename as a text field (and caps it at fieldSize).
      issues.push({ path: FILE_FIELD, message: 'must be sent as a file (a part with a filename)' });
    } else if (Object.hasOwn(fields, name)) {
      issues.push({ path: name, message: 'is given more than once' });
    } else if (info.valueTruncated) {
      issues.push({ path: name, message: 'is too long' });
    } else {
      fields[name] = value;
    }
  });

  bb.on('file', (name, stream) => {
    openFiles.add(stream);
    const settle = () => openFiles.delete(stream);
    stream.once('end', settle);
    stream.once('close', settle);
    if (name !== FILE_FIELD || state.csv !== null) {
      issues.push(
        name === FILE_FIELD
          ? { path: FILE_FIELD, message: 'must be sent only once' }
          : { path: name, message: 'is not a known field' },
      );
      stream.resume();
      return;
    }
    stream.once('limit', () => {
      state.tooLarge = true;
    });
    state.csv = readCsv(stream);
  });

  const limitHit = () => {
    state.tooManyParts = true;
  };
  bb.on('partsLimit', limitHit);
  bb.on('filesLimit', limitHit);
  bb.on('fieldsLimit', limitHit);

  const finished = new Promise<void>((resolve, reject) => {
    bb.once('close', resolve);
    bb.once('error', reject);
  });
  bb.end(body);

  try {
    await finished;
  } catch (err) {
    // A body that ends mid-file leaves the file stream waiting for bytes that never come.
    for (const stream of openFiles) stream.destroy(err instanceof Error ? err : new Error(String(err)));
    if (state.csv !== null) await state.csv;
    throw unreadable(err instanceof Error ? err.message : 'malformed body', err);
  }

  const csvOutcome: CsvOutcome | null = state.csv === null ? null : await state.csv;

  if (state.tooLarge) throw new PayloadTooLargeError(`${FILE_FIELD}: must be at most 5 MB`);
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
  if (csvOutcome === null) issues.unshift({ path: FILE_FIELD, message: 'is required' });
  if (state.tooManyParts) issues.push({ path: '', message: 'the form has too many fields or files' });

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
