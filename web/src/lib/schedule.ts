import { checkScheduledAt } from '../../../shared/contracts/batch.ts';
import { LIMITS } from '../../../shared/domain/limits.ts';

/**
 * "Schedule for later": a date and a time in the viewer's own zone (the browser's), checked by the
 * API's rule (strictly in the future, at most 30 days ahead) before the request is sent.
 */

export type ScheduleCheck = { ok: true; iso: string } | { ok: false; message: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})$/;

/** `2026-12-01` + `09:30` read in the viewer's zone, as a UTC instant checked against `now`. */
export function checkLocalSchedule(date: string, time: string, now: Date): ScheduleCheck {
  const d = DATE.exec(date);
  if (d === null) return { ok: false, message: 'pick a date' };
  const t = TIME.exec(time);
  if (t === null) return { ok: false, message: 'pick a time' };
  const local = new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]), 0, 0);
  if (Number.isNaN(local.getTime())) return { ok: false, message: 'is not a valid date and time' };
  const check = checkScheduledAt(local.toISOString(), now);
  return check.ok ? { ok: true, iso: check.iso } : { ok: false, message: check.message };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A Date as the `YYYY-MM-DD` / `HH:MM` of the viewer's zone, the formats of date and time inputs. */
export function localDateValue(at: Date): string {
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

export function localTimeValue(at: Date): string {
  return `${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** The first and last dates the picker offers (the window is checked exactly on submit). */
export function scheduleDateBounds(now: Date): { min: string; max: string } {
  return { min: localDateValue(now), max: localDateValue(new Date(now.getTime() + LIMITS.scheduleWindowMs)) };
}

/** A suggestion for the picker: the next whole hour at least an hour from now. */
export function defaultScheduleTime(now: Date): Date {
  const at = new Date(now.getTime() + 60 * 60 * 1000);
  at.setMinutes(0, 0, 0);
  return new Date(at.getTime() + 60 * 60 * 1000);
}

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** `2026-12-01 09:30 UTC`, for the line under the picker. */
export function utcLabel(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
