import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { type FieldIssue, InvalidRequestError } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';

/**
 * What the two multipart forms with a CSV file share (a batch: ./parse-multipart.ts; a suppression
 * import: ./parse-suppression-multipart.ts): busboy's limits, the `csv_file` part streamed into a CSV
 * reader as busboy produces it, and its stream hygiene.
 *
 * busboy with an async consumer has two ways to hang: a CSV reader that stops early (a header or
 * quoting error) must not leave the file stream unread, and a body that ends mid-file must not leave
 * the reader waiting for bytes that never come. busboy 1.6 copes with both on its own (it skips the
 * rest of a destroyed file stream and destroys an open one when the form ends early); readers still
 * read with destroyOnReturn: false and then drain, and open file streams are destroyed on a form
 * error, so neither depends on that. The tests cover both cases.
 */

export const CSV_FILE_FIELD = 'csv_file';
export const TEXT_FIELD_MAX_BYTES = 64 * 1024;

export function unreadable(reason: string, cause?: unknown): InvalidRequestError {
  // busboy's messages are plain descriptions ("Unexpected end of form"), safe to pass on.
  const detail = reason.replace(/^Multipart: /, '').replace(/\.$/, '');
  return new InvalidRequestError(`The multipart body cannot be read: ${detail.toLowerCase()}.`, [], {
    cause,
  });
}

/** A form parser for `contentType`; a content type busboy cannot read is an invalid request. */
export function csvFormParser(contentType: string): busboy.Busboy {
  try {
    return busboy({
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
}

export interface CsvFormResult<T> {
  /** The reader's outcome; null when the form had no `csv_file`. */
  csv: T | null;
  tooLarge: boolean;
  tooManyParts: boolean;
}

/**
 * Streams the `csv_file` part into `readCsv` (which must never reject, and must drain its stream),
 * names a second file or any other file part in `issues`, feeds `body` to the parser and waits for
 * the form. The caller registers its own `field` handler before calling this.
 */
export async function readCsvForm<T>(
  bb: busboy.Busboy,
  body: Buffer,
  issues: FieldIssue[],
  readCsv: (stream: Readable) => Promise<T>,
): Promise<CsvFormResult<T>> {
  const openFiles = new Set<Readable>();
  // Set from busboy's callbacks; a holder object keeps TypeScript from narrowing them to their initial values.
  const state: { csv: Promise<T> | null; tooLarge: boolean; tooManyParts: boolean } = {
    csv: null,
    tooLarge: false,
    tooManyParts: false,
  };
  bb.on('file', (name, stream) => {
    openFiles.add(stream);
    const settle = () => openFiles.delete(stream);
    stream.once('end', settle);
    stream.once('close', settle);
    if (name !== CSV_FILE_FIELD || state.csv !== null) {
      issues.push(
        name === CSV_FILE_FIELD
          ? { path: CSV_FILE_FIELD, message: 'must be sent only once' }
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
  return {
    csv: state.csv === null ? null : await state.csv,
    tooLarge: state.tooLarge,
    tooManyParts: state.tooManyParts,
  };
}
