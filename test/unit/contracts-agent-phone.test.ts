import { describe, expect, it } from 'vitest';
import {
  agentObjectSchema,
  createAgentSchema,
  toAgentObject,
  updateAgentSchema,
} from '#shared/contracts/agent.ts';
import { parseOrThrow } from '#shared/contracts/common.ts';
import {
  createPhoneNumberSchema,
  phoneNumberObjectSchema,
  toPhoneNumberObject,
} from '#shared/contracts/phone-number.ts';
import type { Agent } from '#shared/domain/agent.ts';
import { ValidationError, type FieldIssue } from '#shared/domain/errors.ts';
import type { PhoneNumber } from '#shared/domain/phone-number.ts';

function fieldsOf(fn: () => unknown): FieldIssue[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.fields;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('createAgentSchema', () => {
  it('fills every default', () => {
    expect(parseOrThrow(createAgentSchema, { name: 'Sales', prompt: 'You sell.' })).toEqual({
      name: 'Sales',
      prompt: 'You sell.',
      first_message: null,
      phone_number_id: null,
      telephony: {},
      webhook_url: null,
      webhook_events: ['conversation.completed'],
      evaluation_criteria: [],
      data_collection: [],
      opt_out_data_collection_id: null,
      max_concurrent_calls: 10,
    });
  });

  it('takes every field', () => {
    const body = {
      name: 'Sales',
      prompt: 'Hi {{first_name}}',
      first_message: 'Hello {{ first_name }}',
      phone_number_id: 'pn_1',
      telephony: { twiml_url: 'https://rt.example.com/twiml', vapi_assistant_id: 'asst_1' },
      webhook_url: 'https://hooks.example.com/calls',
      webhook_events: ['call.failed', 'batch.completed'],
      evaluation_criteria: [{ id: 'booked', description: 'Booked a meeting' }],
      data_collection: [
        { id: 'budget', type: 'number', description: 'Budget in EUR' },
        { id: 'opt_out', type: 'boolean', description: 'Asked not to be called again' },
      ],
      opt_out_data_collection_id: 'opt_out',
      max_concurrent_calls: 100,
    };
    expect(parseOrThrow(createAgentSchema, body)).toEqual(body);
  });

  it('lists every problem, naming each field', () => {
    const fields = fieldsOf(() =>
      parseOrThrow(createAgentSchema, {
        name: '',
        prompt: 'p'.repeat(20_001),
        telephony: { twiml_url: 'x', sip_uri: 'y' },
        webhook_url: 'ftp://example.com/x',
        webhook_events: ['conversation.completed', 'call.answered', 'conversation.completed'],
        evaluation_criteria: [
          { id: 'a', description: 'A' },
          { id: 'a', description: 'again' },
        ],
        data_collection: [{ id: 'x', type: 'date', description: 'D' }],
        max_concurrent_calls: 0,
        webhook: 'typo',
      }),
    );
    expect(fields).toEqual([
      { path: 'name', message: 'must not be empty' },
      { path: 'prompt', message: 'must be at most 20,000 characters long' },
      { path: 'telephony.twiml_url', message: 'must be an absolute http(s) URL' },
      { path: 'telephony.sip_uri', message: 'is not a known field' },
      { path: 'webhook_url', message: 'must be an https:// URL' },
      {
        path: 'webhook_events[1]',
        message: expect.stringMatching(/^must be one of: conversation\.completed, call\.failed/),
      },
      { path: 'evaluation_criteria[1].id', message: 'repeats the id of item 0' },
      { path: 'data_collection[0].type', message: 'must be one of: string, number, boolean' },
      { path: 'max_concurrent_calls', message: 'must be at least 1' },
      { path: 'webhook', message: 'is not a known field' },
    ]);
  });

  it('refuses repeated and empty webhook event lists', () => {
    expect(
      fieldsOf(() =>
        parseOrThrow(createAgentSchema, {
          name: 'n',
          prompt: 'p',
          webhook_events: ['call.failed', 'call.failed'],
        }),
      ),
    ).toEqual([{ path: 'webhook_events[1]', message: 'repeats call.failed' }]);
    expect(
      fieldsOf(() => parseOrThrow(createAgentSchema, { name: 'n', prompt: 'p', webhook_events: [] })),
    ).toEqual([{ path: 'webhook_events', message: 'must name at least one event' }]);
  });

  it('refuses repeated data collection ids', () => {
    expect(
      fieldsOf(() =>
        parseOrThrow(createAgentSchema, {
          name: 'n',
          prompt: 'p',
          data_collection: [
            { id: 'x', type: 'string', description: 'X' },
            { id: 'y', type: 'string', description: 'Y' },
            { id: 'x', type: 'boolean', description: 'X again' },
          ],
        }),
      ),
    ).toEqual([{ path: 'data_collection[2].id', message: 'repeats the id of item 0' }]);
  });

  it('checks only the syntax of the webhook URL (addresses are checked by the use case)', () => {
    expect(
      parseOrThrow(createAgentSchema, { name: 'n', prompt: 'p', webhook_url: 'http://127.0.0.1:9000/hook' })
        .webhook_url,
    ).toBe('http://127.0.0.1:9000/hook');
    expect(
      fieldsOf(() =>
        parseOrThrow(createAgentSchema, {
          name: 'n',
          prompt: 'p',
          webhook_url: 'https://user:pw@example.com/',
        }),
      ),
    ).toEqual([{ path: 'webhook_url', message: 'must not contain a user name or password' }]);
    expect(
      fieldsOf(() => parseOrThrow(createAgentSchema, { name: 'n', prompt: 'p', webhook_url: '/relative' })),
    ).toEqual([{ path: 'webhook_url', message: expect.stringMatching(/absolute URL/) }]);
  });
});

describe('updateAgentSchema', () => {
  it('accepts any subset, with no defaults filled in', () => {
    expect(parseOrThrow(updateAgentSchema, {})).toEqual({});
    expect(parseOrThrow(updateAgentSchema, { max_concurrent_calls: 3 })).toEqual({ max_concurrent_calls: 3 });
  });

  it('lets first_message, phone_number_id and webhook_url be cleared with null', () => {
    expect(
      parseOrThrow(updateAgentSchema, { first_message: null, phone_number_id: null, webhook_url: null }),
    ).toEqual({
      first_message: null,
      phone_number_id: null,
      webhook_url: null,
    });
  });

  it('refuses null where clearing makes no sense, and unknown fields', () => {
    expect(
      fieldsOf(() => parseOrThrow(updateAgentSchema, { name: null, prompt: null, id: 'agent_2' })),
    ).toEqual([
      { path: 'name', message: 'must be a string' },
      { path: 'prompt', message: 'must be a string' },
      { path: 'id', message: 'is not a known field' },
    ]);
  });
});

describe('toAgentObject', () => {
  const agent: Agent = {
    id: 'agent_1',
    workspaceId: 'ws_1',
    name: 'Sales',
    prompt: 'p',
    firstMessage: null,
    phoneNumberId: 'pn_1',
    telephony: {},
    webhookUrl: 'https://hooks.example.com/',
    webhookEvents: ['conversation.completed'],
    webhookSecrets: [
      { secret: 'whsec_new', expiresAt: null },
      { secret: 'whsec_old', expiresAt: '2026-11-02T00:00:00.000Z' },
    ],
    evaluationCriteria: [],
    dataCollection: [],
    optOutDataCollectionId: null,
    maxConcurrentCalls: 10,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
  };

  it('never shows the secret unless asked to, and then only the current one', () => {
    const hidden = toAgentObject(agent);
    expect(hidden).not.toHaveProperty('webhook_secret');
    expect(JSON.stringify(hidden)).not.toContain('whsec_');
    expect(agentObjectSchema.parse(hidden)).toEqual(hidden);
    const shown = toAgentObject(agent, { revealSecret: true });
    expect(shown.webhook_secret).toBe('whsec_new');
    expect(agentObjectSchema.parse(shown)).toEqual(shown);
  });
});

describe('createPhoneNumberSchema', () => {
  it('stores the canonical number and fills defaults for the simulated provider', () => {
    expect(
      parseOrThrow(createPhoneNumberSchema, { phone_number: '+1 (415) 555-1234', provider: 'simulated' }),
    ).toEqual({
      phone_number: '+14155551234',
      label: null,
      provider: 'simulated',
      credentials: null,
      outbound: true,
      calls_per_second: 1,
    });
  });

  it.each([
    ['twilio', { account_sid: 'AC1', auth_token: 'tok' }],
    ['elevenlabs', { api_key: 'k', agent_phone_number_id: 'ph', webhook_secret: 's' }],
    ['vapi', { api_key: 'k', phone_number_id: 'ph' }],
    ['vapi', { api_key: 'k', phone_number_id: 'ph', webhook_secret: 's' }],
    ['retell', { api_key: 'k' }],
  ])('accepts %s with its credentials', (provider, credentials) => {
    const out = parseOrThrow(createPhoneNumberSchema, {
      phone_number: '+14155551234',
      provider,
      credentials,
      outbound: false,
      calls_per_second: 0.5,
    });
    expect(out).toMatchObject({ provider, credentials, outbound: false, calls_per_second: 0.5 });
  });

  it('names each missing credential of a non-simulated provider', () => {
    expect(
      fieldsOf(() =>
        parseOrThrow(createPhoneNumberSchema, { phone_number: '+14155551234', provider: 'twilio' }),
      ),
    ).toEqual([
      { path: 'credentials.account_sid', message: 'is required for the twilio provider' },
      { path: 'credentials.auth_token', message: 'is required for the twilio provider' },
    ]);
    expect(
      fieldsOf(() =>
        parseOrThrow(createPhoneNumberSchema, {
          phone_number: '+14155551234',
          provider: 'elevenlabs',
          credentials: { api_key: 'k' },
        }),
      ),
    ).toEqual([
      { path: 'credentials.agent_phone_number_id', message: 'is required for the elevenlabs provider' },
      { path: 'credentials.webhook_secret', message: 'is required for the elevenlabs provider' },
    ]);
  });

  it('refuses credentials a provider does not take, and any for simulated', () => {
    expect(
      fieldsOf(() =>
        parseOrThrow(createPhoneNumberSchema, {
          phone_number: '+14155551234',
          provider: 'retell',
          credentials: { api_key: 'k', auth_token: 't' },
        }),
      ),
    ).toEqual([{ path: 'credentials.auth_token', message: 'is not a credential of the retell provider' }]);
    expect(
      fieldsOf(() =>
        parseOrThrow(createPhoneNumberSchema, {
          phone_number: '+14155551234',
          provider: 'simulated',
          credentials: { api_key: 'k' },
        }),
      ),
    ).toEqual([{ path: 'credentials.api_key', message: 'the simulated provider takes no credentials' }]);
  });

  it('reports every problem at once, credentials included', () => {
    expect(
      fieldsOf(() =>
        parseOrThrow(createPhoneNumberSchema, {
          phone_number: '4155551234',
          label: 'l'.repeat(201),
          provider: 'twilio',
          credentials: { account_sid: '' },
          calls_per_second: 0.05,
          region: 'eu',
        }),
      ),
    ).toEqual([
      { path: 'phone_number', message: expect.stringMatching(/E\.164/) },
      { path: 'label', message: 'must be at most 200 characters long' },
      { path: 'credentials.account_sid', message: 'must not be empty' },
      { path: 'calls_per_second', message: 'must be at least 0.1' },
      { path: 'region', message: 'is not a known field' },
      { path: 'credentials.auth_token', message: 'is required for the twilio provider' },
    ]);
  });

  it('refuses an unknown provider and out-of-range rates', () => {
    expect(
      fieldsOf(() =>
        parseOrThrow(createPhoneNumberSchema, {
          phone_number: '+14155551234',
          provider: 'plivo',
          calls_per_second: 101,
        }),
      ),
    ).toEqual([
      { path: 'provider', message: 'must be one of: simulated, twilio, elevenlabs, vapi, retell' },
      { path: 'calls_per_second', message: 'must be at most 100' },
    ]);
  });
});

describe('toPhoneNumberObject', () => {
  it('shows masked credentials only, in the contract shape', () => {
    const pn: PhoneNumber = {
      id: 'pn_1',
      workspaceId: 'ws_1',
      phoneNumber: '+14155551234',
      label: null,
      provider: 'twilio',
      credentialsMasked: { account_sid: '••••C123', auth_token: '••••3f9a' },
      outbound: true,
      callsPerSecond: 1,
      createdAt: '2026-11-01T00:00:00.000Z',
    };
    const obj = toPhoneNumberObject(pn);
    expect(obj).toEqual({
      id: 'pn_1',
      phone_number: '+14155551234',
      label: null,
      provider: 'twilio',
      outbound: true,
      calls_per_second: 1,
      credentials: { account_sid: '••••C123', auth_token: '••••3f9a' },
      created_at: '2026-11-01T00:00:00.000Z',
    });
    expect(phoneNumberObjectSchema.parse(obj)).toEqual(obj);
  });
});
