import { describe, expect, it } from 'vitest';
import { parseRecipientsCsv } from '#shared/contracts/csv-reader.ts';
import { InvalidRequestError, ValidationError } from '#shared/domain/errors.ts';
import { previewIssues, previewRecipientsCsv } from '../../web/src/lib/csv-preview.ts';

/**
 * The dashboard checks a CSV in the browser before uploading it. It must find exactly what the API's
 * reader finds: the same recipients from a good file, the same issues (paths and messages) from a
 * bad one. Each case runs through both.
 */

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function serverVerdict(bytes: Uint8Array) {
  try {
    return { recipients: await parseRecipientsCsv(once(bytes)), issues: [] };
  } catch (error) {
    if (error instanceof ValidationError || error instanceof InvalidRequestError) {
      return { recipients: null, issues: error.fields };
    }
    throw error;
  }
}

function browserVerdict(bytes: Uint8Array) {
  const preview = previewRecipientsCsv(bytes);
  const issues = previewIssues(preview);
  return { recipients: issues.length === 0 ? preview.recipients : null, issues };
}

const utf8 = (text: string) => new TextEncoder().encode(text);

const CASES: Array<[string, Uint8Array]> = [
  [
    'a good file with CRLF and a BOM',
    utf8('\uFEFFphone,first_name\r\n+14155551234,Alice\r\n+1 (415) 555-5678,Bob\r\n'),
  ],
  [
    'one bad row among good ones',
    utf8('phone,first_name\n+14155551234,Alice\n4155555678,Bob\n+14155550100,Carol\n'),
  ],
  ['blank lines are skipped but counted', utf8('phone,x\n\n+14155551234,a\n\n,\nnot a number,b\n')],
  [
    'a quoted cell with a line break moves later line numbers',
    utf8('phone,note\n+14155551234,"two\nlines"\n+1,c\n'),
  ],
  ['a row with too many cells', utf8('phone,a\n+14155551234,1,2\n')],
  ['an empty phone cell', utf8('phone,a\n,1\n')],
  ['no phone column (wrong case)', utf8('Phone,a\n+14155551234,1\n')],
  ['a duplicate column', utf8('phone,a,a\n+14155551234,1,2\n')],
  ['an unclosed quote', utf8('phone,a\n+14155551234,"oops\n')],
  ['a stray quote', utf8('phone,a\n+14155551234,a"b\n')],
  ['a header only', utf8('phone,a\n')],
  ['an empty file', utf8('')],
  ['invalid UTF-8', new Uint8Array([0x70, 0x68, 0x6f, 0x6e, 0x65, 0x0a, 0xff, 0xfe, 0x0a])],
  ['too many rows', utf8(`phone\n${'+14155551234\n'.repeat(1001)}`)],
];

describe('CSV preview in the dashboard', () => {
  it.each(CASES)('agrees with the API on %s', async (_name, bytes) => {
    const server = await serverVerdict(bytes);
    const browser = browserVerdict(bytes);
    expect(browser.issues).toEqual(server.issues);
    expect(browser.recipients).toEqual(server.recipients);
  });

  it('keeps every data row with its line, for the preview table', () => {
    const preview = previewRecipientsCsv(utf8('phone,first_name\n+14155551234,Alice\n\n4155555678,Bob\n'));
    expect(preview.header).toEqual(['phone', 'first_name']);
    expect(preview.rows.map((r) => [r.line, r.cells, r.issues.length])).toEqual([
      [2, ['+14155551234', 'Alice'], 0],
      [4, ['4155555678', 'Bob'], 1],
    ]);
    expect(preview.rows[1]?.issues[0]?.path).toBe('csv_file:line 4');
  });
});
