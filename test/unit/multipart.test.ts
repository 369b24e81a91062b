import { describe, expect, it } from 'vitest';
import { parseCreateBatchMultipart } from '#shared/http/parse-multipart.ts';
import {
  DomainError,
  InvalidRequestError,
  PayloadTooLargeError,
  ValidationError,
  type FieldIssue,
} from '#shared/domain/errors.ts';
import { LIMITS } from '#shared/domain/limits.ts';

const BOUNDARY = '----batchcalls7MA4YWxkTrZu0gW';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const NOW = new Date('2026-11-01T12:00:00.000Z');

type Part = { name: string; value: string | Buffer; filename?: string };

/** A multipart/form-data body written out by hand, as a client library would send it. */
function multipart(parts: Part[], { close = true } = {}): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `Content-Disposition: form-data; name="${part.name}"`
        : `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: text/csv`;
    chunks.push(Buffer.from(`--${BOUNDARY}\r\n${disposition}\r\n\r\n`, 'utf8'));
    chunks.push(typeof part.value === 'string' ? Buffer.from(part.value, 'utf8') : part.value);
    chunks.push(Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

const CSV = 'phone,first_name\n+14155551234,Alice\n+14155551235,Bob\n';
const textFields = (extra: Record<string, string> = {}): Part[] =>
  Object.entries({ name: 'November renewals', agent_id: 'agent_01', ...extra }).map(([name, value]) => ({
    name,
    value,
  }));
const csvPart = (value: string | Buffer, filename = 'recipients.csv'): Part => ({
  name: 'csv_file',
  value,
  filename,
});

async function failure(body: Buffer, contentType = CONTENT_TYPE): Promise<DomainError> {
  try {
    await parseCreateBatchMultipart(body, contentType, NOW);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

async function validationFields(body: Buffer): Promise<FieldIssue[]> {
  const err = await failure(body);
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).fields;
}

/** An ASCII CSV of exactly `size` bytes with 1,000 valid rows (values stay under 1,000 characters). */
function csvOfSize(size: number): Buffer {
  const header = 'phone,a,b,c,d,e,f\n';
  const rows = 1_000;
  const values = Array.from({ length: rows * 6 }, () => 870);
  const fixed = header.length + rows * ('+14155551234'.length + 6 + 1);
  let remainder = size - fixed - values.reduce((a, b) => a + b, 0);
  for (let i = 0; remainder > 0; i += 1) {
    const grow = Math.min(remainder, LIMITS.dynamicVarValueMaxLength - (values[i] ?? 0));
    values[i] = (values[i] ?? 0) + grow;
    remainder -= grow;
  }
  let text = header;
  for (let r = 0; r < rows; r += 1) {
    text += '+14155551234';
    for (let c = 0; c < 6; c += 1) text += ',' + 'x'.repeat(values[r * 6 + c] ?? 0);
    text += '\n';
  }
  const buffer = Buffer.from(text, 'utf8');
  expect(buffer.length).toBe(size);
  return buffer;
}

describe('parseCreateBatchMultipart', () => {
  it('reads the text fields and the CSV file', async () => {
    const body = multipart([
      ...textFields({
        phone_number_id: 'pn_1',
        scheduled_at: '2026-11-02T09:00:00+02:00',
        ringing_timeout_ms: '45000',
        max_concurrent_calls: '7',
      }),
      csvPart(CSV),
    ]);
    expect(await parseCreateBatchMultipart(body, CONTENT_TYPE, NOW)).toEqual({
      name: 'November renewals',
      agentId: 'agent_01',
      phoneNumberId: 'pn_1',
      scheduledAt: '2026-11-02T07:00:00.000Z',
      ringingTimeoutMs: 45_000,
      maxConcurrentCalls: 7,
      // Without retry or calling_window fields: one attempt, no window.
      retry: { maxAttempts: 1, rules: {} },
      callingWindow: null,
      guardrails: null,
      duplicates: 'allow',
      allowMissingVariables: false,
      recipients: [
        { phone: '+14155551234', dynamicVars: { first_name: 'Alice' }, path: 'csv_file:line 2' },
        { phone: '+14155551235', dynamicVars: { first_name: 'Bob' }, path: 'csv_file:line 3' },
      ],
      source: 'csv',
    });
  });

  it('decodes text fields as UTF-8 and accepts the file before the fields', async () => {
    const body = multipart([
      csvPart('\uFEFFphone,city\r\n+14155551234,"Zürich, CH"\r\n'),
      ...textFields({ name: 'Rückruf 😀' }),
    ]);
    const input = await parseCreateBatchMultipart(body, CONTENT_TYPE, NOW);
    expect(input.name).toBe('Rückruf 😀');
    expect(input.recipients).toEqual([
      { phone: '+14155551234', dynamicVars: { city: 'Zürich, CH' }, path: 'csv_file:line 2' },
    ]);
    expect(input).toMatchObject({
      scheduledAt: null,
      ringingTimeoutMs: 30_000,
      maxConcurrentCalls: null,
      phoneNumberId: null,
    });
  });

  it('requires csv_file, reporting the text field problems alongside', async () => {
    expect(await validationFields(multipart(textFields({ agent_id: '' })))).toEqual([
      { path: 'agent_id', message: 'must not be empty' },
      { path: 'csv_file', message: 'is required' },
    ]);
  });

  it('refuses csv_file sent as a text field instead of a file', async () => {
    expect(await validationFields(multipart([...textFields(), { name: 'csv_file', value: CSV }]))).toEqual([
      { path: 'csv_file', message: 'is required' },
      { path: 'csv_file', message: 'must be sent as a file (a part with a filename)' },
    ]);
  });

  it('names a second file, an unknown file, an unknown field and a repeated field', async () => {
    const body = multipart([
      ...textFields(),
      csvPart(CSV),
      csvPart(CSV, 'second.csv'),
      { name: 'attachment', value: 'x', filename: 'x.txt' },
      { name: 'schedule_at', value: '2026-11-02T09:00:00Z' },
      { name: 'name', value: 'again' },
    ]);
    expect(await validationFields(body)).toEqual([
      { path: 'schedule_at', message: 'is not a known field' },
      { path: 'csv_file', message: 'must be sent only once' },
      { path: 'attachment', message: 'is not a known field' },
      { path: 'name', message: 'is given more than once' },
    ]);
  });

  it('lists text field problems and every bad CSV row together', async () => {
    const body = multipart([
      ...textFields({ ringing_timeout_ms: '500', scheduled_at: '2026-11-02T09:00:00' }),
      csvPart('phone,name\n4155551234,A\n+14155551234,B,extra\n'),
    ]);
    expect(await validationFields(body)).toEqual([
      { path: 'ringing_timeout_ms', message: 'must be at least 1,000' },
      { path: 'scheduled_at', message: expect.stringMatching(/offset/) },
      { path: 'csv_file:line 2', message: expect.stringMatching(/^phone: /) },
      { path: 'csv_file:line 3', message: 'has 3 cells, but the header has 2 columns' },
    ]);
  });

  it('keeps reading the form after a CSV header problem (the file stream is drained, nothing hangs)', async () => {
    const big = 'number,name\n' + '+14155551234,somebody\n'.repeat(20_000);
    const body = multipart([csvPart(big), ...textFields(), { name: 'colour', value: 'blue' }]);
    expect(await validationFields(body)).toEqual([
      { path: 'colour', message: 'is not a known field' },
      { path: 'csv_file:line 1', message: 'the header row must have a column named "phone"' },
    ]);
  });

  it('accepts a file of exactly 5 MiB and refuses one byte more with payload_too_large', async () => {
    const exact = await parseCreateBatchMultipart(
      multipart([...textFields(), csvPart(csvOfSize(LIMITS.maxCsvBytes))]),
      CONTENT_TYPE,
      NOW,
    );
    expect(exact.recipients).toHaveLength(1_000);
    const err = await failure(multipart([...textFields(), csvPart(csvOfSize(LIMITS.maxCsvBytes + 1))]));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err.status).toBe(413);
    expect(err.message).toBe('csv_file: must be at most 5 MB');
  });

  it('refuses an over-size file even when the fields after it are fine, or it is not CSV at all', async () => {
    const junk = Buffer.alloc(LIMITS.maxCsvBytes + 1024, 0xff);
    const err = await failure(multipart([csvPart(junk), ...textFields()]));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
  });

  it('refuses a CSV that is not UTF-8 as invalid_request', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('phone,name\n+14155551234,M'),
      Buffer.from([0xfc]),
      Buffer.from('ller\n'),
    ]);
    const err = await failure(multipart([...textFields(), csvPart(latin1)]));
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.message).toBe('csv_file: is not valid UTF-8');
  });

  it('refuses a CSV with an unterminated quote as invalid_request naming the line', async () => {
    const csv = 'phone,name\n+14155551234,A\n+14155551235,"B\n' + '+14155551236,C\n'.repeat(5_000);
    const err = await failure(multipart([...textFields(), csvPart(csv)]));
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.message).toBe('csv_file:line 3: a quoted field is never closed');
  });

  it('refuses a body cut off in the middle of the file as invalid_request, without hanging', async () => {
    const whole = multipart([...textFields(), csvPart(CSV + '+14155551236,Carol\n'.repeat(2_000))]);
    const err = await failure(whole.subarray(0, Math.floor(whole.length / 2)));
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.message).toMatch(/^The multipart body cannot be read: /);
  });

  it('refuses a body cut off before the file, or without its closing boundary', async () => {
    const whole = multipart([...textFields(), csvPart(CSV)]);
    expect(await failure(whole.subarray(0, 30))).toBeInstanceOf(InvalidRequestError);
    expect(await failure(multipart([...textFields(), csvPart(CSV)], { close: false }))).toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it('refuses a content type without a boundary, with the wrong boundary, or not multipart', async () => {
    const body = multipart([...textFields(), csvPart(CSV)]);
    for (const contentType of [
      'multipart/form-data',
      'multipart/form-data; boundary=somethingelse',
      'application/json',
      '',
    ]) {
      const err = await failure(body, contentType);
      expect(err).toBeInstanceOf(InvalidRequestError);
    }
  });

  it('refuses an empty body', async () => {
    expect(await failure(Buffer.alloc(0))).toBeInstanceOf(InvalidRequestError);
  });
});
