import type { BatchObject, RecipientObject } from '../../../shared/contracts/batch-objects.ts';
import type { CallingWindowObject } from '../../../shared/contracts/campaign.ts';
import { WEEKDAYS, type Weekday } from '../../../shared/domain/calling-window.ts';
import type { FieldIssue } from '../../../shared/domain/errors.ts';
import { RETRY_LIMITS } from '../../../shared/domain/retry.ts';
import { formatDateTime } from './format.ts';

/**
 * Campaign controls in words (pause reasons, skip reasons, a waiting recipient, a calling window),
 * and the create request's `retry` / `calling_window` built from the form's text. No DOM.
 */

export type PauseReason = NonNullable<BatchObject['pause_reason']>;
export type SkipReason = NonNullable<RecipientObject['skip_reason']>;

const PAUSED: Record<PauseReason, { why: string; fix: string }> = {
  user: { why: 'Paused by you', fix: 'Resume' },
  failure_rate: { why: 'Paused: too many calls failed', fix: 'check the failures, then Resume' },
  spend_cap: { why: 'Paused: the spending cap was reached', fix: 'raise the cap, then Resume' },
  provider_auth: {
    why: 'Paused: the telephony provider refused the credentials',
    fix: 'fix the number’s credentials, then Resume',
  },
};

/** "Paused by you — Resume": why the batch is paused, and what resolves it. */
export function pauseText(reason: BatchObject['pause_reason']): { why: string; fix: string } {
  return reason === null ? { why: 'Paused', fix: 'Resume' } : PAUSED[reason];
}

const SKIPPED: Record<SkipReason, string> = {
  batch_cancelled: 'the batch was cancelled',
  batch_stopped: 'the batch was stopped',
  suppressed: 'the number is on the suppression list',
  opted_out: 'the recipient opted out',
  duplicate: 'a duplicate of another recipient',
  no_calling_window: 'no calling window within 30 days',
};

export function skipReasonText(reason: RecipientObject['skip_reason']): string {
  return reason === null ? 'not called' : SKIPPED[reason];
}

/**
 * What a pending recipient waits for, with the time in the viewer's zone: a retry (it was called
 * already) or its calling window (not called yet). Null when it does not wait.
 */
export function waitingText(
  r: Pick<RecipientObject, 'status' | 'attempts' | 'next_attempt_at'>,
  format: (iso: string) => string = formatDateTime,
): string | null {
  if (r.status !== 'pending' || r.next_attempt_at === null) return null;
  const at = format(r.next_attempt_at);
  return r.attempts > 0 ? `retry at ${at}` : `waits for its calling window until ${at}`;
}

const LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** `2026-12-07T05:13:09-06:00` in `America/Chicago` → `2026-12-07 05:13 America/Chicago (UTC−06:00)`. */
export function formatLocalStarted(localIso: string, zone: string): string {
  const m = LOCAL.exec(localIso);
  if (m === null) return `${localIso} ${zone}`;
  const offset = m[3] === 'Z' ? '+00:00' : (m[3] ?? '');
  return `${m[1]} ${m[2]} ${zone} (UTC${offset.replace('-', '−')})`;
}

/** Short weekday names, as the dashboard shows them. */
export const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

/** `['mon','tue','wed','fri']` → `Mon–Wed, Fri` (runs of 3 or more days as a span). */
export function formatDays(days: readonly Weekday[]): string {
  const idx = [...new Set(days.map((d) => WEEKDAYS.indexOf(d)))].filter((i) => i >= 0).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === (idx[j] ?? 0) + 1) j += 1;
    const from = DAY_NAMES[WEEKDAYS[idx[i] ?? 0] ?? 'mon'];
    const to = DAY_NAMES[WEEKDAYS[idx[j] ?? 0] ?? 'mon'];
    if (j - i >= 2) parts.push(`${from}–${to}`);
    else for (let k = i; k <= j; k += 1) parts.push(DAY_NAMES[WEEKDAYS[idx[k] ?? 0] ?? 'mon']);
    i = j + 1;
  }
  return parts.join(', ');
}

/** "Mon–Fri 09:00–20:00; Sat 10:00–14:00, each recipient's time zone; not on 2026-12-25". */
export function formatWindow(w: CallingWindowObject): string {
  const ranges = w.hours.map((r) => `${formatDays(r.days)} ${r.start}–${r.end}`).join('; ');
  const zone =
    w.timezone === 'recipient'
      ? `each recipient's time zone${w.default_timezone === null ? '' : ` (else ${w.default_timezone})`}`
      : w.timezone;
  const excluded = w.exclude_dates.length === 0 ? '' : `; not on ${w.exclude_dates.join(', ')}`;
  return `${ranges}, ${zone}${excluded}`;
}

/** "Up to 3 calls: no answer after 120 min, busy after 15 min" or "No retries". */
export function retryText(retry: BatchObject['retry']): string {
  const rules = RETRY_OUTCOMES.flatMap((o) => {
    const rule = retry.rules[o];
    return rule === undefined ? [] : [`${o.replace('_', ' ')} after ${formatMinutes(rule.delay_seconds)}`];
  });
  if (retry.max_attempts <= 1 || rules.length === 0) return 'No retries';
  return `Up to ${retry.max_attempts} calls: ${rules.join(', ')}`;
}

/** "the last call" / "the last 10 calls". */
export function lastCalls(n: number): string {
  return n === 1 ? 'the last call' : `the last ${n} calls`;
}

/** "Pause at 50 % failed of the last 10 calls; cap 500 call minutes" or "None". */
export function guardrailsText(g: NonNullable<BatchObject['guardrails']>): string {
  const parts: string[] = [];
  if (g.max_failure_rate !== null)
    parts.push(
      `pause at ${Math.round(g.max_failure_rate * 1000) / 10} % failed of ${lastCalls(g.min_calls)}`,
    );
  if (g.max_call_minutes !== null)
    parts.push(`cap ${g.max_call_minutes.toLocaleString('en-US')} call minutes`);
  const text = parts.join('; ');
  return text === '' ? 'None' : text.charAt(0).toUpperCase() + text.slice(1);
}

function formatMinutes(seconds: number): string {
  const min = Math.round(seconds / 60);
  return min % 60 === 0 && min >= 60 ? `${min / 60} h` : `${min} min`;
}

// ---------------------------------------------------------------------------------------------------
// The create request's fields from the form

export const RETRY_OUTCOMES = ['no_answer', 'busy', 'voicemail', 'failed'] as const;
export type RetryOutcome = (typeof RETRY_OUTCOMES)[number];

export interface RetryForm {
  maxAttempts: string;
  /** Minutes per outcome; empty: that outcome is not retried. */
  delayMinutes: Record<RetryOutcome, string>;
}

/** Form text as a number; unreadable text stays NaN, so the API's rules name the field. */
function numberOf(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text.trim());
}

/** `retry` for the request: minutes become `delay_seconds`; outcomes left empty are not retried. */
export function buildRetry(form: RetryForm): {
  max_attempts: number;
  rules: Partial<Record<RetryOutcome, { delay_seconds: number }>>;
} {
  const rules: Partial<Record<RetryOutcome, { delay_seconds: number }>> = {};
  for (const outcome of RETRY_OUTCOMES) {
    const text = form.delayMinutes[outcome];
    if (text.trim() === '') continue;
    const minutes = numberOf(text);
    rules[outcome] = { delay_seconds: Number.isFinite(minutes) ? Math.round(minutes * 60) : -1 };
  }
  const max = numberOf(form.maxAttempts);
  return { max_attempts: Number.isFinite(max) ? max : 0, rules };
}

export interface HoursForm {
  key: string;
  days: Weekday[];
  start: string;
  end: string;
}

export interface WindowForm {
  /** `recipient` or an IANA zone. */
  timezone: string;
  /** Empty: none. */
  defaultTimezone: string;
  hours: HoursForm[];
  excludeDates: string[];
}

/** `calling_window` for the request, days in calendar order. */
export function buildCallingWindow(form: WindowForm): CallingWindowObject {
  return {
    timezone: form.timezone === '' ? 'recipient' : form.timezone,
    default_timezone: form.defaultTimezone === '' ? null : form.defaultTimezone,
    hours: form.hours.map((h) => ({
      days: WEEKDAYS.filter((d) => h.days.includes(d)),
      start: h.start,
      end: h.end,
    })),
    exclude_dates: form.excludeDates.filter((d) => d !== ''),
  };
}

export interface GuardrailsForm {
  /** Empty: no failure breaker. */
  failurePercent: string;
  /** Empty: the API's default. */
  minCalls: string;
  /** Empty: no spend cap. */
  maxCallMinutes: string;
}

/**
 * `guardrails` for the request: the breaker's share is typed in percent (the API takes a fraction);
 * an empty field is left out, so the API applies its default or no limit.
 */
export function buildGuardrails(form: GuardrailsForm): {
  max_failure_rate?: number;
  min_calls?: number;
  max_call_minutes?: number;
} {
  const out: { max_failure_rate?: number; min_calls?: number; max_call_minutes?: number } = {};
  if (form.failurePercent.trim() !== '') out.max_failure_rate = numberOf(form.failurePercent) / 100;
  if (form.minCalls.trim() !== '') out.min_calls = numberOf(form.minCalls);
  if (form.maxCallMinutes.trim() !== '') out.max_call_minutes = numberOf(form.maxCallMinutes);
  return out;
}

const DELAY_PATH = /^retry\.rules\.(\w+)(?:\.delay_seconds)?$/;

/**
 * The contract's messages in the words of the form: delays are typed in minutes (the API speaks
 * seconds), a range's days are checkboxes. Other messages already read plainly.
 */
export function plainCampaignIssue(issue: FieldIssue): FieldIssue {
  const { min, max } = RETRY_LIMITS.delaySeconds;
  const delay = DELAY_PATH.exec(issue.path);
  if (delay !== null && issue.message.includes('known field') === false)
    return {
      path: `retry.rules.${delay[1]}.delay_seconds`,
      message: `must be a number of minutes from ${min / 60} to ${(max / 60).toLocaleString('en-US')} (7 days)`,
    };
  if (issue.path === 'retry.max_attempts')
    return {
      path: issue.path,
      message: `must be a whole number from ${RETRY_LIMITS.maxAttempts.min} to ${RETRY_LIMITS.maxAttempts.max}`,
    };
  if (issue.path === 'guardrails.max_failure_rate')
    return { path: issue.path, message: 'must be a percentage above 0 and at most 100' };
  if (/^calling_window\.hours\[\d+\]\.days(\[\d+\])?$/.test(issue.path))
    return { path: issue.path.replace(/\[\d+\]$/, ''), message: 'tick at least one day, each once' };
  return issue;
}
