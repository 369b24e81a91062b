import { describe, expect, it } from 'vitest';
import { parseSuppressionsCsv } from '#shared/contracts/csv-reader.ts';
import { checkExpiresAt, validateCreateSuppression } from '#shared/contracts/suppression.ts';
import {
  csvRowToSuppression,
  validateSuppressionCsvHeader,
} from '#shared/contracts/suppression-csv-rules.ts';
import { InvalidRequestError, PayloadTooLargeError, ValidationError } from '#shared/domain/errors.ts';
import { LIMITS } from '#shared/domain/limits.ts';
import { isSuppressionActive } from '#shared/domain/suppression.ts';
import { parseSuppressionMultipart } from '#shared/http/parse-suppression-multipart.ts';

const NOW = new Date('2026-11-01T12:00:00.000Z');
const BOUNDARY = '----suppressions7MA4YWxkTrZu0gW';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function form(parts: Array<{ name: string; value: string | Buffer; filename?: string }>): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `Content-Disposition: form-data; name="${part.name}"`
        : `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: text/csv`;
    chunks.push(
      Buffer.from(`--${BOUNDARY}\r\n${disposition}\r\n\r\n`),
      Buffer.from(part.value),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text, 'utf8');
}

function fieldsOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('suppression contracts', () => {
  it('normalizes the phone, trims the reason and keeps an expiry, rounded up to the second', () => {
    expect(
      validateCreateSuppression(
        { phone: '+1 (415) 555-0100', reason: '  asked  ', expires_at: '2026-11-02T13:00:00.2+01:00' },
        NOW,
      ),
    ).toEqual({ phone: '+14155550100', reason: 'asked', expiresAt: '2026-11-02T12:00:01.000Z' });
    expect(validateCreateSuppression({ phone: '+14155550100', reason: '' }, NOW)).toEqual({
      phone: '+14155550100',
      reason: null,
      expiresAt: null,
    });
  });

  it('names every bad field together', () => {
    const fields = fieldsOf(() =>
      validateCreateSuppression({ phone: '415', reason: 'x'.repeat(201), expires_at: 'soon', extra: 1 }, NOW),
    );
    expect(fields.map((f) => f.path).sort()).toEqual(['expires_at', 'extra', 'phone', 'reason']);
  });

  it('wants an expiry with an offset, in the future, at most 5 years ahead', () => {
    expect(checkExpiresAt('2026-12-01T09:00:00', NOW)).toMatchObject({ ok: false });
    expect(checkExpiresAt('2026-11-01T12:00:00Z', NOW)).toEqual({
      ok: false,
      message: 'must be in the future',
    });
    expect(checkExpiresAt('2026-02-30T12:00:00Z', NOW)).toEqual({
      ok: false,
      message: 'is not a valid date and time',
    });
    const limit = new Date(NOW.getTime() + LIMITS.suppression.maxExpiryMs).toISOString();
    expect(checkExpiresAt(limit, NOW)).toEqual({ ok: true, iso: limit });
    expect(checkExpiresAt(new Date(Date.parse(limit) + 1000).toISOString(), NOW)).toEqual({
      ok: false,
      message: 'must be at most 5 years ahead',
    });
  });

  it('counts an entry until its expiry', () => {
    expect(isSuppressionActive({ expiresAt: null }, NOW)).toBe(true);
    expect(isSuppressionActive({ expiresAt: '2026-11-01T12:00:00.001Z' }, NOW)).toBe(true);
    expect(isSuppressionActive({ expiresAt: '2026-11-01T12:00:00.000Z' }, NOW)).toBe(false);
  });
});

describe('suppression CSV rules', () => {
  it('needs a phone column, once; reason is optional, other columns are ignored', () => {
    expect(validateSuppressionCsvHeader(['phone'])).toEqual([]);
    expect(validateSuppressionCsvHeader(['name', ' phone ', 'reason'])).toEqual([]);
    expect(validateSuppressionCsvHeader(['Phone'])).toEqual([
      { path: 'csv_file:line 1', message: 'the header row must have a column named "phone"' },
    ]);
    expect(validateSuppressionCsvHeader(['phone', 'reason', 'reason'])[0]?.message).toMatch(/more than once/);
  });

  it('reads a row, naming its line when it is bad', () => {
    expect(csvRowToSuppression(['name', 'phone', 'reason'], ['Ann', '+1 415 555 0100', ' '], 3)).toEqual({
      ok: true,
      value: { phone: '+14155550100', reason: null, line: 3 },
    });
    expect(csvRowToSuppression(['phone'], [''], 4)).toEqual({
      ok: false,
      issues: [{ path: 'csv_file:line 4', message: 'phone: is required' }],
    });
    expect(csvRowToSuppression(['phone', 'reason'], ['+14155550100'], 5)).toMatchObject({
      ok: false,
      issues: [{ path: 'csv_file:line 5' }],
    });
  });

  it('parses a file into rows and per-line issues; refuses a file without rows or with too many', async () => {
    const parsed = await parseSuppressionsCsv(
      bytes('\uFEFFphone,reason\r\n+14155550100,spam\r\n\r\nnope,\r\n'),
    );
    expect(parsed.rows).toEqual([{ phone: '+14155550100', reason: 'spam', line: 2 }]);
    expect(parsed.issues.map((i) => i.path)).toEqual(['csv_file:line 4']);
    await expect(parseSuppressionsCsv(bytes('phone\n'))).rejects.toBeInstanceOf(ValidationError);
    await expect(parseSuppressionsCsv(bytes(''))).rejects.toBeInstanceOf(ValidationError);
    const tooMany = `phone\n${'+14155550100\n'.repeat(LIMITS.suppression.csvMaxRows + 1)}`;
    await expect(parseSuppressionsCsv(bytes(tooMany))).rejects.toBeInstanceOf(ValidationError);
    await expect(parseSuppressionsCsv(bytes('phone\n"+1415\n'))).rejects.toBeInstanceOf(InvalidRequestError);
  });
});

describe('suppression multipart', () => {
  it('reads csv_file and refuses anything else', async () => {
    const ok = await parseSuppressionMultipart(
      form([{ name: 'csv_file', value: 'phone\n+14155550100\n', filename: 'a.csv' }]),
      CONTENT_TYPE,
    );
    expect(ok.rows).toHaveLength(1);
    await expect(
      parseSuppressionMultipart(form([{ name: 'name', value: 'x' }]), CONTENT_TYPE),
    ).rejects.toMatchObject({
      fields: [
        { path: 'csv_file', message: 'is required' },
        { path: 'name', message: 'is not a known field' },
      ],
    });
  });

  it('refuses a file over 5 MB with payload_too_large', async () => {
    const big = Buffer.alloc(LIMITS.maxCsvBytes + 1, 'a');
    await expect(
      parseSuppressionMultipart(form([{ name: 'csv_file', value: big, filename: 'big.csv' }]), CONTENT_TYPE),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});
