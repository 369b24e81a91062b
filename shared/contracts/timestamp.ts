/**
 * RFC 3339 timestamps from clients, WITH an offset (`Z` or `±hh:mm`): a local time without one would
 * be read in the server's zone, which the client cannot know. Browser-safe. (`checkScheduledAt` in
 * batch.ts adds its 30-day window.)
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The instant (ms since the epoch) an RFC 3339 timestamp names, or why it names none. */
export function parseRfc3339(value: string): { ok: true; ms: number } | { ok: false; message: string } {
  const m = RFC3339.exec(value);
  if (m === null) {
    return { ok: false, message: 'must be an RFC 3339 timestamp with an offset, e.g. 2026-12-01T09:00:00Z' };
  }
  const [, y, mo, d, h, mi, s, frac, zulu, sign, oh, om] = m;
  if (zulu === undefined && sign === undefined) {
    return { ok: false, message: 'must include a time-zone offset (Z or ±hh:mm), e.g. 2026-12-01T09:00:00Z' };
  }
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHours = Number(oh ?? 0);
  const offsetMinutes = Number(om ?? 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return { ok: false, message: 'is not a valid date and time' };
  }
  const millis = Number((frac ?? '').slice(0, 3).padEnd(3, '0'));
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return { ok: true, ms: Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMs };
}
