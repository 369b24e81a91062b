import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { parseSuppressionsCsv } from '../contracts/csv-reader.ts';
import type { SuppressionCsvRow } from '../contracts/suppression-csv-rules.ts';
import {
  type FieldIssue,
  InvalidRequestError,
  PayloadTooLargeError,
  ValidationError,
} from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';

/**
 * The multipart form of `POST /v1/suppressions`: one file `csv_file` and no text field. Same limits,
 * error precedence and stream hygiene as the batch form (./parse-multipart.ts): an unreadable body →
 * invalid_request; a file over 5 MB → payload_too_large; an unreadable CSV → invalid_request; a
 * missing file, an unknown part or a bad header → validation_error. Bad rows are not an error here:
 * they come back as `issues` for the answer's `errors`.
 */

const FILE_FIELD = 'csv_file';

export interface SuppressionUpload {
  rows: SuppressionCsvRow[];
  issues: FieldIssue[];
}

type Outcome = { ok: true; value: SuppressionUpload } | { ok: false; error: unknown };

function unreadable(reason: string, cause?: unknown): InvalidRequestError {
  const detail = reason.replace(/^Multipart: /, '').replace(/\.$/, '');
  return new InvalidRequestError(`The multipart body cannot be read: ${detail.toLowerCase()}.`, [], {
    cause,
  });
}

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
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: { 'content-type': contentType },
      defCharset: 'utf8',
      defParamCharset: 'utf8',
      // One byte more than the maximum: busboy signals a file that REACHES the limit.
      limits: { fileSize: LIMITS.maxCsvBytes + 1, fieldSize: 64 * 1024, files: 10, fields: 50, parts: 60 },
    });
  } catch (err) {
    throw unreadable(err instanceof Error ? err.message : 'bad content type', err);
  }

  const issues: FieldIssue[] = [];
  const openFiles = new Set<Readable>();
  const state: { csv: Promise<Outcome> | null; tooLarge: boolean; tooManyParts: boolean } = {
    csv: null,
    tooLarge: false,
    tooManyParts: false,
  };

  bb.on('field', (name) => {
    issues.push(
      name === FILE_FIELD
        ? { path: FILE_FIELD, message: 'must be sent as a file (a part with a filename)' }
        : { path: name, message: 'is not a known field' },
    );
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
    for (const stream of openFiles) stream.destroy(err instanceof Error ? err : new Error(String(err)));
    if (state.csv !== null) await state.csv;
    throw unreadable(err instanceof Error ? err.message : 'malformed body', err);
  }

  const outcome = state.csv === null ? null : await state.csv;
  if (state.tooLarge) throw new PayloadTooLargeError(`${FILE_FIELD}: must be at most 5 MB`);
  if (outcome !== null && !outcome.ok) {
    if (!(outcome.error instanceof ValidationError)) throw outcome.error;
    issues.push(...outcome.error.fields);
  }
  if (!isUtf8(body)) {
    throw new InvalidRequestError('The request body is not valid UTF-8 (the CSV must be).');
  }
  if (outcome === null) issues.unshift({ path: FILE_FIELD, message: 'is required' });
  if (state.tooManyParts) issues.push({ path: '', message: 'the form has too many fields or files' });
  if (issues.length > 0 || outcome === null || !outcome.ok) throw new ValidationError(issues);
  return outcome.value;
}
