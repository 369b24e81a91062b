import { describe, expect, it } from 'vitest';
import {
  callingWindowObjectSchema,
  checkRecipientTimezone,
  retryObjectSchema,
  toCallingWindowObject,
  toRetryObject,
  validateCallingWindow,
  validateJsonFormField,
  validateRetry,
} from '#shared/contracts/campaign.ts';
import type { FieldIssue } from '#shared/domain/errors.ts';

function issuesOf(check: { ok: true } | { ok: false; issues: FieldIssue[] }): FieldIssue[] {
  return check.ok ? [] : check.issues;
}

const CONTRACT_RETRY = {
  max_attempts: 3,
  rules: {
    no_answer: { delay_seconds: 7200 },
    busy: { delay_seconds: 900 },
    voicemail: { delay_seconds: 86400 },
    failed: { delay_seconds: 600 },
  },
};

const CONTRACT_WINDOW = {
  timezone: 'recipient',
  default_timezone: 'America/Chicago',
  hours: [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '20:00' },
    { days: ['sat'], start: '10:00', end: '14:00' },
  ],
  exclude_dates: ['2026-12-25'],
};

describe('retry', () => {
  it('accepts the contract`s example and maps it to the domain and back', () => {
    const check = validateRetry(CONTRACT_RETRY);
    expect(check).toEqual({
      ok: true,
      value: {
        maxAttempts: 3,
        rules: {
          no_answer: { delaySeconds: 7200 },
          busy: { delaySeconds: 900 },
          voicemail: { delaySeconds: 86400 },
          failed: { delaySeconds: 600 },
        },
      },
    });
    if (!check.ok) return;
    const out = toRetryObject(check.value);
    expect(out).toEqual(CONTRACT_RETRY);
    expect(retryObjectSchema.parse(out)).toEqual(out);
  });

  it('rules may be left out; max_attempts may not', () => {
    expect(validateRetry({ max_attempts: 1 })).toEqual({ ok: true, value: { maxAttempts: 1, rules: {} } });
    expect(issuesOf(validateRetry({ rules: {} }))).toEqual([
      { path: 'retry.max_attempts', message: 'is required' },
    ]);
  });

  it('names each bad field with its bound', () => {
    expect(
      issuesOf(
        validateRetry({
          max_attempts: 11,
          rules: {
            busy: { delay_seconds: 59 },
            failed: { delay_seconds: 604_801 },
            no_answer: { delay_seconds: 60.5 },
          },
        }),
      ),
    ).toEqual([
      { path: 'retry.max_attempts', message: 'must be at most 10' },
      { path: 'retry.rules.no_answer.delay_seconds', message: 'must be an integer' },
      { path: 'retry.rules.busy.delay_seconds', message: 'must be at least 60' },
      { path: 'retry.rules.failed.delay_seconds', message: 'must be at most 604,800' },
    ]);
    expect(issuesOf(validateRetry({ max_attempts: 0 }))).toEqual([
      { path: 'retry.max_attempts', message: 'must be at least 1' },
    ]);
    expect(validateRetry({ max_attempts: 10, rules: { busy: { delay_seconds: 604_800 } } }).ok).toBe(true);
  });

  it('an unknown rule key is a 400 naming it; answered says why', () => {
    expect(
      issuesOf(validateRetry({ max_attempts: 2, rules: { answered: { delay_seconds: 60 }, noanswer: {} } })),
    ).toEqual([
      {
        path: 'retry.rules.answered',
        message: 'answered calls are never retried (rule keys: no_answer, busy, voicemail, failed)',
      },
      {
        path: 'retry.rules.noanswer',
        message: 'is not an outcome that can be retried (rule keys: no_answer, busy, voicemail, failed)',
      },
    ]);
  });

  it('unknown fields anywhere are refused by name', () => {
    expect(
      issuesOf(
        validateRetry({ max_attempts: 2, max_attempt: 3, rules: { busy: { delay_seconds: 60, jitter: 1 } } }),
      ),
    ).toEqual([
      { path: 'retry.rules.busy.jitter', message: 'is not a known field' },
      { path: 'retry.max_attempt', message: 'is not a known field' },
    ]);
    expect(issuesOf(validateRetry('3'))).toEqual([{ path: 'retry', message: 'must be an object' }]);
  });
});

describe('calling_window', () => {
  it('accepts the contract`s example and maps it to the domain and back', () => {
    const check = validateCallingWindow(CONTRACT_WINDOW);
    expect(check).toEqual({
      ok: true,
      value: {
        timezone: 'recipient',
        defaultTimezone: 'America/Chicago',
        hours: CONTRACT_WINDOW.hours,
        excludeDates: ['2026-12-25'],
      },
    });
    if (!check.ok) return;
    const out = toCallingWindowObject(check.value);
    expect(out).toEqual(CONTRACT_WINDOW);
    expect(callingWindowObjectSchema.parse(out)).toEqual(out);
  });

  it('fills the defaults: timezone recipient, no default zone, no excluded dates', () => {
    expect(validateCallingWindow({ hours: [{ days: ['sun'], start: '00:00', end: '24:00' }] })).toEqual({
      ok: true,
      value: {
        timezone: 'recipient',
        defaultTimezone: null,
        hours: [{ days: ['sun'], start: '00:00', end: '24:00' }],
        excludeDates: [],
      },
    });
  });

  it('takes one IANA zone for everybody, spelled as IANA spells it', () => {
    const check = validateCallingWindow({
      timezone: 'europe/paris',
      hours: [{ days: ['mon'], start: '09:00', end: '17:00' }],
    });
    expect(check.ok && check.value.timezone).toBe('Europe/Paris');
    const utc = validateCallingWindow({
      timezone: 'UTC',
      hours: [{ days: ['mon'], start: '09:00', end: '17:00' }],
    });
    expect(utc.ok && utc.value.timezone).toBe('UTC');
  });

  it('names every bad field', () => {
    const issues = issuesOf(
      validateCallingWindow({
        timezone: 'Mars/Olympus',
        default_timezone: '+02:00',
        hours: [
          { days: ['mon', 'funday'], start: '9:00', end: '17:00' },
          { days: ['tue', 'tue'], start: '20:00', end: '08:00' },
          { days: [], start: '24:00', end: '24:01' },
          { days: ['wed'], start: '10:00', end: '10:00', label: 'x' },
        ],
        exclude_dates: ['2026-02-30', '25/12/2026'],
        timezones: 'x',
      }),
    );
    expect(issues).toEqual([
      {
        path: 'calling_window.timezone',
        message: 'must be "recipient" or an IANA time zone name, e.g. America/New_York',
      },
      {
        path: 'calling_window.default_timezone',
        message: 'must be an IANA time zone name, e.g. America/New_York',
      },
      {
        path: 'calling_window.hours[0].days[1]',
        message: 'must be one of: mon, tue, wed, thu, fri, sat, sun',
      },
      { path: 'calling_window.hours[0].start', message: 'must be a time HH:MM from 00:00 to 23:59' },
      { path: 'calling_window.hours[1].days[1]', message: 'repeats tue' },
      {
        path: 'calling_window.hours[1].end',
        message: 'must be after start (a range across midnight is two ranges: …–24:00 and 00:00–…)',
      },
      { path: 'calling_window.hours[2].days', message: 'must have at least 1 item' },
      { path: 'calling_window.hours[2].start', message: 'must be a time HH:MM from 00:00 to 23:59' },
      { path: 'calling_window.hours[2].end', message: 'must be a time HH:MM from 00:01 to 24:00' },
      { path: 'calling_window.hours[3].label', message: 'is not a known field' },
      {
        path: 'calling_window.hours[3].end',
        message: 'must be after start (a range across midnight is two ranges: …–24:00 and 00:00–…)',
      },
      { path: 'calling_window.exclude_dates[0]', message: 'must be a calendar date YYYY-MM-DD' },
      { path: 'calling_window.exclude_dates[1]', message: 'must be a calendar date YYYY-MM-DD' },
      { path: 'calling_window.timezones', message: 'is not a known field' },
    ]);
  });

  it('equal start and end is refused; 24:00 ends a day but never starts one', () => {
    const range = (start: string, end: string) =>
      validateCallingWindow({ hours: [{ days: ['mon'], start, end }] });
    expect(issuesOf(range('10:00', '10:00'))).toEqual([
      {
        path: 'calling_window.hours[0].end',
        message: 'must be after start (a range across midnight is two ranges: …–24:00 and 00:00–…)',
      },
    ]);
    expect(range('23:00', '24:00').ok).toBe(true);
    expect(range('23:00', '23:59').ok).toBe(true);
    expect(range('00:00', '00:01').ok).toBe(true);
    expect(issuesOf(range('09:00', '00:00'))[0]?.path).toBe('calling_window.hours[0].end');
  });

  it('hours: 1–14 ranges; exclude_dates: at most 366', () => {
    const range = { days: ['mon'], start: '09:00', end: '10:00' };
    expect(issuesOf(validateCallingWindow({ hours: [] }))).toEqual([
      { path: 'calling_window.hours', message: 'must have at least 1 item' },
    ]);
    expect(issuesOf(validateCallingWindow({}))).toEqual([
      { path: 'calling_window.hours', message: 'is required' },
    ]);
    expect(validateCallingWindow({ hours: Array(14).fill(range) }).ok).toBe(true);
    expect(issuesOf(validateCallingWindow({ hours: Array(15).fill(range) }))).toEqual([
      { path: 'calling_window.hours', message: 'must have at most 14 items' },
    ]);
    const dates = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
      );
    expect(validateCallingWindow({ hours: [range], exclude_dates: dates(366) }).ok).toBe(true);
    expect(issuesOf(validateCallingWindow({ hours: [range], exclude_dates: dates(367) }))).toEqual([
      { path: 'calling_window.exclude_dates', message: 'must have at most 366 items' },
    ]);
  });

  it('null optional fields mean "not given"', () => {
    const check = validateCallingWindow({
      timezone: null,
      default_timezone: null,
      hours: [{ days: ['mon'], start: '09:00', end: '10:00' }],
      exclude_dates: null,
    });
    expect(check.ok).toBe(false); // exclude_dates: null is not a list
    expect(issuesOf(check)).toEqual([{ path: 'calling_window.exclude_dates', message: 'must be an array' }]);
    const ok = validateCallingWindow({
      timezone: null,
      default_timezone: null,
      hours: [{ days: ['mon'], start: '09:00', end: '10:00' }],
    });
    expect(ok.ok && ok.value.timezone).toBe('recipient');
  });
});

describe('a recipient`s timezone', () => {
  it('accepts IANA names and their aliases; empty means not given', () => {
    expect(checkRecipientTimezone('America/New_York')).toEqual({ ok: true, zone: 'America/New_York' });
    expect(checkRecipientTimezone('asia/tokyo')).toEqual({ ok: true, zone: 'Asia/Tokyo' });
    expect(checkRecipientTimezone('Etc/UTC')).toEqual({ ok: true, zone: 'Etc/UTC' });
    expect(checkRecipientTimezone('US/Eastern')).toEqual({ ok: true, zone: 'US/Eastern' });
    expect(checkRecipientTimezone('Asia/Kolkata')).toEqual({ ok: true, zone: 'Asia/Kolkata' });
    expect(checkRecipientTimezone('')).toEqual({ ok: true, zone: null });
    expect(checkRecipientTimezone(null)).toEqual({ ok: true, zone: null });
    expect(checkRecipientTimezone(undefined)).toEqual({ ok: true, zone: null });
  });

  it('refuses offsets, unknown names and non-strings', () => {
    for (const value of ['+02:00', 'EST-5', 'Europe/Atlantis', 'Etc/Unknown', 'recipient']) {
      expect(checkRecipientTimezone(value).ok, value).toBe(false);
    }
    expect(checkRecipientTimezone(5)).toEqual({
      ok: false,
      message: 'must be a string (an IANA time zone name)',
    });
  });
});

describe('multipart: the same JSON in a text field', () => {
  it('parses, validates with the field`s path, and treats an empty field as not given', () => {
    expect(validateJsonFormField(JSON.stringify(CONTRACT_RETRY), 'retry', validateRetry).ok).toBe(true);
    expect(validateJsonFormField('', 'retry', validateRetry)).toEqual({ ok: true, value: null });
    expect(validateJsonFormField(undefined, 'calling_window', validateCallingWindow)).toEqual({
      ok: true,
      value: null,
    });
    expect(issuesOf(validateJsonFormField('{"max_attempts": 3', 'retry', validateRetry))).toEqual([
      { path: 'retry', message: 'must be a JSON object' },
    ]);
    expect(issuesOf(validateJsonFormField('{"max_attempts": 30}', 'retry', validateRetry))).toEqual([
      { path: 'retry.max_attempts', message: 'must be at most 10' },
    ]);
  });
});
