import * as z from 'zod';
import type { BatchSource } from '../domain/batch.ts';
import { BATCH_STATUSES, DUPLICATE_POLICIES, type DuplicatePolicy } from '../domain/batch.ts';
import type { CallingWindow } from '../domain/calling-window.ts';
import type { ContactLimit } from '../domain/contact-limit.ts';
import type { Guardrails } from '../domain/guardrails.ts';
import { type FieldIssue, ValidationError } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../domain/retry.ts';
import {
  validateCallingWindow,
  validateContactLimit,
  validateGuardrails,
  validateJsonFormField,
  validateRetry,
  type FieldCheck,
} from './campaign.ts';
import { cursorParamSchema, limitParamSchema, zodIssuesToFields } from './common.ts';
import { type RecipientInput, validateRecipient } from './recipient.ts';
import { parseRfc3339 } from './timestamp.ts';

/** What the create use case receives, whichever way (JSON or multipart + CSV) the request came. */
export interface CreateBatchInput {
  name: string;
  agentId: string;
  /** The caller-ID override; null means "use the agent's bound number". */
  phoneNumberId: string | null;
  recipients: RecipientInput[];
  /** Set when the recipients are in an uploaded CSV (`csv_upload_id`); `recipients` is then empty until read. */
  csvUploadId?: string;
  /** UTC ISO string with milliseconds (`2026-12-01T09:00:00.000Z`), or null to start at once. */
  scheduledAt: string | null;
  ringingTimeoutMs: number;
  /** null when the request left it out: the use case fills in the agent's default. */
  maxConcurrentCalls: number | null;
  source: BatchSource;
  retry: RetryPolicy;
  callingWindow: CallingWindow | null;
  guardrails: Guardrails | null;
  duplicates: DuplicatePolicy;
  contactLimit: ContactLimit | null;
  /** Dial recipients that lack a variable the agent's prompt or first message uses (they fail at dial). */
  allowMissingVariables: boolean;
}

export type CreateBatchFields = Omit<CreateBatchInput, 'recipients' | 'source' | 'csvUploadId'>;

// ---------------------------------------------------------------------------------------------------
// scheduled_at

/**
 * An RFC 3339 timestamp with an offset (./timestamp.ts), strictly after `now` and at most 30 days
 * after it (exactly 30 days is allowed). Answers the instant as a UTC ISO string.
 */
export function checkScheduledAt(
  value: string,
  now: Date,
): { ok: true; iso: string } | { ok: false; message: string } {
  const parsed = parseRfc3339(value);
  if (!parsed.ok) return parsed;
  const instant = parsed.ms;
  if (instant <= now.getTime()) return { ok: false, message: 'must be in the future' };
  if (instant > now.getTime() + LIMITS.scheduleWindowMs) {
    return { ok: false, message: 'must be at most 30 days ahead' };
  }
  return { ok: true, iso: new Date(instant).toISOString() };
}

// ---------------------------------------------------------------------------------------------------
// Create: JSON body

const nameSchema = z
  .string()
  .trim()
  .min(LIMITS.batchName.min, { message: 'must not be empty' })
  .max(LIMITS.batchName.max, { message: `must be at most ${LIMITS.batchName.max} characters long` })
  .refine((v) => !/\p{Cs}/u.test(v), { message: 'must be valid Unicode text' });
// Ids are ~32 characters; a longer one names nothing and is refused before any lookup.
const idSchema = z.string().min(1, { message: 'must not be empty' }).max(100);
const ringingTimeoutSchema = z
  .number()
  .int()
  .min(LIMITS.ringingTimeoutMs.min)
  .max(LIMITS.ringingTimeoutMs.max);
const maxConcurrentSchema = z
  .number()
  .int()
  .min(LIMITS.maxConcurrentCalls.min)
  .max(LIMITS.maxConcurrentCalls.max);

/**
 * The top-level shape of a JSON create request. `recipients` and `scheduled_at` are only shape-checked
 * here; their own rules run beside it so that one request reports every problem at once. Optional
 * fields may be null, which means the same as leaving them out.
 */
export const createBatchJsonSchema = z.strictObject({
  name: nameSchema,
  agent_id: idSchema,
  phone_number_id: idSchema.nullish(),
  recipients: z
    .array(z.unknown())
    .min(1, { message: 'must hold at least 1 recipient' })
    .max(LIMITS.maxRecipients, {
      message: `must hold at most ${LIMITS.maxRecipients.toLocaleString('en-US')} recipients`,
    })
    .optional(),
  /** A CSV uploaded with `POST /v1/uploads`, instead of `recipients` (for files too big for a request body). */
  csv_upload_id: z
    .string()
    .regex(/^upl_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'is not an upload id' })
    .optional(),
  scheduled_at: z.string().nullish(),
  ringing_timeout_ms: ringingTimeoutSchema.nullish(),
  max_concurrent_calls: maxConcurrentSchema.nullish(),
  // Checked beside the shape (campaign.ts) so their issues carry their own paths.
  retry: z.unknown().optional(),
  calling_window: z.unknown().optional(),
  guardrails: z.unknown().optional(),
  duplicates: z.enum(DUPLICATE_POLICIES).nullish(),
  contact_limit: z.unknown().optional(),
  allow_missing_variables: z.boolean().nullish(),
});

/** A nested object field checked by its own validator; absent or null means not given. */
function checkObjectField<T>(
  raw: unknown,
  path: string,
  validate: (raw: unknown, path: string) => FieldCheck<T>,
  issues: FieldIssue[],
): T | null {
  if (raw === undefined || raw === null) return null;
  const check = validate(raw, path);
  if (check.ok) return check.value;
  issues.push(...check.issues);
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a parsed JSON create body against the contract's "Create" table. Throws one
 * ValidationError listing every problem. A body that is not a JSON object (an array, a string, null)
 * is a ValidationError with path `''`: it was readable JSON, it just breaks the rules.
 */
export function validateCreateBatchJson(body: unknown, now: Date): CreateBatchInput {
  if (!isPlainObject(body)) {
    throw new ValidationError([{ path: '', message: 'the request body must be a JSON object' }]);
  }
  const issues: FieldIssue[] = [];
  const shape = createBatchJsonSchema.safeParse(body);
  if (!shape.success) issues.push(...zodIssuesToFields(shape.error));

  const scheduled =
    typeof body['scheduled_at'] === 'string' ? checkScheduledAt(body['scheduled_at'], now) : null;
  if (scheduled !== null && !scheduled.ok) issues.push({ path: 'scheduled_at', message: scheduled.message });

  const retry = checkObjectField(body['retry'], 'retry', validateRetry, issues);
  const callingWindow = checkObjectField(
    body['calling_window'],
    'calling_window',
    validateCallingWindow,
    issues,
  );
  const guardrails = checkObjectField(body['guardrails'], 'guardrails', validateGuardrails, issues);
  const contactLimit = checkObjectField(body['contact_limit'], 'contact_limit', validateContactLimit, issues);

  const recipients: RecipientInput[] = [];
  const rawRecipients = body['recipients'];
  // A list of the wrong length is already reported as a whole; checking 5,000 items would only bury it.
  if (
    Array.isArray(rawRecipients) &&
    rawRecipients.length >= 1 &&
    rawRecipients.length <= LIMITS.maxRecipients
  ) {
    rawRecipients.forEach((raw, i) => {
      const check = validateRecipient(raw, `recipients[${i}]`);
      if (check.ok) recipients.push(check.value);
      else issues.push(...check.issues);
    });
  }

  const hasRecipients = body['recipients'] !== undefined;
  const hasUpload = body['csv_upload_id'] !== undefined;
  if (hasRecipients === hasUpload) {
    issues.push({
      path: 'recipients',
      message: hasUpload ? 'cannot be given together with csv_upload_id' : 'is required (or csv_upload_id)',
    });
  }

  if (issues.length > 0 || !shape.success) throw new ValidationError(issues);
  const data = shape.data;
  if (data.csv_upload_id) {
    return {
      name: data.name,
      agentId: data.agent_id,
      phoneNumberId: data.phone_number_id ?? null,
      recipients: [],
      csvUploadId: data.csv_upload_id,
      scheduledAt: scheduled !== null && scheduled.ok ? scheduled.iso : null,
      ringingTimeoutMs: data.ringing_timeout_ms ?? LIMITS.ringingTimeoutMs.default,
      maxConcurrentCalls: data.max_concurrent_calls ?? null,
      source: 'csv',
      retry: retry ?? DEFAULT_RETRY_POLICY,
      callingWindow,
      guardrails,
      duplicates: data.duplicates ?? 'allow',
      contactLimit,
      allowMissingVariables: data.allow_missing_variables ?? false,
    };
  }
  return {
    name: data.name,
    agentId: data.agent_id,
    phoneNumberId: data.phone_number_id ?? null,
    recipients,
    scheduledAt: scheduled !== null && scheduled.ok ? scheduled.iso : null,
    ringingTimeoutMs: data.ringing_timeout_ms ?? LIMITS.ringingTimeoutMs.default,
    maxConcurrentCalls: data.max_concurrent_calls ?? null,
    source: 'json',
    retry: retry ?? DEFAULT_RETRY_POLICY,
    callingWindow,
    guardrails,
    duplicates: data.duplicates ?? 'allow',
    contactLimit,
    allowMissingVariables: data.allow_missing_variables ?? false,
  };
}

// ---------------------------------------------------------------------------------------------------
// Create: multipart text fields

/** A form value that must be a plain decimal integer: `30000`, not `3e4`, `30000.0` or ` 30000`. */
function formInteger(inner: z.ZodNumber) {
  return z
    .string()
    .regex(/^[0-9]+$/, { message: 'must be an integer' })
    .transform(Number)
    .pipe(inner);
}

/** Forms send empty inputs as empty strings; for an optional field that means "not given". */
function blankAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
}

export const createBatchFormSchema = z.strictObject({
  name: nameSchema,
  agent_id: idSchema,
  phone_number_id: blankAsAbsent(idSchema),
  scheduled_at: blankAsAbsent(z.string()),
  ringing_timeout_ms: blankAsAbsent(formInteger(ringingTimeoutSchema)),
  max_concurrent_calls: blankAsAbsent(formInteger(maxConcurrentSchema)),
  // JSON text, checked beside the shape (campaign.ts).
  retry: z.string().optional(),
  calling_window: z.string().optional(),
  guardrails: z.string().optional(),
  duplicates: blankAsAbsent(z.enum(DUPLICATE_POLICIES)),
  contact_limit: z.string().optional(),
  allow_missing_variables: blankAsAbsent(
    z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true'),
  ),
});

/** The multipart text fields, by the same rules as the JSON body (all values arrive as strings). */
export function validateCreateBatchFields(fields: Record<string, string>, now: Date): CreateBatchFields {
  const issues: FieldIssue[] = [];
  const shape = createBatchFormSchema.safeParse(fields);
  if (!shape.success) issues.push(...zodIssuesToFields(shape.error));

  const rawScheduled = fields['scheduled_at'];
  const scheduled =
    typeof rawScheduled === 'string' && rawScheduled !== '' ? checkScheduledAt(rawScheduled, now) : null;
  if (scheduled !== null && !scheduled.ok) issues.push({ path: 'scheduled_at', message: scheduled.message });
  const formJson = <T>(name: string, validate: (raw: unknown, path: string) => FieldCheck<T>): T | null => {
    const check = validateJsonFormField(fields[name], name, validate);
    if (check.ok) return check.value;
    issues.push(...check.issues);
    return null;
  };
  const retry = formJson('retry', validateRetry);
  const callingWindow = formJson('calling_window', validateCallingWindow);
  const guardrails = formJson('guardrails', validateGuardrails);
  const contactLimit = formJson('contact_limit', validateContactLimit);

  if (issues.length > 0 || !shape.success) throw new ValidationError(issues);
  const data = shape.data;
  return {
    retry: retry ?? DEFAULT_RETRY_POLICY,
    callingWindow,
    guardrails,
    duplicates: data.duplicates ?? 'allow',
    contactLimit,
    allowMissingVariables: data.allow_missing_variables ?? false,
    name: data.name,
    agentId: data.agent_id,
    phoneNumberId: data.phone_number_id ?? null,
    scheduledAt: scheduled !== null && scheduled.ok ? scheduled.iso : null,
    ringingTimeoutMs: data.ringing_timeout_ms ?? LIMITS.ringingTimeoutMs.default,
    maxConcurrentCalls: data.max_concurrent_calls ?? null,
  };
}

/** The text fields a multipart create request may carry (besides the `csv_file` file). */
export const CREATE_BATCH_FORM_FIELDS = Object.keys(createBatchFormSchema.shape);

// ---------------------------------------------------------------------------------------------------
// List query

export const batchListQuerySchema = z.object({
  status: z.enum(BATCH_STATUSES).optional(),
  agent_id: z.string().min(1, { message: 'must not be empty' }).optional(),
  limit: limitParamSchema,
  cursor: cursorParamSchema,
});
export type BatchListQuery = z.output<typeof batchListQuerySchema>;
