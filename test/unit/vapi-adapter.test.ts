import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refToString } from '#shared/domain/call-ref.ts';
import { ProviderUnreachableError } from '#shared/adapters/telephony/provider-http.ts';
import { vapiCallbackVerifier } from '#shared/adapters/telephony/vapi-callbacks.ts';
import { createVapiDialer } from '#shared/adapters/telephony/vapi-dialer.ts';
import { vapiOutcome, verifyVapiSecret } from '#shared/adapters/telephony/vapi-wire.ts';
import { freePort } from '#infra/local/emulators/dynamodb-local.ts';
import type { PlaceCallInput, ProviderCallbackRequest } from '#shared/ports/dialer.ts';
import { serverMessageSchema } from '../helpers/fake-vapi-schema.ts';
import { startFakeVapi, type FakeVapi } from '../helpers/fake-vapi.ts';

const SECRET = 'vapi_server_secret';
const ref = { workspaceId: 'ws_1', batchId: 'batch_1', recipientIndex: 2, attempt: 1 };

function request(
  body: unknown,
  secret: string | null = SECRET,
  header: 'X-Vapi-Secret' | 'Authorization' = 'X-Vapi-Secret',
): ProviderCallbackRequest {
  const value = header === 'Authorization' ? `Bearer ${secret}` : secret;
  return {
    url: 'https://calls.example.com/v1/telephony/vapi/events',
    headers: secret === null ? {} : { [header]: value ?? undefined },
    rawBody: Buffer.from(JSON.stringify(body)),
  };
}

const report = {
  message: {
    type: 'end-of-call-report',
    timestamp: 1760000000000,
    endedReason: 'customer-ended-call',
    startedAt: '2026-03-01T12:00:00.000Z',
    endedAt: '2026-03-01T12:00:42.400Z',
    cost: 0.12,
    // ServerMessageEndOfCallReport.call is a Call: our ref is in the assistantOverrides we sent.
    call: {
      id: 'call-uuid-1',
      orgId: 'org-1',
      createdAt: '2026-03-01T11:59:58.000Z',
      updatedAt: '2026-03-01T12:00:43.000Z',
      status: 'ended',
      assistantOverrides: {
        variableValues: { first_name: 'Alice' },
        metadata: { batch_calls_ref: refToString(ref), recipient_id: 'rcp_1' },
      },
    },
    artifact: {
      messages: [
        { role: 'system', message: 'prompt', secondsFromStart: 0 },
        { role: 'bot', message: 'Hi Alice', secondsFromStart: 0.5 },
        { role: 'user', message: 'Hello', secondsFromStart: 2 },
        { role: 'tool_calls', secondsFromStart: 3 },
      ],
      recordingUrl: 'https://storage.vapi.ai/rec.wav',
    },
    analysis: {
      summary: 'Confirmed.',
      structuredData: { callback_time: '10am', slots: [1] },
      successEvaluation: 'true',
    },
  },
};

describe('Vapi endedReason mapping (DESIGN.md §5)', () => {
  it.each([
    ['customer-ended-call', false, 'answered'],
    ['assistant-ended-call', false, 'answered'],
    ['assistant-said-end-call-phrase', false, 'answered'],
    ['exceeded-max-duration', false, 'answered'],
    ['voicemail', true, 'voicemail'],
    ['customer-did-not-answer', false, 'no_answer'],
    ['customer-busy', false, 'busy'],
    ['twilio-failed-to-connect-call', false, 'failed'],
    ['vonage-failed-to-connect', false, 'failed'],
    ['call.start.error-get-phone-number', false, 'failed'],
    ['pipeline-error-openai-llm-failed', true, 'answered'],
    ['pipeline-error-openai-llm-failed', false, 'failed'],
    ['manually-canceled', false, 'canceled'],
    [null, false, 'failed'],
  ] as const)('%s (connected: %s) → %s', (reason, connected, outcome) => {
    expect(vapiOutcome(reason, connected)).toBe(outcome);
  });
});

describe('Vapi server messages', () => {
  const v = vapiCallbackVerifier;

  it("authenticates by x-vapi-secret, in constant time, with the number's webhook_secret", () => {
    expect(v.secretCredential).toBe('webhook_secret');
    expect(v.verify(request(report), SECRET, new Date())).toBe(true);
    expect(v.verify(request(report, 'vapi_server_secreT'), SECRET, new Date())).toBe(false);
    expect(v.verify(request(report, 'short'), SECRET, new Date())).toBe(false);
    expect(v.verify(request(report, null), SECRET, new Date())).toBe(false);
    expect(verifyVapiSecret(SECRET, '')).toBe(false);
    expect(v.locate?.(request(report))).toEqual(ref);
  });

  it("accepts Vapi's Bearer Token server credential (Authorization: Bearer <token>)", () => {
    expect(v.verify(request(report, SECRET, 'Authorization'), SECRET, new Date())).toBe(true);
    expect(v.verify(request(report, 'guess', 'Authorization'), SECRET, new Date())).toBe(false);
    // The token without its scheme, or another scheme, is not Vapi's Bearer header.
    const bare = { ...request(report), headers: { authorization: SECRET } };
    expect(v.verify(bare, SECRET, new Date())).toBe(false);
    const basic = { ...request(report), headers: { authorization: `Basic ${SECRET}` } };
    expect(v.verify(basic, SECRET, new Date())).toBe(false);
    // One wrong header is enough to refuse, even when the other one is right.
    const mixed = {
      ...request(report),
      headers: { 'x-vapi-secret': SECRET, authorization: 'Bearer guess' },
    };
    expect(v.verify(mixed, SECRET, new Date())).toBe(false);
  });

  it('finds the call by its Vapi id when the message carries no ref of ours', () => {
    const bare = structuredClone(report) as any;
    delete bare.message.call.assistantOverrides;
    expect(v.locate?.(request(bare))).toBeNull();
    expect(v.callId?.(request(bare))).toBe('call-uuid-1');
    const [event] = v.parse(request(bare));
    // No ref: the call index (written when the call was placed) finds the recipient.
    expect(event).toMatchObject({ providerCallId: 'call-uuid-1', ref: null, outcome: 'answered' });
  });

  it('maps end-of-call-report into a completed conversation', () => {
    expect(v.parse(request(report))).toEqual([
      {
        providerCallId: 'call-uuid-1',
        ref,
        outcome: 'answered',
        startedAt: '2026-03-01T12:00:00.000Z',
        endedAt: '2026-03-01T12:00:42.400Z',
        durationSecs: 42,
        error: null,
        conversation: {
          transcript: [
            { role: 'agent', message: 'Hi Alice', time_in_call_secs: 0.5 },
            { role: 'user', message: 'Hello', time_in_call_secs: 2 },
          ],
          evaluations: [{ id: 'success_evaluation', result: 'success', rationale: 'Confirmed.' }],
          dataCollection: {
            callback_time: { value: '10am', rationale: '' },
            slots: { value: '[1]', rationale: '' },
          },
          recordingUrl: 'https://storage.vapi.ai/rec.wav',
        },
      },
    ]);
  });

  it('fails a call that never connected, with the reason', () => {
    const busy = structuredClone(report) as any;
    busy.message.endedReason = 'customer-busy';
    busy.message.artifact.messages = [];
    busy.message.startedAt = undefined;
    busy.message.analysis = {}; // Vapi sends no evaluation for a call nobody answered.
    const [event] = v.parse(request(busy));
    expect(event).toMatchObject({ outcome: 'busy', startedAt: null, durationSecs: 0, conversation: null });
    expect(event?.error).toBe('Vapi ended the call: customer-busy');
  });

  it('ignores progress messages and refuses malformed ones', () => {
    expect(v.parse(request({ message: { type: 'status-update', status: 'in-progress', call: {} } }))).toEqual(
      [],
    );
    expect(() => v.parse({ ...request({}), rawBody: Buffer.from('x') })).toThrow(/not JSON/);
    expect(() => v.parse(request({ message: { type: 'end-of-call-report' } }))).toThrow(/message\.call/);
  });
});

describe('Vapi dialer over HTTP', () => {
  let fake: FakeVapi;
  const credentials = { api_key: 'vapi_private', phone_number_id: 'pn-vapi-1' };

  beforeAll(async () => {
    fake = await startFakeVapi({
      apiKey: 'vapi_private',
      serverAuth: { kind: 'x-vapi-secret', token: SECRET },
      phoneNumbers: { 'pn-vapi-1': { number: '+14155550100' } },
      assistants: { 'asst-1': { firstMessage: 'Hi {{first_name}}' } },
      callMs: 150,
    });
  });
  afterAll(() => fake?.close());

  const input = (to: string, extra: Partial<PlaceCallInput> = {}): PlaceCallInput => ({
    ref,
    recipientId: 'rcp_1',
    idempotencyKey: 'rcp_1:1',
    to,
    from: '+14155550100',
    phoneNumberId: 'pn_1',
    credentials,
    agent: {
      id: 'agent_1',
      prompt: 'p',
      firstMessage: null,
      evaluationCriteria: [],
      dataCollection: [],
      telephony: { vapi_assistant_id: 'asst-1' },
    },
    dynamicVars: { first_name: 'Alice' },
    ringingTimeoutMs: 30_000,
    callbackUrl: 'http://127.0.0.1/v1/telephony/vapi/events',
    ...extra,
  });

  it('places a call Vapi accepts (a CreateCallDto, our ref in assistantOverrides.metadata) and reconciles it', async () => {
    const dialer = createVapiDialer({ baseUrl: fake.url });
    const placed = await dialer.placeCall(input('+14155551234'));
    if (placed.kind !== 'placed') throw new Error(JSON.stringify(placed));
    expect(fake.calls().find((call) => call.id === placed.providerCallId)).toMatchObject({
      to: '+14155551234',
      variableValues: { first_name: 'Alice' },
      assistantOverrides: { metadata: { batch_calls_ref: refToString(ref), recipient_id: 'rcp_1' } },
    });
    expect(await dialer.getCall?.(placed.providerCallId, credentials)).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    const ended = await dialer.getCall?.(placed.providerCallId, credentials);
    expect(ended).toMatchObject({ outcome: 'answered', ref });
    expect(ended?.conversation?.transcript[0]).toMatchObject({ role: 'agent', message: 'Hi Alice' });
    expect(ended?.conversation?.dataCollection.callback_time?.value).toBe('Friday 9am');
  });

  it('the local Vapi refuses what Vapi refuses: unknown properties, wrong types (400, class-validator messages)', async () => {
    const post = async (body: unknown) => {
      const res = await fetch(`${fake.url}/call`, {
        method: 'POST',
        headers: { authorization: 'Bearer vapi_private', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const good = {
      assistantId: 'asst-1',
      phoneNumberId: 'pn-vapi-1',
      customer: { number: '+14155551299' },
      assistantOverrides: { variableValues: { first_name: 'A' }, metadata: { k: 'v' } },
    };
    expect((await post(good)).status).toBe(201);
    expect(await post({ ...good, metadata: { k: 'v' } })).toEqual({
      status: 400,
      body: { message: ['property metadata should not exist'], error: 'Bad Request', statusCode: 400 },
    });
    const nested = await post({ ...good, customer: { number: '+14155551299', phone: 'x' } });
    expect(nested.body).toMatchObject({ message: ['customer.property phone should not exist'] });
    const typed = await post({ ...good, assistantOverrides: { variableValues: 'first_name=A' } });
    expect(typed).toMatchObject({
      status: 400,
      body: { message: [expect.stringMatching(/^assistantOverrides\.variableValues /)] },
    });
    const notE164 = await post({ ...good, customer: { number: '4155551299' } });
    expect(notE164.body).toMatchObject({
      message: ['customer.number must be a valid phone number in the E.164 format.'],
    });
  });

  it("the local Vapi's server messages must be documented ones (checked before they are sent)", () => {
    const report = { type: 'end-of-call-report', endedReason: 'customer-busy', artifact: {}, analysis: {} };
    const call = { id: 'c', orgId: 'o', createdAt: 't', updatedAt: 't' };
    expect(serverMessageSchema.safeParse({ message: { ...report, call } }).success).toBe(true);
    // ServerMessageEndOfCallReport has no durationSeconds; a Call has no metadata; analysis is required.
    expect(serverMessageSchema.safeParse({ message: { ...report, durationSeconds: 3 } }).success).toBe(false);
    expect(
      serverMessageSchema.safeParse({ message: { ...report, call: { ...call, metadata: {} } } }).success,
    ).toBe(false);
    expect(serverMessageSchema.safeParse({ message: { ...report, analysis: undefined } }).success).toBe(
      false,
    );
  });

  it('maps every failure to the right result', async () => {
    const dialer = createVapiDialer({ baseUrl: fake.url, timeoutMs: 500 });
    const badKey = await dialer.placeCall(
      input('+14155551240', { credentials: { ...credentials, api_key: 'x' } }),
    );
    expect(badKey.kind === 'rejected' && badKey.error).toMatch(
      /Vapi refused the phone number's credentials \(HTTP 401: Invalid Key/,
    );

    const refused = await dialer.placeCall(input('+14155559999'));
    expect(refused.kind === 'rejected' && refused.error).toMatch(/HTTP 400.*do-not-call/);
    expect(refused.kind === 'rejected' && refused.error).not.toContain('4155559999');

    const noAssistant = await dialer.placeCall(
      input('+1415555124', { agent: { ...input('').agent, telephony: {} } }),
    );
    expect(noAssistant.kind === 'rejected' && noAssistant.error).toContain('telephony.vapi_assistant_id');
    const noPhone = await dialer.placeCall(
      input('+14155551241', { credentials: { api_key: 'vapi_private' } }),
    );
    expect(noPhone.kind === 'rejected' && noPhone.error).toContain('phone_number_id');

    fake.faults.rateLimitNext = 1;
    expect(await dialer.placeCall(input('+14155551243'))).toEqual({
      kind: 'rate_limited',
      retryAfterSeconds: 1,
    });
    fake.faults.serverErrorNext = 1;
    const fiveHundred = await dialer.placeCall(input('+14155551244'));
    expect(fiveHundred.kind === 'unknown' && fiveHundred.error).toContain('HTTP 500');
    fake.faults.hangNext = 1;
    const hung = await dialer.placeCall(input('+14155551245'));
    expect(hung.kind === 'unknown' && hung.error).toContain('did not answer within 500 ms');

    const closed = createVapiDialer({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(closed.placeCall(input('+14155551246'))).rejects.toBeInstanceOf(ProviderUnreachableError);
  });
});
