/**
 * Calling windows (contract "Calling windows"): the local hours during which a call may START, as
 * wall-clock times of IANA zones, so they hold across DST changes. Pure: IANA arithmetic through
 * `Intl.DateTimeFormat` (the runtime's ICU time-zone data), never fixed offsets.
 *
 * Semantics, in the recipient's local wall clock:
 * - a range `{start, end}` is open for local times `start ≤ t < end` (so `09:00`–`20:00` lets a call
 *   start at 19:59:59, not at 20:00:00); `end` may be `24:00`, the end of the day, so a range across
 *   midnight is the two ranges `22:00`–`24:00` and `00:00`–`02:00` with no gap between them;
 * - ranges of one day may overlap or touch; the window is their union;
 * - `excludeDates` are local calendar dates on which nothing opens;
 * - DST: the window is evaluated on the clock as it reads. On a spring-forward day the skipped local
 *   hour never happens: a range lying wholly inside it does not open that day, one starting inside it
 *   opens at the jump (e.g. `02:30`–`04:00` opens at 03:00 in America/New_York on 2026-03-08). On a
 *   fall-back day the repeated hour happens twice, and so does a range inside it (both times open);
 * - several zones (a number whose area spans zones): open only when open in ALL of them.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One range of local hours on some weekdays. `start`/`end` are `HH:MM` (24 h); `end` may be `24:00`. */
export interface HoursRange {
  days: readonly Weekday[];
  start: string;
  end: string;
}

/** Treat as immutable: its compiled form is cached per object (a WeakMap), for per-dial calls. */
export interface CallingWindow {
  /** `recipient`: each recipient's own zone(s); an IANA zone name: that zone for every recipient. */
  timezone: 'recipient' | (string & {});
  /** Used for recipients whose zone nothing else tells (timezone `recipient` only); null: none. */
  defaultTimezone: string | null;
  hours: readonly HoursRange[];
  /** Local calendar dates (`YYYY-MM-DD`) without calls. */
  excludeDates: readonly string[];
}

/** A recipient whose window does not open within this time of the batch's start is skipped. */
export const CALLING_WINDOW_HORIZON_MS = 30 * 24 * 60 * 60 * 1000;

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** More than any UTC offset a zone has ever had (±15:xx local mean time); bounds wall ↔ instant. */
const MAX_OFFSET = 16 * HOUR;

// ---------------------------------------------------------------------------------------------------
// Local clock times and dates

const CLOCK = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/**
 * `HH:MM` → minutes since midnight (`09:30` → 570), or null when it is no such time. `24:00` (the end
 * of the day, 1440) is accepted only with `{ endOfDay: true }`, i.e. as a range's end.
 */
export function clockMinutes(value: string, options: { endOfDay?: boolean } = {}): number | null {
  if (options.endOfDay === true && value === '24:00') return 24 * 60;
  const m = CLOCK.exec(value);
  if (m === null) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}

const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** `YYYY-MM-DD` → days since 1970-01-01, or null when it is not a real calendar date. */
export function epochDay(value: string): number | null {
  const m = DATE.exec(value);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return null;
  const ms = Date.UTC(year, month - 1, day);
  if (new Date(ms).getUTCDate() !== day) return null; // 2026-02-30 rolled over into March
  return Math.floor(ms / DAY);
}

/** 1970-01-01 was a Thursday: index 3 of WEEKDAYS. */
function weekdayIndexOfDay(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

// ---------------------------------------------------------------------------------------------------
// Zones

/**
 * Whether `Intl` knows the zone (`America/New_York`, also aliases such as `UTC` or `US/Pacific`). An
 * offset (`+02:00`) is not a zone here: it would not follow DST, and the contract asks for IANA names.
 */
export function isValidTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

let supportedByLowerCase: Map<string, string> | null = null;

/**
 * The zone name as IANA spells it (`america/new_york` → `America/New_York`), or null when it is not
 * a valid zone. Links keep their own name (`US/Pacific`, `Asia/Calcutta` stay as given): the runtime's
 * canonical name of a link differs between Node versions, and both mean the same rules.
 */
export function normalizeTimeZone(name: string): string | null {
  if (!isValidTimeZone(name)) return null;
  if (supportedByLowerCase === null) {
    supportedByLowerCase = new Map(
      [...Intl.supportedValuesOf('timeZone'), 'UTC'].map((zone) => [zone.toLowerCase(), zone]),
    );
  }
  return supportedByLowerCase.get(name.toLowerCase()) ?? name;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * The zone's wall clock at an instant, as if it were a UTC time (epoch ms): `wallClock(z, t) - t` is
 * the zone's offset at t. Throws a RangeError for a zone Intl does not know.
 */
function wallClock(zone: string, instant: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(instant));
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of parts) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
    else if (part.type === 'second') second = Number(part.value);
  }
  const milliseconds = ((instant % SECOND) + SECOND) % SECOND;
  return Date.UTC(year, month - 1, day, hour, minute, second) + milliseconds;
}

function offsetAt(zone: string, instant: number): number {
  return wallClock(zone, instant) - instant;
}

interface OffsetSegment {
  /** Instants [from, to) during which the zone's offset is `offset`. */
  from: number;
  to: number;
  offset: number;
}

/**
 * The zone's offsets over [from, to), split at each transition (found by bisection to the second;
 * tzdata transitions are at whole seconds). Spans here are ~2.5 days; two transitions inside one span
 * that leave the same offset at both ends (none in tzdata since 1970) would go unseen.
 */
function offsetSegments(zone: string, from: number, to: number): OffsetSegment[] {
  const out: OffsetSegment[] = [];
  let start = Math.floor(from / SECOND) * SECOND;
  const end = Math.ceil(to / SECOND) * SECOND;
  let offset = offsetAt(zone, start);
  const endOffset = offsetAt(zone, end);
  while (offset !== endOffset) {
    let lo = start; // offset(lo) === offset
    let hi = end; // offset(hi) !== offset
    while (hi - lo > SECOND) {
      const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
      if (offsetAt(zone, mid) === offset) lo = mid;
      else hi = mid;
    }
    out.push({ from: start, to: hi, offset });
    start = hi;
    offset = offsetAt(zone, hi);
  }
  out.push({ from: start, to: end, offset });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The window, compiled once per window object

interface CompiledWindow {
  /** Per weekday (index of WEEKDAYS): disjoint sorted [startMs, endMs) from local midnight. */
  byWeekday: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  excluded: ReadonlySet<number>;
}

const compiled = new WeakMap<CallingWindow, CompiledWindow>();

function compile(window: CallingWindow): CompiledWindow {
  const known = compiled.get(window);
  if (known !== undefined) return known;
  const byWeekday: Array<Array<[number, number]>> = WEEKDAYS.map(() => []);
  for (const range of window.hours) {
    const start = clockMinutes(range.start);
    const end = clockMinutes(range.end, { endOfDay: true });
    if (start === null || end === null || start >= end) {
      throw new RangeError(`not a valid range of hours: ${range.start}–${range.end}`);
    }
    for (const day of range.days) {
      const index = WEEKDAYS.indexOf(day);
      if (index < 0) throw new RangeError(`not a weekday: ${String(day)}`);
      byWeekday[index]?.push([start * MINUTE, end * MINUTE]);
    }
  }
  const merged = byWeekday.map((ranges) => {
    const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
    const out: Array<[number, number]> = [];
    for (const [start, end] of sorted) {
      const last = out.at(-1);
      if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
      else out.push([start, end]);
    }
    return out;
  });
  const excluded = new Set<number>();
  for (const date of window.excludeDates) {
    const day = epochDay(date);
    if (day === null) throw new RangeError(`not a calendar date: ${date}`);
    excluded.add(day);
  }
  const result: CompiledWindow = { byWeekday: merged, excluded };
  compiled.set(window, result);
  return result;
}

function rangesOfDay(window: CompiledWindow, day: number): ReadonlyArray<readonly [number, number]> {
  if (window.excluded.has(day)) return [];
  return window.byWeekday[weekdayIndexOfDay(day)] ?? [];
}

function isOpenInZone(window: CompiledWindow, zone: string, instant: number): boolean {
  const wall = wallClock(zone, instant);
  const day = Math.floor(wall / DAY);
  const sinceMidnight = wall - day * DAY;
  return rangesOfDay(window, day).some(([start, end]) => sinceMidnight >= start && sinceMidnight < end);
}

/**
 * The earliest instant ≥ `from` (and ≤ `limit`) at which the window is open in this one zone. Steps
 * by local days and their ranges, converting each range's wall-clock interval into instants through
 * the day's offset segments, so DST gaps and repeats come out right.
 */
function nextOpenInZone(window: CompiledWindow, zone: string, from: number, limit: number): number | null {
  if (isOpenInZone(window, zone, from)) return from;
  const today = Math.floor(wallClock(zone, from) / DAY);
  let best: number | null = null;
  // From yesterday: a clock set back across midnight shows yesterday's date again.
  for (let day = today - 1; ; day += 1) {
    const earliestInstantOfDay = day * DAY - MAX_OFFSET;
    if (earliestInstantOfDay > limit) break;
    if (best !== null && best <= earliestInstantOfDay) break;
    const ranges = rangesOfDay(window, day);
    if (ranges.length === 0) continue;
    const segments = offsetSegments(zone, earliestInstantOfDay, (day + 1) * DAY + MAX_OFFSET);
    for (const [start, end] of ranges) {
      for (const segment of segments) {
        const lower = Math.max(day * DAY + start - segment.offset, segment.from, from);
        const upper = Math.min(day * DAY + end - segment.offset, segment.to);
        if (lower < upper && (best === null || lower < best)) best = lower;
      }
    }
  }
  return best !== null && best <= limit ? best : null;
}

function distinctZones(zones: readonly string[]): string[] {
  if (zones.length === 0) throw new RangeError('a calling window needs at least one zone');
  return [...new Set(zones)];
}

// ---------------------------------------------------------------------------------------------------
// The API

/** Whether a call may start at `instant`: the window is open in every one of `zones` (at least one). */
export function isOpenAt(window: CallingWindow, zones: readonly string[], instant: Date): boolean {
  const c = compile(window);
  const t = instant.getTime();
  return distinctZones(zones).every((zone) => isOpenInZone(c, zone, t));
}

/**
 * The earliest instant ≥ `from` at which the window is open in all `zones`, searching up to
 * `from + horizonMs` (inclusive); null when it does not open by then. `from` itself when it is open.
 * Cost: a few `Intl` calls per zone and local day searched (plus a bisection on DST days), not a scan.
 */
export function nextOpening(
  window: CallingWindow,
  zones: readonly string[],
  from: Date,
  horizonMs: number,
): Date | null {
  const c = compile(window);
  const distinct = distinctZones(zones);
  if (!(horizonMs >= 0)) return null;
  const limit = from.getTime() + horizonMs;
  let t = from.getTime();
  // Each round moves t to the latest of the zones' own next openings: no zone is open before it, so
  // no common opening is skipped; a round where every zone is open at t ends the search. Each round
  // passes at least one range boundary, so the bound below is never reached on real windows.
  for (let round = 0; round < 100_000; round += 1) {
    let next = t;
    for (const zone of distinct) {
      const opening = nextOpenInZone(c, zone, t, limit);
      if (opening === null) return null;
      if (opening > next) next = opening;
    }
    if (next === t) return new Date(t);
    t = next;
  }
  throw new Error('nextOpening did not converge');
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * The local time in `zone` at `instant` as RFC 3339 with the zone's offset at that instant, to the
 * second (`2026-03-08T03:30:00-04:00`); `+00:00` for a zero offset. For attempt history's
 * `local_started_at`.
 */
export function localTime(zone: string, instant: Date): string {
  const t = Math.floor(instant.getTime() / SECOND) * SECOND;
  const wall = wallClock(zone, t);
  const offsetMinutes = Math.round((wall - t) / MINUTE);
  const date = new Date(wall);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Where a recipient's zones came from. `utc`: nothing resolved and the batch has no window. */
export type ZoneSource = 'window' | 'recipient' | 'phone' | 'default' | 'utc';

export type ZoneResolution =
  | { resolved: true; zones: string[]; source: ZoneSource }
  /** A batch with a window and no `default_timezone`: such rows are a `400` at create. */
  | { resolved: false; zones: [] };

/**
 * A recipient's zones by the contract's rules: a window with one IANA zone applies it to everybody;
 * otherwise the recipient's own `timezone` field; else its phone number's zones (all of them: the
 * window must be open in each); else the window's `defaultTimezone`; else unresolved. Without a
 * window (`null`) every recipient still gets a zone for attempt history: `UTC` when nothing resolves.
 */
export function resolveZones(
  explicitZone: string | null | undefined,
  phoneZones: readonly string[],
  window: CallingWindow | null,
): ZoneResolution {
  if (window !== null && window.timezone !== 'recipient') {
    return { resolved: true, zones: [window.timezone], source: 'window' };
  }
  if (explicitZone !== undefined && explicitZone !== null && explicitZone !== '') {
    return { resolved: true, zones: [explicitZone], source: 'recipient' };
  }
  if (phoneZones.length > 0) return { resolved: true, zones: [...new Set(phoneZones)], source: 'phone' };
  if (window === null) return { resolved: true, zones: ['UTC'], source: 'utc' };
  if (window.defaultTimezone !== null) {
    return { resolved: true, zones: [window.defaultTimezone], source: 'default' };
  }
  return { resolved: false, zones: [] };
}
