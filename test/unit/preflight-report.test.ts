import { describe, expect, it } from 'vitest';
import { createBatch } from '#shared/app/batches.ts';
import type { PlanDeps } from '#shared/app/batch-plan.ts';
import { preflightBatch } from '#shared/app/preflight.ts';
import type { CreateBatchInput } from '#shared/contracts/batch.ts';
import { ValidationError } from '#shared/domain/errors.ts';
import { DEFAULT_RETRY_POLICY } from '#shared/domain/retry.ts';
import type { Store } from '#shared/ports/store.ts';
import { agentFixture, phoneNumberFixture } from '../helpers/domain-fixtures.ts';

/**
 * The preflight report's pieces from one plan, against a stand-in store holding one agent, its
 * number and a suppression list (the gateway tests run the same against DynamoDB Local).
 */

const WS = 'ws_1';
const phone = phoneNumberFixture(WS, { callsPerSecond: 1 });
const agent = agentFixture(WS, {
  prompt: 'Remind {{first_name}} of {{appointment_date}}.',
  firstMessage: 'Hi {{first_name}}, about {{appointment_date}}.',
  phoneNumberId: phone.id,
  maxConcurrentCalls: 10,
});
const SUPPRESSED = '+14155550009';
const NOW = new Date('2026-12-07T15:00:00.000Z');

const ZONES: Record<string, string[]> = {
  '+14155551001': ['America/Los_Angeles'],
  '+12125551002': ['America/New_York'],
  // A number whose area spans two zones.
  '+18505551004': ['America/Chicago', 'America/New_York'],
};

function deps(): PlanDeps & { stored: number } {
  const out = {
    stored: 0,
    store: {
      getAgent: async (ws: string, id: string) => (ws === WS && id === agent.id ? agent : null),
      getPhoneNumber: async (ws: string, id: string) => (ws === WS && id === phone.id ? phone : null),
      isSuppressed: async (_ws: string, phones: readonly string[]) =>
        new Set(phones.filter((p) => p === SUPPRESSED)),
      createBatch: async () => {
        out.stored += 1;
      },
    } as unknown as Store,
    clock: () => NOW,
    phoneTimezones: { zonesForPhone: (e164: string) => ZONES[e164] ?? [] },
  };
  return out;
}

const r = (phone: string, dynamicVars: Record<string, string> = {}, i = 0) => ({
  phone,
  dynamicVars,
  path: `recipients[${i}]`,
});
const vars = (name: string) => ({ first_name: name, appointment_date: 'May 5' });

function input(overrides: Partial<CreateBatchInput> = {}): CreateBatchInput {
  return {
    name: 'b',
    agentId: agent.id,
    phoneNumberId: null,
    recipients: [],
    scheduledAt: null,
    ringingTimeoutMs: 30_000,
    maxConcurrentCalls: null,
    source: 'json',
    retry: DEFAULT_RETRY_POLICY,
    callingWindow: null,
    guardrails: null,
    duplicates: 'skip',
    allowMissingVariables: false,
    ...overrides,
  };
}

describe('preflightBatch', () => {
  const recipients = [
    r('+14155551001', vars('Ann'), 0),
    r('+12125551002', { first_name: 'Bo', notes: 'vip' }, 1),
    r(SUPPRESSED, {}, 2),
    r('+14155551001', vars('Ann again'), 3),
    r('+18505551003', { ...vars('Cy'), timezone: 'Europe/Paris' }, 4),
    r('+18505551004', vars('Di'), 5),
  ];

  it('reports counts, placeholders, zones and a preview, and stores nothing', async () => {
    const d = deps();
    const report = await preflightBatch(d, WS, input({ recipients }));
    expect(report.totalRecipients).toBe(6);
    expect(report.skipped).toEqual({ suppressed: 1, duplicate: 1, contactLimit: 0 });
    expect(report.callable).toBe(4);
    expect(report.placeholders).toEqual({
      used: ['first_name', 'appointment_date'],
      // Row 2 lacks both but is suppressed: it never speaks, so it is not missing anything.
      missing: [{ name: 'appointment_date', rows: [1] }],
      unused: ['notes'],
    });
    expect(report.errors).toEqual([
      { path: 'recipients[1].dynamic_vars', message: 'missing appointment_date' },
    ]);
    expect(report.timezones).toEqual({
      'America/Los_Angeles': 2,
      'America/New_York': 1,
      UTC: 1,
      'Europe/Paris': 1,
      'America/Chicago,America/New_York': 1,
    });
    expect(report.unresolved).toBe(0);
    expect(report.preview).toEqual([
      { index: 0, phone: '+14155551001', firstMessage: 'Hi Ann, about May 5.' },
      { index: 1, phone: '+12125551002', firstMessage: null },
      { index: 4, phone: '+18505551003', firstMessage: 'Hi Cy, about May 5.' },
    ]);
    expect(report.estimate.firstCallAt?.toISOString()).toBe(NOW.toISOString());
    expect(d.stored).toBe(0);
  });

  it('has exactly the issues create refuses with, and none with allow_missing_variables', async () => {
    const d = deps();
    const report = await preflightBatch(d, WS, input({ recipients }));
    const refusal = await createBatch({ ...d, scheduler: {} as never }, WS, input({ recipients })).catch(
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(ValidationError);
    expect((refusal as ValidationError).fields).toEqual(report.errors);
    expect(d.stored).toBe(0);

    const allowed = await preflightBatch(d, WS, input({ recipients, allowMissingVariables: true }));
    expect(allowed.errors).toEqual([]);
    expect(allowed.placeholders.missing).toEqual(report.placeholders.missing);
  });

  it('counts rows no zone resolves for under a window without a default, as errors', async () => {
    const report = await preflightBatch(
      deps(),
      WS,
      input({
        recipients: [r('+14155551001', vars('A'), 0), r('+12125559999', vars('B'), 1)],
        callingWindow: {
          timezone: 'recipient',
          defaultTimezone: null,
          hours: [{ days: ['mon'], start: '09:00', end: '17:00' }],
          excludeDates: [],
        },
      }),
    );
    expect(report.unresolved).toBe(1);
    expect(report.timezones).toEqual({ 'America/Los_Angeles': 1 });
    expect(report.errors.map((e) => e.path)).toEqual(['recipients[1]']);
  });

  it('takes the contact-limit count from its seam', async () => {
    const d = {
      ...deps(),
      contactLimitCount: async (_ws: string, phones: readonly string[]) => phones.length - 1,
    };
    const report = await preflightBatch(d, WS, input({ recipients: recipients.slice(0, 2) }));
    expect(report.skipped.contactLimit).toBe(1);
    expect(report.callable).toBe(1);
  });
});
