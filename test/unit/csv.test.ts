import { describe, expect, it } from 'vitest';
import { parseRecipientsCsv } from '#shared/contracts/csv-reader.ts';
import { csvRowToRecipient, validateCsvHeader } from '#shared/contracts/csv-rules.ts';
import { DomainError, InvalidRequestError, ValidationError } from '#shared/domain/errors.ts';

const encoder = new TextEncoder();

/** The input as the multipart reader hands it over: byte chunks of any size, split anywhere. */
async function* chunksOf(input: string | Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function failure(input: string | Uint8Array, size?: number): Promise<DomainError> {
  try {
    await parseRecipientsCsv(chunksOf(input, size));
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected the CSV to be refused');
}

describe('validateCsvHeader', () => {
  it('accepts a header with a phone column and trims names', () => {
    expect(validateCsvHeader(['phone', ' first_name ', 'plan'])).toEqual([]);
    expect(validateCsvHeader([' phone'])).toEqual([]);
  });

  it('says that the phone column is missing, and that the name is case-sensitive', () => {
    expect(validateCsvHeader(['number', 'name'])).toEqual([
      { path: 'csv_file:line 1', message: 'the header row must have a column named "phone"' },
    ]);
    expect(validateCsvHeader(['Phone', 'name'])).toEqual([
      {
        path: 'csv_file:line 1',
        message: 'the header row must have a column named "phone" (lower case; found "Phone")',
      },
    ]);
  });

  it('names duplicate and empty columns, and unusable variable names', () => {
    expect(validateCsvHeader(['phone', 'name', ' name', '', 'a{b}', 'phone'])).toEqual([
      { path: 'csv_file:line 1', message: 'the column "name" appears more than once' },
      { path: 'csv_file:line 1', message: 'column 4 of the header row has no name' },
      { path: 'csv_file:line 1', message: 'column "a{b}": variable names must not contain { or }' },
      { path: 'csv_file:line 1', message: 'the column "phone" appears more than once' },
    ]);
  });
});

describe('csvRowToRecipient', () => {
  const header = ['phone', 'first_name', 'plan'];

  it('makes every other column a string variable, keeping an empty cell as an empty string', () => {
    expect(csvRowToRecipient(header, [' +1 (415) 555-1234 ', 'Alice', ''], 2)).toEqual({
      ok: true,
      value: {
        phone: '+14155551234',
        dynamicVars: { first_name: 'Alice', plan: '' },
        path: 'csv_file:line 2',
      },
    });
  });

  it('keeps numbers as strings', () => {
    expect(csvRowToRecipient(['phone', 'age'], ['+14155551234', '42'], 12)).toEqual({
      ok: true,
      value: { phone: '+14155551234', dynamicVars: { age: '42' }, path: 'csv_file:line 12' },
    });
  });

  it('names the line and the column', () => {
    expect(csvRowToRecipient(header, ['4155551234', 'x'.repeat(1001), 'gold'], 7)).toEqual({
      ok: false,
      issues: [
        {
          path: 'csv_file:line 7',
          message: 'phone: must be in E.164 format, starting with + and the country code',
        },
        { path: 'csv_file:line 7', message: 'first_name: must be at most 1,000 characters long' },
      ],
    });
    expect(csvRowToRecipient(header, ['  ', 'a', 'b'], 3)).toEqual({
      ok: false,
      issues: [{ path: 'csv_file:line 3', message: 'phone: is required' }],
    });
  });

  it('refuses a row with the wrong number of cells', () => {
    expect(csvRowToRecipient(header, ['+14155551234', 'a'], 4)).toEqual({
      ok: false,
      issues: [{ path: 'csv_file:line 4', message: 'has 2 cells, but the header has 3 columns' }],
    });
    expect(csvRowToRecipient(header, ['+14155551234', 'a', 'b', 'c'], 4).ok).toBe(false);
  });
});

describe('parseRecipientsCsv', () => {
  it('reads a plain LF file', async () => {
    expect(
      await parseRecipientsCsv(chunksOf('phone,first_name\n+14155551234,Alice\n+14155551235,Bob\n')),
    ).toEqual([
      { phone: '+14155551234', dynamicVars: { first_name: 'Alice' }, path: 'csv_file:line 2' },
      { phone: '+14155551235', dynamicVars: { first_name: 'Bob' }, path: 'csv_file:line 3' },
    ]);
  });

  it('accepts a BOM, CRLF, RFC 4180 quoting, extra columns and no trailing newline, in 1-byte chunks', async () => {
    const csv =
      '\uFEFFplan,phone,note,city\r\n"gold, yearly",+14155551234,"she said ""hi""","Zürich"\r\n"",+14155551235,"two\r\nlines",Köln';
    expect(await parseRecipientsCsv(chunksOf(csv, 1))).toEqual([
      {
        phone: '+14155551234',
        dynamicVars: { plan: 'gold, yearly', note: 'she said "hi"', city: 'Zürich' },
        path: 'csv_file:line 2',
      },
      // The row starts on line 3; its quoted line break is inside it.
      {
        phone: '+14155551235',
        dynamicVars: { plan: '', note: 'two\r\nlines', city: 'Köln' },
        path: 'csv_file:line 3',
      },
    ]);
  });

  it('accepts a trailing empty line, and skips blank lines and all-empty rows anywhere', async () => {
    const csv = 'phone,name\n+14155551234,A\n\n,\n+14155551235,B\n\n';
    expect(await parseRecipientsCsv(chunksOf(csv))).toEqual([
      { phone: '+14155551234', dynamicVars: { name: 'A' }, path: 'csv_file:line 2' },
      // The blank line and the `,` row still count as lines.
      { phone: '+14155551235', dynamicVars: { name: 'B' }, path: 'csv_file:line 5' },
    ]);
  });

  it('lists every bad row in one ValidationError, naming the line where each row starts', async () => {
    // Line 3 holds a quoted field over three lines (CRLF inside), so the next row starts on line 6.
    const csv =
      'phone,note\r\n+14155551234,ok\r\n+14155551235,"a\r\nb\r\nc"\r\n4155551234,bad phone\r\n\r\n+14155551236,x,extra\r\n,no phone\r\n';
    const err = await failure(csv);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual([
      {
        path: 'csv_file:line 6',
        message: 'phone: must be in E.164 format, starting with + and the country code',
      },
      { path: 'csv_file:line 8', message: 'has 3 cells, but the header has 2 columns' },
      { path: 'csv_file:line 9', message: 'phone: is required' },
    ]);
  });

  it('refuses a header without a phone column, or with duplicate columns, as a ValidationError', async () => {
    const noPhone = await failure('Phone,name\n+14155551234,A\n');
    expect(noPhone).toBeInstanceOf(ValidationError);
    expect((noPhone as ValidationError).fields[0]).toEqual({
      path: 'csv_file:line 1',
      message: 'the header row must have a column named "phone" (lower case; found "Phone")',
    });
    const dup = await failure('phone,name,name\n+14155551234,A,B\n');
    expect((dup as ValidationError).fields).toEqual([
      { path: 'csv_file:line 1', message: 'the column "name" appears more than once' },
    ]);
  });

  it('refuses an unterminated quote as invalid_request naming the line where the row starts', async () => {
    const err = await failure('phone,name\n+14155551234,A\n+14155551235,"B\n+14155551236,C\n');
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.message).toBe('csv_file:line 3: a quoted field is never closed');
    expect((err as InvalidRequestError).fields).toEqual([
      { path: 'csv_file:line 3', message: 'a quoted field is never closed' },
    ]);
  });

  it('refuses a stray quote as invalid_request naming its line', async () => {
    const err = await failure('phone,name\n+14155551234,"A"x\n');
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.message).toMatch(/^csv_file:line 2: /);
    const opening = await failure('phone,name\n+14155551234,A\n+14155551235,B"C\n');
    expect(opening).toBeInstanceOf(InvalidRequestError);
    expect(opening.message).toMatch(/^csv_file:line 3: /);
  });

  it('refuses bytes that are not UTF-8, wherever they fall', async () => {
    const latin1 = new Uint8Array([
      ...encoder.encode('phone,name\n+14155551234,M'),
      0xfc,
      ...encoder.encode('ller\n'),
    ]);
    const err = await failure(latin1, 4);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.message).toBe('csv_file: is not valid UTF-8');
    // A multi-byte character cut off by the end of the file.
    const cut = new Uint8Array([...encoder.encode('phone,name\n+14155551234,'), 0xc3]);
    expect((await failure(cut)).message).toBe('csv_file: is not valid UTF-8');
  });

  it('decodes a multi-byte character split across chunks', async () => {
    expect(await parseRecipientsCsv(chunksOf('phone,name\n+14155551234,Zoë 😀\n', 1))).toEqual([
      { phone: '+14155551234', dynamicVars: { name: 'Zoë 😀' }, path: 'csv_file:line 2' },
    ]);
  });

  it('refuses a file with a header but no data rows', async () => {
    for (const csv of ['phone,name\n', 'phone,name\n\n\n', 'phone']) {
      const err = await failure(csv);
      expect((err as ValidationError).fields).toEqual([{ path: 'csv_file', message: 'has no recipients' }]);
    }
  });

  it('refuses an empty file', async () => {
    const err = await failure('');
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields[0]?.path).toBe('csv_file');
  });

  it('accepts 1,000 rows and refuses 1,001 on csv_file', async () => {
    const rows = (n: number) => 'phone\n' + '+14155551234\n'.repeat(n);
    expect(await parseRecipientsCsv(chunksOf(rows(1_000), 4096))).toHaveLength(1_000);
    const err = await failure(rows(1_001), 4096);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual([
      { path: 'csv_file', message: 'has 1,001 recipients; at most 1,000 are allowed' },
    ]);
  });
});
