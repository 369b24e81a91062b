import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  batchListQuerySchema,
  validateCreateBatchFields,
  validateCreateBatchJson,
} from '#shared/contracts/batch.ts';
import {
  batchDetailResponseSchema,
  batchListResponseSchema,
  batchObjectSchema,
  recipientObjectSchema,
  toBatchObject,
  toRecipientObject,
} from '#shared/contracts/batch-objects.ts';
import { pageQuerySchema, parseOrThrow, zodIssuesToFields } from '#shared/contracts/common.ts';
import { ValidationError, type FieldIssue } from '#shared/domain/errors.ts';
import type { Batch } from '#shared/domain/batch.ts';
import type { Recipient } from '#shared/domain/recipient.ts';
import { recipientFixture, BATCH_CONTROLS_UNSET } from '../helpers/domain-fixtures.ts';

const NOW = new Date('2026-11-01T12:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;

function fieldsOf(fn: () => unknown): FieldIssue[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.fields;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

const valid = () => ({
  name: 'November renewals',
  agent_id: 'agent_01',
  recipients: [{ phone: '+14155551234', first_name: 'Alice' }, { phone: '+1 (415) 555-1235' }],
});

describe('zodIssuesToFields and parseOrThrow', () => {
  const schema = z.strictObject({
    name: z.string(),
    recipients: z.array(z.strictObject({ phone: z.string() })),
    events: z.array(z.enum(['a', 'b'])).optional(),
  });

  it('renders paths like recipients[2].phone and events[0], and names unknown keys', () => {
    const result = schema.safeParse({
      recipients: [{ phone: '1' }, { phone: '2' }, { phone: 3 }],
      events: ['c'],
      schedule_at: 'x',
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(zodIssuesToFields(result.error)).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'recipients[2].phone', message: 'must be a string' },
      { path: 'events[0]', message: 'must be one of: a, b' },
      { path: 'schedule_at', message: 'is not a known field' },
    ]);
  });

  it('prefixes paths and lists every issue in a ValidationError', () => {
    const fields = fieldsOf(() =>
      parseOrThrow(schema, { name: 1, recipients: 'x', extra: 1, other: 2 }, 'body'),
    );
    expect(fields).toEqual([
      { path: 'body.name', message: 'must be a string' },
      { path: 'body.recipients', message: 'must be an array' },
      { path: 'body.extra', message: 'is not a known field' },
      { path: 'body.other', message: 'is not a known field' },
    ]);
  });

  it('returns the parsed value when valid', () => {
    expect(parseOrThrow(schema, { name: 'n', recipients: [] })).toEqual({ name: 'n', recipients: [] });
  });

  it('reads limit and cursor from a query string', () => {
    expect(parseOrThrow(pageQuerySchema, {})).toEqual({ limit: 50 });
    expect(parseOrThrow(pageQuerySchema, { limit: '200', cursor: 'abc' })).toEqual({
      limit: 200,
      cursor: 'abc',
    });
    expect(fieldsOf(() => parseOrThrow(pageQuerySchema, { limit: '0' }))).toEqual([
      { path: 'limit', message: 'must be at least 1' },
    ]);
    expect(fieldsOf(() => parseOrThrow(pageQuerySchema, { limit: '201' }))).toEqual([
      { path: 'limit', message: 'must be at most 200' },
    ]);
    expect(fieldsOf(() => parseOrThrow(pageQuerySchema, { limit: '1.5', cursor: '' }))).toEqual([
      { path: 'limit', message: 'must be an integer' },
      { path: 'cursor', message: 'must not be empty' },
    ]);
  });
});

describe('validateCreateBatchJson', () => {
  it('accepts a valid body, normalising phones and filling defaults', () => {
    expect(validateCreateBatchJson(valid(), NOW)).toEqual({
      name: 'November renewals',
      agentId: 'agent_01',
      phoneNumberId: null,
      recipients: [
        { phone: '+14155551234', dynamicVars: { first_name: 'Alice' }, path: 'recipients[0]' },
        { phone: '+14155551235', dynamicVars: {}, path: 'recipients[1]' },
      ],
      scheduledAt: null,
      ringingTimeoutMs: 30_000,
      maxConcurrentCalls: null,
      // Without retry: one attempt, no retry; without calling_window: no window.
      retry: { maxAttempts: 1, rules: {} },
      callingWindow: null,
      guardrails: null,
      duplicates: 'allow',
      allowMissingVariables: false,
      source: 'json',
    });
  });

  it('takes the optional fields', () => {
    const input = validateCreateBatchJson(
      {
        ...valid(),
        phone_number_id: 'pn_1',
        ringing_timeout_ms: 1_000,
        max_concurrent_calls: 100,
        scheduled_at: '2026-11-02T09:00:00Z',
      },
      NOW,
    );
    expect(input).toMatchObject({
      phoneNumberId: 'pn_1',
      ringingTimeoutMs: 1_000,
      maxConcurrentCalls: 100,
      scheduledAt: '2026-11-02T09:00:00.000Z',
    });
  });

  it('normalises scheduled_at with an offset to UTC with milliseconds', () => {
    expect(
      validateCreateBatchJson({ ...valid(), scheduled_at: '2026-11-02T09:00:00+02:00' }, NOW).scheduledAt,
    ).toBe('2026-11-02T07:00:00.000Z');
    expect(
      validateCreateBatchJson({ ...valid(), scheduled_at: '2026-11-01T07:30:00.25-05:00' }, NOW).scheduledAt,
    ).toBe('2026-11-01T12:30:00.250Z');
  });

  it('accepts exactly 30 days ahead and refuses 30 days + 1 minute', () => {
    const exactly = new Date(NOW.getTime() + 30 * DAY).toISOString();
    expect(validateCreateBatchJson({ ...valid(), scheduled_at: exactly }, NOW).scheduledAt).toBe(exactly);
    const over = new Date(NOW.getTime() + 30 * DAY + 60_000).toISOString();
    expect(fieldsOf(() => validateCreateBatchJson({ ...valid(), scheduled_at: over }, NOW))).toEqual([
      { path: 'scheduled_at', message: 'must be at most 30 days ahead' },
    ]);
  });

  it.each([
    ['in the past', '2026-10-31T12:00:00Z', 'must be in the future'],
    ['exactly now', '2026-11-01T12:00:00.000Z', 'must be in the future'],
    ['now, written with an offset', '2026-11-01T14:00:00+02:00', 'must be in the future'],
    [
      'without an offset',
      '2026-11-02T09:00:00',
      'must include a time-zone offset (Z or ±hh:mm), e.g. 2026-12-01T09:00:00Z',
    ],
    ['a date only', '2026-11-02', expect.stringMatching(/RFC 3339/)],
    ['not a date', 'tomorrow', expect.stringMatching(/RFC 3339/)],
    ['an impossible date', '2026-11-31T09:00:00Z', 'is not a valid date and time'],
    ['an impossible hour', '2026-11-02T24:00:00Z', 'is not a valid date and time'],
  ])('refuses scheduled_at %s', (_label, value, message) => {
    expect(fieldsOf(() => validateCreateBatchJson({ ...valid(), scheduled_at: value }, NOW))).toEqual([
      { path: 'scheduled_at', message },
    ]);
  });

  it('refuses a misspelt schedule_at instead of starting the batch at once', () => {
    expect(
      fieldsOf(() => validateCreateBatchJson({ ...valid(), schedule_at: '2026-11-02T09:00:00Z' }, NOW)),
    ).toEqual([{ path: 'schedule_at', message: 'is not a known field' }]);
  });

  it('refuses 0 and 1,001 recipients on the recipients field, and accepts 1,000', () => {
    expect(fieldsOf(() => validateCreateBatchJson({ ...valid(), recipients: [] }, NOW))).toEqual([
      { path: 'recipients', message: 'must hold at least 1 recipient' },
    ]);
    const many = (n: number) => Array.from({ length: n }, () => ({ phone: '+14155551234' }));
    expect(fieldsOf(() => validateCreateBatchJson({ ...valid(), recipients: many(1_001) }, NOW))).toEqual([
      { path: 'recipients', message: 'must hold at most 1,000 recipients' },
    ]);
    expect(validateCreateBatchJson({ ...valid(), recipients: many(1_000) }, NOW).recipients).toHaveLength(
      1_000,
    );
  });

  it('names a recipient variable holding an object', () => {
    const body = {
      ...valid(),
      recipients: [
        { phone: '+14155551234' },
        { phone: '+14155551234', dynamic_vars: { address: { city: 'Paris' } } },
      ],
    };
    expect(fieldsOf(() => validateCreateBatchJson(body, NOW))).toEqual([
      { path: 'recipients[1].dynamic_vars.address', message: 'must be a string, number or boolean' },
    ]);
  });

  it('lists every problem of the body at once', () => {
    const body = {
      name: '',
      agent_id: 7,
      recipients: [{ phone: '+1415555' }, { phone: '+14155551234' }, { dynamic_vars: { a: [] } }],
      scheduled_at: '2026-11-02T09:00:00',
      ringing_timeout_ms: 999,
      max_concurrent_calls: 101,
      schedule_at: 'x',
    };
    expect(fieldsOf(() => validateCreateBatchJson(body, NOW))).toEqual([
      { path: 'name', message: 'must not be empty' },
      { path: 'agent_id', message: 'must be a string' },
      { path: 'ringing_timeout_ms', message: 'must be at least 1,000' },
      { path: 'max_concurrent_calls', message: 'must be at most 100' },
      { path: 'schedule_at', message: 'is not a known field' },
      { path: 'scheduled_at', message: expect.stringMatching(/offset/) },
      { path: 'recipients[0].phone', message: expect.any(String) },
      { path: 'recipients[2].phone', message: 'is required' },
      { path: 'recipients[2].dynamic_vars.a', message: 'must be a string, number or boolean' },
    ]);
  });

  it.each([
    ['name', 'x'.repeat(201), 'must be at most 200 characters long'],
    ['name', '   ', 'must not be empty'],
    ['name', 5, 'must be a string'],
    ['agent_id', '', 'must not be empty'],
    ['phone_number_id', 5, 'must be a string'],
    ['recipients', 'nope', 'must be an array'],
    ['scheduled_at', 1_800_000_000, 'must be a string'],
    ['ringing_timeout_ms', 80_001, 'must be at most 80,000'],
    ['ringing_timeout_ms', 30_000.5, 'must be an integer'],
    ['ringing_timeout_ms', '30000', 'must be a number'],
    ['max_concurrent_calls', 0, 'must be at least 1'],
    ['max_concurrent_calls', true, 'must be a number'],
  ])('names %s when it is %j', (field, value, message) => {
    expect(fieldsOf(() => validateCreateBatchJson({ ...valid(), [field]: value }, NOW))).toEqual([
      { path: field, message },
    ]);
  });

  it('takes an uploaded CSV instead of recipients, never both', () => {
    const upload = 'upl_01HS0000000000000000000000';
    const base = { name: 'n', agent_id: 'agent_1' };
    expect(validateCreateBatchJson({ ...base, csv_upload_id: upload }, NOW)).toMatchObject({
      csvUploadId: upload,
      recipients: [],
      source: 'csv',
    });
    expect(
      fieldsOf(() =>
        validateCreateBatchJson(
          { ...base, csv_upload_id: upload, recipients: [{ phone: '+14155551234' }] },
          NOW,
        ),
      ),
    ).toEqual([{ path: 'recipients', message: 'cannot be given together with csv_upload_id' }]);
    expect(fieldsOf(() => validateCreateBatchJson({ ...base, csv_upload_id: 'x.csv' }, NOW))).toEqual([
      { path: 'csv_upload_id', message: 'is not an upload id' },
    ]);
  });

  it('requires name, agent_id and recipients', () => {
    expect(fieldsOf(() => validateCreateBatchJson({}, NOW))).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'agent_id', message: 'is required' },
      { path: 'recipients', message: 'is required (or csv_upload_id)' },
    ]);
  });

  it('treats null optional fields as absent', () => {
    const input = validateCreateBatchJson(
      {
        ...valid(),
        phone_number_id: null,
        scheduled_at: null,
        ringing_timeout_ms: null,
        max_concurrent_calls: null,
      },
      NOW,
    );
    expect(input).toMatchObject({
      phoneNumberId: null,
      scheduledAt: null,
      ringingTimeoutMs: 30_000,
      maxConcurrentCalls: null,
    });
  });

  it('refuses a body that is not an object with a ValidationError on path ""', () => {
    for (const body of [null, [], 'x', 5]) {
      expect(fieldsOf(() => validateCreateBatchJson(body, NOW))).toEqual([
        { path: '', message: 'the request body must be a JSON object' },
      ]);
    }
  });

  it('trims the name', () => {
    expect(validateCreateBatchJson({ ...valid(), name: '  Renewals ' }, NOW).name).toBe('Renewals');
  });
});

describe('allow_missing_variables', () => {
  it('is a boolean in JSON and true/false in a form, naming the field otherwise', () => {
    expect(
      validateCreateBatchJson({ ...valid(), allow_missing_variables: true }, NOW).allowMissingVariables,
    ).toBe(true);
    expect(
      validateCreateBatchJson({ ...valid(), allow_missing_variables: null }, NOW).allowMissingVariables,
    ).toBe(false);
    const paths = (run: () => unknown) => fieldsOf(run).map((f) => f.path);
    expect(
      paths(() => validateCreateBatchJson({ ...valid(), allow_missing_variables: 'true' }, NOW)),
    ).toEqual(['allow_missing_variables']);
    expect(
      validateCreateBatchFields({ name: 'B', agent_id: 'a', allow_missing_variables: 'false' }, NOW)
        .allowMissingVariables,
    ).toBe(false);
    expect(
      paths(() =>
        validateCreateBatchFields({ name: 'B', agent_id: 'a', allow_missing_variables: 'yes' }, NOW),
      ),
    ).toEqual(['allow_missing_variables']);
  });
});

describe('validateCreateBatchFields (multipart text fields)', () => {
  it('parses numbers strictly and fills defaults', () => {
    expect(
      validateCreateBatchFields(
        {
          name: 'B',
          agent_id: 'agent_1',
          phone_number_id: 'pn_1',
          ringing_timeout_ms: '80000',
          max_concurrent_calls: '5',
          scheduled_at: '2026-11-02T09:00:00+02:00',
          allow_missing_variables: 'true',
        },
        NOW,
      ),
    ).toEqual({
      name: 'B',
      agentId: 'agent_1',
      phoneNumberId: 'pn_1',
      scheduledAt: '2026-11-02T07:00:00.000Z',
      ringingTimeoutMs: 80_000,
      maxConcurrentCalls: 5,
      retry: { maxAttempts: 1, rules: {} },
      callingWindow: null,
      guardrails: null,
      duplicates: 'allow',
      allowMissingVariables: true,
    });
    expect(validateCreateBatchFields({ name: 'B', agent_id: 'a' }, NOW)).toEqual({
      name: 'B',
      agentId: 'a',
      phoneNumberId: null,
      scheduledAt: null,
      ringingTimeoutMs: 30_000,
      maxConcurrentCalls: null,
      retry: { maxAttempts: 1, rules: {} },
      callingWindow: null,
      guardrails: null,
      duplicates: 'allow',
      allowMissingVariables: false,
    });
  });

  it('treats empty optional inputs as not given', () => {
    expect(
      validateCreateBatchFields(
        {
          name: 'B',
          agent_id: 'a',
          phone_number_id: '',
          scheduled_at: '',
          ringing_timeout_ms: '',
          max_concurrent_calls: '',
        },
        NOW,
      ),
    ).toMatchObject({
      phoneNumberId: null,
      scheduledAt: null,
      ringingTimeoutMs: 30_000,
      maxConcurrentCalls: null,
    });
  });

  it('lists every problem, including unknown field names', () => {
    expect(
      fieldsOf(() =>
        validateCreateBatchFields(
          {
            agent_id: '',
            ringing_timeout_ms: '3e4',
            max_concurrent_calls: '101',
            scheduled_at: '2026-10-01T00:00:00Z',
            schedule_at: 'x',
          },
          NOW,
        ),
      ),
    ).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'agent_id', message: 'must not be empty' },
      { path: 'ringing_timeout_ms', message: 'must be an integer' },
      { path: 'max_concurrent_calls', message: 'must be at most 100' },
      { path: 'schedule_at', message: 'is not a known field' },
      { path: 'scheduled_at', message: 'must be in the future' },
    ]);
  });

  it.each(['1.5', ' 5', '-1', '0x10', '5 '])('refuses the number %j', (value) => {
    expect(
      fieldsOf(() =>
        validateCreateBatchFields({ name: 'B', agent_id: 'a', max_concurrent_calls: value }, NOW),
      ),
    ).toEqual([{ path: 'max_concurrent_calls', message: 'must be an integer' }]);
  });
});

describe('batchListQuerySchema', () => {
  it('reads status, agent_id, limit and cursor', () => {
    expect(
      parseOrThrow(batchListQuerySchema, {
        status: 'running',
        agent_id: 'agent_1',
        limit: '10',
        cursor: 'c',
      }),
    ).toEqual({
      status: 'running',
      agent_id: 'agent_1',
      limit: 10,
      cursor: 'c',
    });
    expect(parseOrThrow(batchListQuerySchema, {})).toEqual({ limit: 50 });
  });

  it('refuses an unknown status, naming the allowed ones', () => {
    expect(fieldsOf(() => parseOrThrow(batchListQuerySchema, { status: 'done' }))).toEqual([
      {
        path: 'status',
        message:
          'must be one of: pending, scheduled, running, paused, stopping, completed, failed, cancelled',
      },
    ]);
  });
});

describe('response schemas', () => {
  const batch: Batch = {
    id: 'batch_1',
    workspaceId: 'ws_1',
    name: 'B',
    agentId: 'agent_1',
    phoneNumberId: 'pn_1',
    status: 'pending',
    scheduledAt: null,
    ringingTimeoutMs: 30_000,
    maxConcurrentCalls: 10,
    source: 'json',
    totalRecipients: 2,
    counts: { pending: 2, dialing: 0, completed: 0, failed: 0, skipped: 0 },
    failureReason: null,
    createdAt: '2026-11-01T12:00:00.000Z',
    startedAt: null,
    completedAt: null,
    cancelledAt: null,
    ...BATCH_CONTROLS_UNSET,
  };
  const recipient: Recipient = recipientFixture(
    { batchId: 'batch_1', workspaceId: 'ws_1' },
    { id: 'rcp_1', index: 0, phone: '+14155551234', dynamicVars: { first_name: 'Alice' } },
  );

  it('maps the domain batch and recipient to exactly the contract shapes', () => {
    const b = toBatchObject(batch);
    expect(Object.keys(b)).toEqual([
      'id',
      'name',
      'agent_id',
      'phone_number_id',
      'status',
      'scheduled_at',
      'ringing_timeout_ms',
      'max_concurrent_calls',
      'source',
      'total_recipients',
      'counts',
      'failure_reason',
      'created_at',
      'started_at',
      'completed_at',
      'cancelled_at',
      'pause_reason',
      'paused_at',
      'stopped_at',
      'retry',
      'calling_window',
      'guardrails',
      'duplicates',
    ]);
    expect(batchObjectSchema.parse(b)).toEqual(b);
    const r = toRecipientObject(recipient);
    expect(r).toEqual({
      id: 'rcp_1',
      index: 0,
      phone: '+14155551234',
      dynamic_vars: { first_name: 'Alice' },
      status: 'pending',
      outcome: null,
      attempts: 0,
      conversation_id: null,
      started_at: null,
      ended_at: null,
      duration_secs: null,
      error: null,
      skip_reason: null,
      next_attempt_at: null,
      timezone: 'UTC',
    });
    expect(recipientObjectSchema.parse(r)).toEqual(r);
    expect(batchDetailResponseSchema.parse({ batch: b, recipients: [r] })).toEqual({
      batch: b,
      recipients: [r],
    });
    expect(batchListResponseSchema.parse({ batches: [b], next_cursor: null, has_more: false })).toEqual({
      batches: [b],
      next_cursor: null,
      has_more: false,
    });
  });

  it('catches a stray or missing field', () => {
    expect(batchObjectSchema.safeParse({ ...toBatchObject(batch), workspace_id: 'ws_1' }).success).toBe(
      false,
    );
    const { counts: _counts, ...withoutCounts } = toBatchObject(batch);
    expect(batchObjectSchema.safeParse(withoutCounts).success).toBe(false);
    expect(
      recipientObjectSchema.safeParse({ ...toRecipientObject(recipient), outcome: 'hung_up' }).success,
    ).toBe(false);
  });
});
