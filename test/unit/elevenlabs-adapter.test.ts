import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elevenLabsCallbackVerifier } from '#shared/adapters/telephony/elevenlabs-callbacks.ts';
import { createElevenLabsDialer } from '#shared/adapters/telephony/elevenlabs-dialer.ts';
import { refToString } from '#shared/domain/call-ref.ts';
import { ProviderUnreachableError } from '#shared/adapters/telephony/provider-http.ts';
import {
  signElevenLabsWebhook,
  verifyElevenLabsSignature,
} from '#shared/adapters/telephony/elevenlabs-wire.ts';
import { freePort } from '#infra/local/emulators/dynamodb-local.ts';
import type { PlaceCallInput, ProviderCallbackRequest } from '#shared/ports/dialer.ts';
import { startFakeElevenLabs, type FakeElevenLabs } from '../helpers/fake-elevenlabs.ts';

const SECRET = 'wsec_test_secret';
const ref = { workspaceId: 'ws_1', batchId: 'batch_1', recipientIndex: 3, attempt: 1 };

function request(body: unknown, secret = SECRET, at = new Date()): ProviderCallbackRequest {
  const raw = JSON.stringify(body);
  return {
    url: 'https://calls.example.com/v1/telephony/elevenlabs/events',
    headers: { 'elevenlabs-signature': signElevenLabsWebhook(secret, raw, at) },
    rawBody: Buffer.from(raw),
  };
}

const transcription = {
  type: 'post_call_transcription',
  event_timestamp: 1739537319,
  data: {
    agent_id: 'agent_x',
    conversation_id: 'conv_abc',
    status: 'done',
    transcript: [
      { role: 'agent', message: 'Hi Alice', time_in_call_secs: 0, tool_calls: null },
      { role: 'user', message: 'Hello', time_in_call_secs: 2 },
      { role: 'agent', message: null, time_in_call_secs: 3, tool_calls: [{ tool_name: 'end_call' }] },
    ],
    metadata: { start_time_unix_secs: 1739537297, call_duration_secs: 22, termination_reason: '' },
    analysis: {
      evaluation_criteria_results: {
        confirmed: { criteria_id: 'confirmed', result: 'success', rationale: 'Said yes.' },
        polite: { criteria_id: 'polite', result: 'weird', rationale: '' },
      },
      data_collection_results: {
        callback_time: { data_collection_id: 'callback_time', value: '10am', rationale: 'Asked.' },
        slots: { data_collection_id: 'slots', value: [1, 2], rationale: '' },
        // Nothing collected: ElevenLabs may leave the value out.
        email: { data_collection_id: 'email', rationale: 'Not mentioned.' },
      },
      call_successful: 'success',
    },
    conversation_initiation_client_data: {
      dynamic_variables: { first_name: 'Alice', batch_calls_ref: refToString(ref) },
    },
  },
};

describe('ElevenLabs webhook signature', () => {
  const body = Buffer.from('{"type":"post_call_transcription"}');
  const now = new Date('2026-03-01T12:00:00Z');

  it('matches the documented scheme: hex HMAC-SHA256 of "<t>.<body>" under v0', () => {
    const t = Math.floor(now.getTime() / 1000);
    const expected = createHmac('sha256', SECRET).update(`${t}.${body.toString()}`).digest('hex');
    expect(signElevenLabsWebhook(SECRET, body, now)).toBe(`t=${t},v0=${expected}`);
    expect(verifyElevenLabsSignature(`t=${t},v0=${expected}`, SECRET, body, now)).toBe(true);
  });

  it('refuses a wrong secret, a tampered body, a missing or garbled header', () => {
    const header = signElevenLabsWebhook(SECRET, body, now);
    expect(verifyElevenLabsSignature(header, 'other', body, now)).toBe(false);
    expect(verifyElevenLabsSignature(header, SECRET, Buffer.from('{"type":"x"}'), now)).toBe(false);
    expect(verifyElevenLabsSignature(undefined, SECRET, body, now)).toBe(false);
    expect(verifyElevenLabsSignature('t=abc,v0=zz', SECRET, body, now)).toBe(false);
    expect(verifyElevenLabsSignature(header.replace('v0=', 'v1='), SECRET, body, now)).toBe(false);
  });

  it('accepts up to 30 minutes of age (ElevenLabs tolerance) and refuses older or far-future ones', () => {
    const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    expect(verifyElevenLabsSignature(signElevenLabsWebhook(SECRET, body, at(-29)), SECRET, body, now)).toBe(
      true,
    );
    expect(verifyElevenLabsSignature(signElevenLabsWebhook(SECRET, body, at(-31)), SECRET, body, now)).toBe(
      false,
    );
    expect(verifyElevenLabsSignature(signElevenLabsWebhook(SECRET, body, at(31)), SECRET, body, now)).toBe(
      false,
    );
  });
});

describe('ElevenLabs callbacks', () => {
  const v = elevenLabsCallbackVerifier;

  it("verifies with the number's webhook_secret and locates the call from the dynamic variables", () => {
    expect(v.secretCredential).toBe('webhook_secret');
    const req = request(transcription);
    expect(v.verify(req, SECRET, new Date())).toBe(true);
    expect(v.verify(req, 'wrong', new Date())).toBe(false);
    expect(v.locate?.(req)).toEqual(ref);
    expect(v.callId(req)).toBe('conv_abc');
  });

  it('maps post_call_transcription into a completed conversation', () => {
    const [event] = v.parse(request(transcription));
    expect(event).toEqual({
      providerCallId: 'conv_abc',
      ref,
      outcome: 'answered',
      startedAt: new Date(1739537297_000).toISOString(),
      endedAt: new Date(1739537319_000).toISOString(),
      durationSecs: 22,
      error: null,
      conversation: {
        transcript: [
          { role: 'agent', message: 'Hi Alice', time_in_call_secs: 0 },
          { role: 'user', message: 'Hello', time_in_call_secs: 2 },
        ],
        evaluations: [
          { id: 'confirmed', result: 'success', rationale: 'Said yes.' },
          { id: 'polite', result: 'unknown', rationale: '' },
        ],
        dataCollection: {
          callback_time: { value: '10am', rationale: 'Asked.' },
          slots: { value: '[1,2]', rationale: '' },
          email: { value: null, rationale: 'Not mentioned.' },
        },
        recordingUrl: null,
      },
    });
  });

  it('reports a call that voicemail detection ended as voicemail', () => {
    const body = structuredClone(transcription);
    body.data.metadata.termination_reason = 'Voicemail detected';
    expect(v.parse(request(body))[0]?.outcome).toBe('voicemail');
  });

  it.each([
    ['busy', 'busy'],
    ['no-answer', 'no_answer'],
    ['unknown', 'failed'],
  ])('maps call_initiation_failure %s to %s, with no ref in the body', (reason, outcome) => {
    const req = request({
      type: 'call_initiation_failure',
      event_timestamp: 1739537300,
      data: {
        agent_id: 'agent_x',
        conversation_id: 'conv_fail',
        failure_reason: reason,
        metadata: { type: 'sip' },
      },
    });
    expect(v.locate?.(req)).toBeNull();
    expect(v.callId(req)).toBe('conv_fail');
    const [event] = v.parse(req);
    expect(event).toMatchObject({
      providerCallId: 'conv_fail',
      ref: null,
      outcome,
      startedAt: null,
      durationSecs: 0,
      conversation: null,
      endedAt: new Date(1739537300_000).toISOString(),
    });
    expect(event?.error).toContain(reason);
  });

  it('ignores post_call_audio and refuses malformed bodies with a clear error', () => {
    expect(
      v.parse(request({ type: 'post_call_audio', data: { conversation_id: 'c', full_audio: 'AA' } })),
    ).toEqual([]);
    expect(() => v.parse({ ...request({}), rawBody: Buffer.from('nope') })).toThrow(/not JSON/);
    expect(() => v.parse(request({ type: 'post_call_transcription', data: { status: 'done' } }))).toThrow(
      /data\.conversation_id/,
    );
  });
});

describe('ElevenLabs dialer over HTTP', () => {
  let fake: FakeElevenLabs;
  const credentials = { api_key: 'xi_key', agent_phone_number_id: 'phnum_twilio', webhook_secret: SECRET };

  beforeAll(async () => {
    fake = await startFakeElevenLabs({
      apiKey: 'xi_key',
      webhookSecret: SECRET,
      phoneNumbers: {
        phnum_twilio: { number: '+14155550100', provider: 'twilio' },
        phnum_sip: { number: '+14155550101', provider: 'sip_trunk' },
      },
      agents: { agent_el: { firstMessage: 'Hi {{first_name}}', evaluationCriteria: [], dataCollection: [] } },
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
      telephony: { elevenlabs_agent_id: 'agent_el' },
    },
    dynamicVars: { first_name: 'Alice' },
    ringingTimeoutMs: 30_000,
    callbackUrl: 'http://127.0.0.1/v1/telephony/elevenlabs/events',
    ...extra,
  });

  it("places a call through the number's transport with our ref in the dynamic variables", async () => {
    const dialer = createElevenLabsDialer({ baseUrl: fake.url });
    const placed = await dialer.placeCall(input('+14155551234'));
    expect(placed.kind).toBe('placed');
    const call = fake
      .calls()
      .find((c) => placed.kind === 'placed' && c.conversationId === placed.providerCallId);
    expect(call).toMatchObject({
      path: '/v1/convai/twilio/outbound-call',
      to: '+14155551234',
      dynamicVariables: { first_name: 'Alice', batch_calls_ref: refToString(ref) },
      // The batch's ringing timeout, in the seconds TelephonyCallConfig takes.
      telephonyCallConfig: { ringing_timeout_secs: 30 },
    });

    const sip = await dialer.placeCall(
      input('+14155551235', {
        credentials: { ...credentials, agent_phone_number_id: 'phnum_sip' },
        ringingTimeoutMs: 12_400,
      }),
    );
    expect(sip.kind).toBe('placed');
    expect(fake.calls().at(-1)).toMatchObject({
      path: '/v1/convai/sip-trunk/outbound-call',
      telephonyCallConfig: { ringing_timeout_secs: 13 },
    });
  });

  it('the local ElevenLabs refuses what the SDK does not document (422 HTTPValidationError)', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${fake.url}/v1/convai/${path}/outbound-call`, {
        method: 'POST',
        headers: { 'xi-api-key': 'xi_key', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const good = { agent_id: 'agent_el', agent_phone_number_id: 'phnum_sip', to_number: '+14155551236' };
    expect(await post('sip-trunk', { ...good, metadata: {} })).toEqual({
      status: 422,
      body: {
        detail: [
          { type: 'extra_forbidden', loc: ['body', 'metadata'], msg: 'Extra inputs are not permitted' },
        ],
      },
    });
    // call_recording_enabled is documented for Twilio numbers only.
    expect((await post('sip-trunk', { ...good, call_recording_enabled: true })).status).toBe(422);
    const typed = await post('sip-trunk', { ...good, telephony_call_config: { ringing_timeout_secs: '30' } });
    expect(typed.body).toMatchObject({
      detail: [{ loc: ['body', 'telephony_call_config', 'ringing_timeout_secs'] }],
    });
    const missing = await post('sip-trunk', { agent_id: 'agent_el', to_number: '+14155551236' });
    expect(missing.body).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'agent_phone_number_id'], msg: 'Field required' }],
    });
  });

  it('reconciles: null while the call is live, then the finished conversation', async () => {
    const dialer = createElevenLabsDialer({ baseUrl: fake.url });
    const placed = await dialer.placeCall(input('+14155551236'));
    if (placed.kind !== 'placed') throw new Error(placed.kind);
    expect(await dialer.getCall?.(placed.providerCallId, credentials)).toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    const ended = await dialer.getCall?.(placed.providerCallId, credentials);
    expect(ended).toMatchObject({ providerCallId: placed.providerCallId, outcome: 'answered', ref });
    expect(ended?.conversation?.transcript[0]?.message).toBe('Hi Alice');
    await expect(dialer.getCall?.('conv_missing', credentials)).rejects.toThrow(/HTTP 404/);
  });

  it('maps every failure to the right result', async () => {
    const dialer = createElevenLabsDialer({ baseUrl: fake.url, timeoutMs: 500 });

    const badKey = await dialer.placeCall(
      input('+14155551240', { credentials: { ...credentials, api_key: 'bad' } }),
    );
    expect(badKey).toMatchObject({ kind: 'rejected' });
    expect(badKey.kind === 'rejected' && badKey.error).toMatch(/credentials \(HTTP 401: Invalid API key\)/);

    const refused = await dialer.placeCall(input('+14155559999'));
    expect(refused).toMatchObject({ kind: 'rejected' });
    expect(refused.kind === 'rejected' && refused.error).toContain('not reachable');
    expect(refused.kind === 'rejected' && refused.error).not.toMatch(/\d{8}/);

    const unknownNumber = await dialer.placeCall(
      input('+14155551241', { credentials: { ...credentials, agent_phone_number_id: 'phnum_nope' } }),
    );
    expect(unknownNumber.kind === 'rejected' && unknownNumber.error).toContain('phnum_nope');

    const noAgent = await dialer.placeCall(
      input('+14155551242', { agent: { ...input('').agent, telephony: {} } }),
    );
    expect(noAgent.kind === 'rejected' && noAgent.error).toContain('telephony.elevenlabs_agent_id');

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

    const closed = createElevenLabsDialer({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(closed.placeCall(input('+14155551246'))).rejects.toBeInstanceOf(ProviderUnreachableError);
  });
});
