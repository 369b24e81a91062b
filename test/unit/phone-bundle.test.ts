import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '#infra/bundling.ts';
import { PHONE_METADATA_DATA } from '#infra/wiring.ts';
import { normalizeE164 } from '#shared/domain/phone.ts';

/**
 * A function bundle validates phones with libphonenumber's ES2015+ parser and its metadata read from
 * a file beside the bundle (infra/bundling.ts BUNDLE_ALIASES); sources use the package as published.
 * Both must answer alike, and a bundle without its data file must fail at load, not accept numbers.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'batch-calls-phone-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NUMBERS = [
  '+14155551234',
  '+1 (415) 555-1234',
  '+1415555',
  '+99912345678',
  '+442079460958',
  '+44 (0)20 7946 0958',
  '+33612345678',
  '+12005551234', // a US area code that does not exist: valid length, invalid number
  '+4915112345678',
  '+8613800138000',
  '+61 4 1234 5678',
  '+4930123',
  '14155551234',
];

async function bundle(name: string): Promise<string> {
  const entry = join(dir, `${name}-entry.ts`);
  writeFileSync(
    entry,
    `export { normalizeE164 } from ${JSON.stringify(join(ROOT, 'shared/domain/phone.ts'))};\n`,
  );
  const outfile = join(dir, name, 'index.mjs');
  const result = await build({ ...esbuildOptions(ROOT, relative(ROOT, entry), outfile), metafile: true });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((path) => path.includes('libphonenumber-js/metadata'))).toBe(false);
  expect(inputs.some((path) => path.includes('libphonenumber-js/es6-modern/'))).toBe(true);
  return outfile;
}

describe('phone validation in a function bundle', () => {
  let withData: string;
  let withoutData: string;
  beforeAll(async () => {
    withData = await bundle('with-data');
    copyFileSync(join(ROOT, PHONE_METADATA_DATA.from), join(dir, 'with-data', PHONE_METADATA_DATA.to));
    withoutData = await bundle('without-data');
  }, 60_000);

  it('answers every number as the sources do', async () => {
    const bundled = (await import(pathToFileURL(withData).href)) as { normalizeE164: typeof normalizeE164 };
    for (const number of NUMBERS)
      expect(bundled.normalizeE164(number), number).toEqual(normalizeE164(number));
    expect(bundled.normalizeE164('+12005551234').ok).toBe(false);
    expect(bundled.normalizeE164('+44 (0)20 7946 0958')).toEqual({ ok: true, e164: '+442079460958' });
  });

  it('fails at load, naming the file, when the data file is not beside the bundle', async () => {
    await expect(import(pathToFileURL(withoutData).href)).rejects.toThrow(/phone-metadata\.json is missing/);
  });
});
