import * as z from 'zod';
import {
  type CallingWindow,
  clockMinutes,
  epochDay,
  normalizeTimeZone,
  WEEKDAYS,
} from '../domain/calling-window.ts';
import type { FieldIssue } from '../domain/errors.ts';
import { CONTACT_LIMITS, type ContactLimit } from '../domain/contact-limit.ts';
import { GUARDRAIL_LIMITS, type Guardrails } from '../domain/guardrails.ts';
import { RETRY_LIMITS, RETRYABLE_OUTCOMES, type RetryPolicy } from '../domain/retry.ts';
import { joinPath, zodIssuesToFields } from './common.ts';

/**
 * The create (and PATCH) fields `retry` and `calling_window`, and a recipient's `timezone`, as the
 * contract's "Campaign controls" part words them. Objects are strict (an unknown field is a `400`
 * naming it), like every request schema here. Browser-safe: zod, the domain and `Intl` only.
 *
 * Decisions where the contract is silent (docs/calling-windows.md):
 * - `retry.max_attempts` is required inside `retry` (leaving it out would silently mean 1, i.e. no
 *   retry at all, whatever `rules` say); `rules` may be left out (`{}`).
 * - a range's `end` may be `24:00` (the end of the day; never a `start`), so a range across midnight
 *   splits into `22:00`–`24:00` and `00:00`–`02:00` without losing a minute; `23:59` is fine too and
 *   means until 23:59. `start` < `end`; a call may start at `start`, not at `end`.
 * - a range lists each day once; ranges may overlap (the window is their union).
 * - zone names: any name the runtime's `Intl` knows, links included (`UTC`, `Etc/UTC`, `US/Pacific`,
 *   `Asia/Calcutta`; `Intl.supportedValuesOf` leaves out some of these, so it is not the test), with
 *   IANA's spelling restored when only the case differs (`america/new_york`). Offsets (`+02:00`) and
 *   `Etc/Unknown` are refused. A link keeps its own name.
 * - `exclude_dates`: at most 366 real calendar dates; repeats are harmless and kept.
 */

// ---------------------------------------------------------------------------------------------------
// Zones

const ZONE_MESSAGE = 'must be an IANA time zone name, e.g. America/New_York';

/** An IANA zone name; the output is its normalized spelling. */
export const timeZoneSchema = z.string().transform((value, ctx) => {
  const zone = normalizeTimeZone(value);
  if (zone === null) {
    ctx.addIssue({ code: 'custom', message: ZONE_MESSAGE });
    return z.NEVER;
  }
  return zone;
});

/**
 * A recipient's optional `timezone` (a JSON field or a CSV column; it also stays a dynamic variable).
 * Absent, null or an empty string (an empty CSV cell) mean "not given": null.
 */
export const recipientTimezoneSchema = z
  .string()
  .nullish()
  .transform((value, ctx) => {
    if (value === undefined || value === null || value === '') return null;
    const zone = normalizeTimeZone(value);
    if (zone === null) {
      ctx.addIssue({ code: 'custom', message: ZONE_MESSAGE });
      return z.NEVER;
    }
    return zone;
  });

/** The recipient's `timezone` value checked: the zone, null when not given, or why it is refused. */
export function checkRecipientTimezone(
  value: unknown,
): { ok: true; zone: string | null } | { ok: false; message: string } {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    return { ok: false, message: 'must be a string (an IANA time zone name)' };
  }
  const result = recipientTimezoneSchema.safeParse(value);
  if (result.success) return { ok: true, zone: result.data };
  return { ok: false, message: ZONE_MESSAGE };
}

// ---------------------------------------------------------------------------------------------------
// retry

const retryRuleSchema = z.strictObject({
  delay_seconds: z.number().int().min(RETRY_LIMITS.delaySeconds.min).max(RETRY_LIMITS.delaySeconds.max),
});

/** `retry` as a request gives it; the output has `rules` filled in. */
export const retryInputSchema = z.strictObject({
  max_attempts: z.number().int().min(RETRY_LIMITS.maxAttempts.min).max(RETRY_LIMITS.maxAttempts.max),
  rules: z
    .strictObject({
      no_answer: retryRuleSchema.optional(),
      busy: retryRuleSchema.optional(),
      voicemail: retryRuleSchema.optional(),
      failed: retryRuleSchema.optional(),
    })
    .optional()
    .transform((rules) => rules ?? {}),
});
export type RetryInput = z.input<typeof retryInputSchema>;

/** `retry` as answers show it (the batch object echoes it). */
export const retryObjectSchema = z.strictObject({
  max_attempts: z.number().int(),
  rules: z.strictObject({
    no_answer: z.strictObject({ delay_seconds: z.number().int() }).optional(),
    busy: z.strictObject({ delay_seconds: z.number().int() }).optional(),
    voicemail: z.strictObject({ delay_seconds: z.number().int() }).optional(),
    failed: z.strictObject({ delay_seconds: z.number().int() }).optional(),
  }),
});
export type RetryObject = z.output<typeof retryObjectSchema>;

export function toRetryPolicy(retry: RetryObject): RetryPolicy {
  const rules: RetryPolicy['rules'] = {};
  for (const outcome of RETRYABLE_OUTCOMES) {
    const rule = retry.rules[outcome];
    if (rule !== undefined) rules[outcome] = { delaySeconds: rule.delay_seconds };
  }
  return { maxAttempts: retry.max_attempts, rules };
}

export function toRetryObject(policy: RetryPolicy): RetryObject {
  const rules: RetryObject['rules'] = {};
  for (const outcome of RETRYABLE_OUTCOMES) {
    const rule = policy.rules[outcome];
    if (rule !== undefined) rules[outcome] = { delay_seconds: rule.delaySeconds };
  }
  return { max_attempts: policy.maxAttempts, rules };
}

const RULE_KEYS_TEXT = RETRYABLE_OUTCOMES.join(', ');

/** "is not a known field" says too little for a rule key: say which keys there are. */
function explainRuleKeys(issues: FieldIssue[], path: string): FieldIssue[] {
  const rulesPrefix = joinPath(path, 'rules');
  return issues.map((issue) => {
    const key = issue.path.startsWith(`${rulesPrefix}.`) ? issue.path.slice(rulesPrefix.length + 1) : null;
    if (key === null || key.includes('.') || issue.message !== 'is not a known field') return issue;
    const why =
      key === 'answered' ? 'answered calls are never retried' : `is not an outcome that can be retried`;
    return { path: issue.path, message: `${why} (rule keys: ${RULE_KEYS_TEXT})` };
  });
}

export type FieldCheck<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** The `retry` field of a create or PATCH body (`null` and absent are the caller's "not given"). */
export function validateRetry(raw: unknown, path = 'retry'): FieldCheck<RetryPolicy> {
  const result = retryInputSchema.safeParse(raw);
  if (!result.success)
    return { ok: false, issues: explainRuleKeys(zodIssuesToFields(result.error, path), path) };
  return { ok: true, value: toRetryPolicy(result.data) };
}

// ---------------------------------------------------------------------------------------------------
// calling_window

export const CALLING_WINDOW_LIMITS = {
  hours: { min: 1, max: 14 },
  excludeDates: { max: 366 },
} as const;

const startSchema = z.string().refine((value) => clockMinutes(value) !== null, {
  message: 'must be a time HH:MM from 00:00 to 23:59',
});
const endSchema = z.string().refine((value) => clockMinutes(value, { endOfDay: true }) !== null, {
  message: 'must be a time HH:MM from 00:01 to 24:00',
});

const hoursRangeSchema = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .superRefine((days, ctx) => {
        days.forEach((day, i) => {
          if (days.indexOf(day) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `repeats ${day}` });
        });
      }),
    start: startSchema,
    end: endSchema,
  })
  .superRefine((range, ctx) => {
    const start = clockMinutes(range.start);
    const end = clockMinutes(range.end, { endOfDay: true });
    if (start !== null && end !== null && start >= end) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: 'must be after start (a range across midnight is two ranges: …–24:00 and 00:00–…)',
      });
    }
  });

const excludeDateSchema = z.string().refine((value) => epochDay(value) !== null, {
  message: 'must be a calendar date YYYY-MM-DD',
});

/** `calling_window` as a request gives it; the output has every default filled in. */
export const callingWindowInputSchema = z.strictObject({
  timezone: z
    .string()
    .nullish()
    .transform((value, ctx) => {
      if (value === undefined || value === null || value === 'recipient') return 'recipient';
      const zone = normalizeTimeZone(value);
      if (zone === null) {
        ctx.addIssue({
          code: 'custom',
          message: `must be "recipient" or an IANA time zone name, e.g. America/New_York`,
        });
        return z.NEVER;
      }
      return zone;
    }),
  default_timezone: timeZoneSchema.nullish().transform((value) => value ?? null),
  hours: z.array(hoursRangeSchema).min(CALLING_WINDOW_LIMITS.hours.min).max(CALLING_WINDOW_LIMITS.hours.max),
  exclude_dates: z
    .array(excludeDateSchema)
    .max(CALLING_WINDOW_LIMITS.excludeDates.max)
    .optional()
    .transform((value) => value ?? []),
});
export type CallingWindowInput = z.input<typeof callingWindowInputSchema>;

/** `calling_window` as answers show it. */
export const callingWindowObjectSchema = z.strictObject({
  timezone: z.string(),
  default_timezone: z.string().nullable(),
  hours: z.array(z.strictObject({ days: z.array(z.enum(WEEKDAYS)), start: z.string(), end: z.string() })),
  exclude_dates: z.array(z.string()),
});
export type CallingWindowObject = z.output<typeof callingWindowObjectSchema>;

export function toCallingWindow(window: CallingWindowObject): CallingWindow {
  return {
    timezone: window.timezone,
    defaultTimezone: window.default_timezone,
    hours: window.hours.map((range) => ({ days: [...range.days], start: range.start, end: range.end })),
    excludeDates: [...window.exclude_dates],
  };
}

export function toCallingWindowObject(window: CallingWindow): CallingWindowObject {
  return {
    timezone: window.timezone,
    default_timezone: window.defaultTimezone,
    hours: window.hours.map((range) => ({ days: [...range.days], start: range.start, end: range.end })),
    exclude_dates: [...window.excludeDates],
  };
}

/** The `calling_window` field of a create or PATCH body (`null` and absent are the caller's "not given"). */
export function validateCallingWindow(raw: unknown, path = 'calling_window'): FieldCheck<CallingWindow> {
  const result = callingWindowInputSchema.safeParse(raw);
  if (!result.success) return { ok: false, issues: zodIssuesToFields(result.error, path) };
  return { ok: true, value: toCallingWindow(result.data) };
}

// ---------------------------------------------------------------------------------------------------
// Multipart: the same JSON in a text field

/**
 * A multipart text field holding one of these objects as JSON (`retry`, `calling_window`). An empty
 * value means "not given" (null); text that is not JSON is a field issue, not a malformed request.
 */
export function validateJsonFormField<T>(
  text: string | undefined,
  path: string,
  validate: (raw: unknown, path: string) => FieldCheck<T>,
): FieldCheck<T | null> {
  if (text === undefined || text.trim() === '') return { ok: true, value: null };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, issues: [{ path, message: 'must be a JSON object' }] };
  }
  return validate(raw, path);
}

// ---------------------------------------------------------------------------------------------------
// guardrails

/** `guardrails` as a request gives it; every field optional (a breaker needs max_failure_rate). */
export const guardrailsInputSchema = z.strictObject({
  max_failure_rate: z
    .number()
    .gt(0, { message: 'must be more than 0' })
    .max(1, { message: 'must be at most 1' })
    .optional(),
  min_calls: z
    .number()
    .int()
    .min(GUARDRAIL_LIMITS.minCalls.min)
    .max(GUARDRAIL_LIMITS.minCalls.max)
    .optional(),
  max_call_minutes: z
    .number()
    .gt(0, { message: 'must be more than 0' })
    .max(1_000_000_000, { message: 'must be at most 1,000,000,000' })
    .optional(),
});

/** `guardrails` as answers show it (the batch object echoes it). */
export const guardrailsObjectSchema = z.strictObject({
  max_failure_rate: z.number().nullable(),
  min_calls: z.number().int(),
  max_call_minutes: z.number().nullable(),
});
export type GuardrailsObject = z.output<typeof guardrailsObjectSchema>;

export function toGuardrailsObject(guardrails: Guardrails): GuardrailsObject {
  return {
    max_failure_rate: guardrails.maxFailureRate,
    min_calls: guardrails.minCalls,
    max_call_minutes: guardrails.maxCallMinutes,
  };
}

/** The `guardrails` field of a create or PATCH body. */
export function validateGuardrails(raw: unknown, path = 'guardrails'): FieldCheck<Guardrails> {
  const result = guardrailsInputSchema.safeParse(raw);
  if (!result.success) return { ok: false, issues: zodIssuesToFields(result.error, path) };
  const g = result.data;
  return {
    ok: true,
    value: {
      maxFailureRate: g.max_failure_rate ?? null,
      minCalls: g.min_calls ?? GUARDRAIL_LIMITS.minCalls.default,
      maxCallMinutes: g.max_call_minutes ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// contact_limit

/** `contact_limit` as a request gives it and answers echo it: both fields required. */
export const contactLimitSchema = z.strictObject({
  max_attempts: z.number().int().min(CONTACT_LIMITS.maxAttempts.min).max(CONTACT_LIMITS.maxAttempts.max),
  window_hours: z.number().int().min(CONTACT_LIMITS.windowHours.min).max(CONTACT_LIMITS.windowHours.max),
});
export type ContactLimitObject = z.output<typeof contactLimitSchema>;

export function toContactLimitObject(limit: ContactLimit): ContactLimitObject {
  return { max_attempts: limit.maxAttempts, window_hours: limit.windowHours };
}

/** The `contact_limit` field of a create body. */
export function validateContactLimit(raw: unknown, path = 'contact_limit'): FieldCheck<ContactLimit> {
  const result = contactLimitSchema.safeParse(raw);
  if (!result.success) return { ok: false, issues: zodIssuesToFields(result.error, path) };
  return {
    ok: true,
    value: { maxAttempts: result.data.max_attempts, windowHours: result.data.window_hours },
  };
}
