import { BATCH_CONTROLS_UNSET, batchFixture } from '../helpers/domain-fixtures.ts';
import { RETRY_LIMITS } from '#shared/domain/retry.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertStorable,
  isStorableNumber,
  itemSizeBytes,
  marshallItem,
} from '#shared/adapters/dynamodb/item-size.ts';
import { gsi, runKeys } from '#shared/adapters/dynamodb/keys.ts';
import { agentToItem } from '#shared/adapters/dynamodb/entities/agent.ts';
import { batchToItem } from '#shared/adapters/dynamodb/entities/batch.ts';
import { creationMarkerItem } from '#shared/adapters/dynamodb/entities/creation-marker.ts';
import { phoneNumberToItem } from '#shared/adapters/dynamodb/entities/phone-number.ts';
import {
  suppressionListingToItem,
  suppressionToItem,
} from '#shared/adapters/dynamodb/entities/suppression.ts';
import { itemToRecipientRun, recipientToItem } from '#shared/adapters/dynamodb/entities/recipient.ts';
import { outboxToItem } from '#shared/adapters/dynamodb/entities/outbox.ts';
import { payloadSnapshot } from '#shared/app/run/webhook-payloads.ts';
import { boundedText } from '#shared/adapters/dynamodb/run-store.ts';
import { AGENT_LIMITS, createAgentSchema, updateAgentSchema } from '#shared/contracts/agent.ts';
import { createPhoneNumberSchema } from '#shared/contracts/phone-number.ts';
import { csvRowToRecipient, validateCsvHeader } from '#shared/contracts/csv-rules.ts';
import { checkVarValue, validateRecipient, type RecipientInput } from '#shared/contracts/recipient.ts';
import { MAX_WEBHOOK_SECRETS, type Agent } from '#shared/domain/agent.ts';
import { initialCounts, type Batch } from '#shared/domain/batch.ts';
import { newId } from '#shared/domain/ids.ts';
import { DYNAMODB_LIMITS, LIMITS } from '#shared/domain/limits.ts';
import type { Suppression } from '#shared/domain/suppression.ts';
import { maskSecret, type PhoneNumber } from '#shared/domain/phone-number.ts';
import { MAX_LOGGED_ATTEMPTS, type OutboxRecord } from '#shared/domain/outbox.ts';
import type { Recipient } from '#shared/domain/recipient.ts';

/**
 * Issue 11, item 2: no input the contracts accept can make a stored item exceed DynamoDB's limits
 * (400 KB including attribute names; numbers within its range). Inputs are generated towards the
 * limits (3-byte UTF-8 characters, the most bytes per UTF-16 unit; full lengths and counts), run
 * through the very contract the API uses, turned into the item the store writes (the store's own
 * entity mappers, plus every attribute running the batch adds later at its largest), and measured as
 * DynamoDB does. A fixed worst case runs too, so the bound is hit, not only sampled.
 */

const MAX = DYNAMODB_LIMITS.itemBytes;
const WORST_CHAR = '中'; // 1 UTF-16 unit, 3 bytes of UTF-8: the most bytes a unit of text can take
const T = '2026-12-07T06:00:00.000Z';

/** Text up to `max` units, mostly at (or near) it, mixing ASCII, 3-byte and 4-byte characters. */
function text(max: number, min = 0) {
  const unit = fc.constantFrom('a', 'é', WORST_CHAR, '😀', ' ');
  return fc.oneof(
    { arbitrary: fc.constant(WORST_CHAR.repeat(max)), weight: 2 },
    fc
      .array(unit, { minLength: Math.max(min, 1), maxLength: max })
      .map((units) => units.join(''))
      .map((s) => (s.length > max ? s.slice(0, max).replace(/[\uD800-\uDBFF]$/, 'a') : s)),
  );
}

// Valid values (invalid numbers are the numbers property's subject; here they would only make
// most recipients refused, and the sizes untested).
const varValue = fc.oneof(
  { arbitrary: text(LIMITS.dynamicVarValueMaxLength), weight: 4 },
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e-130, 0.1 + 0.2, -123.456e-7),
);
const varKey = text(LIMITS.dynamicVarKeyMaxLength, 1).filter((k) => !/[{}]/.test(k));

/** The largest recipient the run can make of an input: every run attribute set, errors at their cap. */
/**
 * Descriptions of agent list items: mostly up to one over the item limit, sometimes far over it (the
 * contract must refuse those, and what it accepts must still fit).
 */
const descriptions = fc.oneof(
  {
    arbitrary: fc.array(text(AGENT_LIMITS.description.max, 1), { maxLength: AGENT_LIMITS.listItems.max + 1 }),
    weight: 5,
  },
  {
    arbitrary: fc.array(text(AGENT_LIMITS.description.max, 1), { minLength: 150, maxLength: 200 }),
    weight: 1,
  },
);

function storedRecipient(input: RecipientInput, index: number): Record<string, unknown> {
  const batchId = newId('batch');
  const recipient: Recipient = {
    id: newId('recipient'),
    batchId,
    workspaceId: newId('workspace'),
    index,
    phone: input.phone,
    dynamicVars: input.dynamicVars,
    status: 'completed',
    outcome: 'voicemail',
    attempts: 10,
    conversationId: `conv_${'x'.repeat(200)}`,
    startedAt: T,
    endedAt: T,
    durationSecs: 123456.789,
    error: boundedText(WORST_CHAR.repeat(100_000)),
    skipReason: null,
    nextAttemptAt: T,
    // The most zones a number maps to, and the most attempts a retry policy allows, each at its worst.
    timezones: Array.from({ length: 8 }, () => 'America/Argentina/ComodRivadavia'),
    attemptHistory: Array.from({ length: RETRY_LIMITS.maxAttempts.max }, (_, i) => ({
      attempt: i + 1,
      dialedAt: T,
      startedAt: T,
      endedAt: T,
      outcome: 'voicemail' as const,
      durationSecs: 123456.789,
      conversationId: `conv_${'x'.repeat(200)}`,
      error: boundedText(WORST_CHAR.repeat(100_000)),
    })),
  };
  return {
    ...recipientToItem(recipient),
    dispatchedAt: T,
    dialingSince: T,
    provider: 'elevenlabs',
    providerCallId: 'c'.repeat(200),
    handedOver: true,
    transcriptKey: `transcripts/${'k'.repeat(300)}`,
  };
}

/** A variable name of the longest length, in the widest characters. */
const varName = (i: number) => `${i}`.padEnd(LIMITS.dynamicVarKeyMaxLength, WORST_CHAR);

/** As many variables as a recipient may have, each at its longest. */
function largestVars(): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: LIMITS.dynamicVarsPerRecipient }, (_, i) => [
      varName(i),
      WORST_CHAR.repeat(LIMITS.dynamicVarValueMaxLength),
    ]),
  );
}

function expectStorable(item: Record<string, unknown>, what: string): void {
  const size = assertStorable(item, what);
  expect(size).toBeLessThanOrEqual(MAX);
  expect(itemSizeBytes(item)).toBe(size);
}

describe('item sizes (DynamoDB rules)', () => {
  it('counts attribute names, UTF-8 bytes, numbers and nesting as DynamoDB documents', () => {
    expect(itemSizeBytes({ ab: 'xyz' })).toBe(5);
    expect(itemSizeBytes({ a: WORST_CHAR })).toBe(4);
    expect(itemSizeBytes({ n: 12345 })).toBe(1 + 4); // ceil(5/2) + 1
    expect(itemSizeBytes({ b: true, z: null })).toBe(4);
    expect(itemSizeBytes({ m: { k: 'v' } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(itemSizeBytes({ l: ['a', 'b'] })).toBe(1 + 3 + 2 + 2);
  });

  it('refuses an item over 400 KB and a number DynamoDB cannot store, without quoting the value', () => {
    expect(() => assertStorable({ big: 'x'.repeat(MAX) }, 'The item')).toThrow(/more than the 409,600 bytes/);
    expect(() => assertStorable({ big: 'x'.repeat(MAX - 10) }, 'The item')).not.toThrow();
    for (const n of [Number('12345678901234567'), 1e200, 1e-200, -1e-131]) {
      let message = '';
      try {
        assertStorable({ n }, 'The item');
      } catch (error) {
        message = JSON.stringify(error) + String(error);
      }
      expect(message, String(n)).toMatch(/cannot be stored|outside the range/);
      expect(message).not.toContain('12345678901234567');
    }
  });
});

describe('no accepted input makes a stored item exceed DynamoDB limits (property)', () => {
  it('recipients from JSON: any accepted recipient fits, with every run attribute at its largest', () => {
    const recipient = fc.record({
      phone: fc.constantFrom('+14155551234', '+442071838750'),
      dynamic_vars: fc.oneof(
        // Around the limit, and far beyond it (450 variables of 1 KB is ~1.4 MB of item).
        fc.dictionary(varKey, varValue, {
          minKeys: LIMITS.dynamicVarsPerRecipient - 5,
          maxKeys: LIMITS.dynamicVarsPerRecipient + 2,
        }),
        fc.dictionary(varKey, text(LIMITS.dynamicVarValueMaxLength), { minKeys: 140, maxKeys: 200 }),
        fc.dictionary(varKey, varValue, { maxKeys: 10 }),
      ),
    });
    let accepted = 0;
    fc.assert(
      fc.property(recipient, fc.nat({ max: LIMITS.maxRecipients - 1 }), (raw, index) => {
        const check = validateRecipient(raw, 'recipients[0]');
        if (!check.ok) return;
        accepted++;
        expectStorable(storedRecipient(check.value, index), 'recipient');
      }),
      { numRuns: 150 },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it('the largest recipient the limits allow fits (and one variable more is refused)', () => {
    const vars = largestVars();
    const check = validateRecipient({ phone: '+14155551234', dynamic_vars: vars }, 'r');
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    const item = storedRecipient(check.value, 999);
    expectStorable(item, 'recipient');
    // The bound is not vacuous: the largest recipient is a large share of the item limit.
    expect(itemSizeBytes(item)).toBeGreaterThan(MAX / 3);

    const tooMany = { ...vars, [varName(LIMITS.dynamicVarsPerRecipient)]: 'x' };
    const refused = validateRecipient({ phone: '+14155551234', dynamic_vars: tooMany }, 'r');
    expect(refused.ok).toBe(false);
  });

  it('a full delivery log carrying the payload snapshot of the largest recipient fits', () => {
    const check = validateRecipient({ phone: '+14155551234', dynamic_vars: largestVars() }, 'r');
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    const recipient = itemToRecipientRun(storedRecipient(check.value, 999));
    const batch = batchFixture(recipient.workspaceId, { id: recipient.batchId });
    for (const eventType of ['conversation.completed', 'call.failed', 'call.retry_scheduled'] as const) {
      const record: OutboxRecord = {
        webhookId: `${eventType}:${recipient.id}:10`,
        workspaceId: batch.workspaceId,
        batchId: batch.id,
        agentId: batch.agentId,
        eventType,
        recipientIndex: recipient.index,
        occurredAt: T,
        status: 'retrying',
        attempts: Array.from({ length: MAX_LOGGED_ATTEMPTS }, () => ({
          at: T,
          statusCode: 503,
          error: boundedText(WORST_CHAR.repeat(50_000)),
          durationMs: 15_000,
          manual: true,
        })),
        nextAttemptAt: T,
        createdAt: T,
        snapshot: payloadSnapshot(eventType, { batch, recipient, occurrence: 10 }),
      };
      const item = { ...outboxToItem(record), sendingUntil: T };
      expectStorable(item, 'delivery log with snapshot');
      // Not vacuous: the snapshot and the log together are most of the item limit.
      expect(itemSizeBytes(item)).toBeGreaterThan(MAX / 2);
    }
  });

  it('recipients from CSV: any accepted row fits', () => {
    const csv = fc.integer({ min: 1, max: LIMITS.csvMaxColumns + 3 }).chain((columns) =>
      fc.tuple(
        fc.uniqueArray(
          varKey.map((k) => k.trim()).filter((k) => k !== '' && k !== 'phone'),
          {
            minLength: columns - 1,
            maxLength: columns - 1,
          },
        ),
        fc.array(text(LIMITS.dynamicVarValueMaxLength), { minLength: columns - 1, maxLength: columns - 1 }),
      ),
    );
    let accepted = 0;
    fc.assert(
      fc.property(csv, ([names, cells]) => {
        const header = ['phone', ...names];
        if (validateCsvHeader(header).length > 0) return;
        const check = csvRowToRecipient(header, ['+14155551234', ...cells], 2);
        if (!check.ok) return;
        accepted++;
        expectStorable(storedRecipient(check.value, 0), 'recipient');
      }),
      { numRuns: 60 },
    );
    expect(accepted).toBeGreaterThan(10);
  });

  it('numbers: a variable number is accepted only when DynamoDB can store it exactly', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger()), (n) => {
        if (checkVarValue(n) !== null) return;
        const marshalled = marshallItem({ n });
        const stored = marshalled.n?.N;
        expect(stored).toBeDefined();
        expect(isStorableNumber(stored ?? '')).toBe(true);
        // Read back, it is the same number.
        expect(Number(stored)).toBe(n === 0 ? 0 : n);
      }),
      { numRuns: 2_000 },
    );
    expect(checkVarValue(Number('12345678901234567'))).not.toBeNull();
    expect(checkVarValue(1e200)).not.toBeNull();
    expect(checkVarValue(1e-200)).not.toBeNull();
    expect(checkVarValue(Number.MAX_SAFE_INTEGER)).toBeNull();
    expect(checkVarValue(1e-130)).toBeNull();
  });

  const agentInput = fc.record(
    {
      name: text(AGENT_LIMITS.name.max, 1).filter((s) => s.trim() !== ''),
      prompt: text(AGENT_LIMITS.prompt.max, 1),
      first_message: text(AGENT_LIMITS.firstMessage.max),
      telephony: fc.oneof(
        { arbitrary: fc.constant({ vapi_assistant_id: 'x'.repeat(600_000) }), weight: 1 },
        {
          weight: 5,
          arbitrary: fc.record(
            {
              twiml_url: fc.constant(`https://example.com/${'t'.repeat(AGENT_LIMITS.telephonyUrl.max - 20)}`),
              elevenlabs_agent_id: text(AGENT_LIMITS.telephonyId.max, 1),
              vapi_assistant_id: text(AGENT_LIMITS.telephonyId.max, 1),
              retell_agent_id: text(AGENT_LIMITS.telephonyId.max, 1),
            },
            { requiredKeys: [] },
          ),
        },
      ),
      webhook_url: fc.constant(`https://example.com/${'w'.repeat(2_000)}`),
      webhook_events: fc.constant([
        'conversation.completed',
        'call.failed',
        'batch.completed',
        'batch.failed',
      ]),
      evaluation_criteria: descriptions.map((ds) =>
        ds.map((description, i) => ({ id: `${i}`.padEnd(100, 'c'), description })),
      ),
      data_collection: descriptions.map((ds) =>
        ds.map((description, i) => ({ id: `${i}`.padEnd(100, 'd'), type: 'string', description })),
      ),
      max_concurrent_calls: fc.integer({ min: 1, max: 100 }),
    },
    { requiredKeys: ['name', 'prompt'] },
  );

  function storedAgent(input: ReturnType<typeof createAgentSchema.parse>): Record<string, unknown> {
    const agent: Agent = {
      id: newId('agent'),
      workspaceId: newId('workspace'),
      name: input.name,
      prompt: input.prompt,
      firstMessage: input.first_message,
      phoneNumberId: newId('phoneNumber'),
      telephony: input.telephony,
      webhookUrl: input.webhook_url,
      webhookEvents: input.webhook_events,
      // As many as rotation keeps.
      webhookSecrets: Array.from({ length: MAX_WEBHOOK_SECRETS }, () => ({
        secret: `whsec_${'s'.repeat(44)}`,
        expiresAt: T,
      })),
      evaluationCriteria: input.evaluation_criteria,
      dataCollection: input.data_collection,
      optOutDataCollectionId: input.opt_out_data_collection_id,
      maxConcurrentCalls: input.max_concurrent_calls,
      createdAt: T,
      updatedAt: T,
    };
    return agentToItem(agent);
  }

  it('agents (POST, and PATCH onto any agent): any accepted definition fits', () => {
    let accepted = 0;
    fc.assert(
      fc.property(agentInput, agentInput, (created, patch) => {
        const base = createAgentSchema.safeParse(created);
        if (!base.success) return;
        accepted++;
        expectStorable(storedAgent(base.data), 'agent');
        const update = updateAgentSchema.safeParse(patch);
        if (!update.success) return;
        // PATCH replaces the fields it gives: the merge is again a definition of accepted fields.
        const merged = createAgentSchema.safeParse({ ...created, ...patch });
        if (merged.success) expectStorable(storedAgent(merged.data), 'agent');
      }),
      { numRuns: 40 },
    );
    expect(accepted).toBeGreaterThan(5);
  });

  it('the largest agent the limits allow fits', () => {
    const list = (type?: string) =>
      Array.from({ length: AGENT_LIMITS.listItems.max }, (_, i) => ({
        id: `${i}`.padEnd(AGENT_LIMITS.itemId.max, 'x'),
        ...(type ? { type } : {}),
        description: WORST_CHAR.repeat(AGENT_LIMITS.description.max),
      }));
    const input = createAgentSchema.parse({
      name: WORST_CHAR.repeat(AGENT_LIMITS.name.max),
      prompt: WORST_CHAR.repeat(AGENT_LIMITS.prompt.max),
      first_message: WORST_CHAR.repeat(AGENT_LIMITS.firstMessage.max),
      telephony: {
        twiml_url: `https://example.com/${'t'.repeat(AGENT_LIMITS.telephonyUrl.max - 20)}`,
        elevenlabs_agent_id: WORST_CHAR.repeat(AGENT_LIMITS.telephonyId.max),
        vapi_assistant_id: WORST_CHAR.repeat(AGENT_LIMITS.telephonyId.max),
        retell_agent_id: WORST_CHAR.repeat(AGENT_LIMITS.telephonyId.max),
      },
      webhook_url: `https://example.com/${'w'.repeat(2_000)}`,
      evaluation_criteria: list(),
      data_collection: list('string'),
    });
    const item = storedAgent(input);
    expectStorable(item, 'agent');
    expect(itemSizeBytes(item)).toBeGreaterThan(MAX / 2);
    // One item more, or a 600 KB telephony id, is refused by the contract.
    expect(
      createAgentSchema.safeParse({ name: 'a', prompt: 'b', evaluation_criteria: list().concat(list()) })
        .success,
    ).toBe(false);
    expect(
      createAgentSchema.safeParse({
        name: 'a',
        prompt: 'b',
        telephony: { vapi_assistant_id: 'x'.repeat(600_000) },
      }).success,
    ).toBe(false);
  });

  it('batches, creation markers, phone numbers and delivery logs at their largest fit', () => {
    const batch: Batch = {
      id: newId('batch'),
      workspaceId: newId('workspace'),
      name: WORST_CHAR.repeat(LIMITS.batchName.max),
      agentId: newId('agent'),
      phoneNumberId: newId('phoneNumber'),
      status: 'failed',
      scheduledAt: T,
      ringingTimeoutMs: 80_000,
      maxConcurrentCalls: 100,
      source: 'csv',
      totalRecipients: 1_000,
      counts: initialCounts(1_000),
      failureReason: boundedText(WORST_CHAR.repeat(10_000)),
      createdAt: T,
      startedAt: T,
      completedAt: T,
      cancelledAt: T,
      ...BATCH_CONTROLS_UNSET,
      contactLimit: { maxAttempts: 100, windowHours: 720 },
    };
    expectStorable({ ...batchToItem(batch), ...gsi.activeBatch(T, batch.id) }, 'batch');
    expectStorable(creationMarkerItem(batch.workspaceId, batch.id, T), 'marker');

    const phoneInput = createPhoneNumberSchema.parse({
      phone_number: '+14155551234',
      label: WORST_CHAR.repeat(200),
      provider: 'elevenlabs',
      credentials: {
        api_key: 'k'.repeat(4_096),
        agent_phone_number_id: 'p'.repeat(4_096),
        webhook_secret: 's'.repeat(4_096),
      },
    });
    const phone: PhoneNumber = {
      id: newId('phoneNumber'),
      workspaceId: batch.workspaceId,
      phoneNumber: phoneInput.phone_number,
      label: phoneInput.label,
      provider: phoneInput.provider,
      credentialsMasked: Object.fromEntries(
        Object.entries(phoneInput.credentials ?? {}).map(([k, v]) => [k, maskSecret(v)]),
      ),
      outbound: true,
      callsPerSecond: 0.1,
      createdAt: T,
    };
    expectStorable(phoneNumberToItem(phone), 'phone number');
    const suppression: Suppression = {
      id: newId('suppression'),
      workspaceId: batch.workspaceId,
      phone: '+14155550123',
      reason: '\u{10FFFF}'.repeat(LIMITS.suppression.reasonMaxLength / 2),
      source: 'call',
      conversationId: newId('conversation'),
      batchId: newId('batch'),
      recipientId: newId('recipient'),
      createdAt: T,
      expiresAt: T,
    };
    expectStorable(suppressionToItem(suppression), 'suppression');
    expectStorable(suppressionListingToItem(suppression), 'suppression listing');

    const record: OutboxRecord = {
      webhookId: `conversation.completed:${newId('recipient')}`,
      workspaceId: batch.workspaceId,
      batchId: batch.id,
      agentId: batch.agentId,
      eventType: 'conversation.completed',
      recipientIndex: 999,
      occurredAt: T,
      status: 'failed',
      attempts: Array.from({ length: MAX_LOGGED_ATTEMPTS }, () => ({
        at: T,
        statusCode: 503,
        error: boundedText(WORST_CHAR.repeat(50_000)),
        durationMs: 15_000,
        manual: true,
      })),
      nextAttemptAt: T,
      createdAt: T,
    };
    expectStorable(
      {
        ...record,
        ...runKeys.outbox(record.batchId, record.webhookId),
        entity: 'webhook',
        ...gsi.dueWebhook(T, record.batchId, record.webhookId),
        sendingUntil: T,
      },
      'delivery log',
    );
  });
});
