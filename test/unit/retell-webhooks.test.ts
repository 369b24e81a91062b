import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { retellCallbackVerifier } from '#shared/adapters/telephony/retell-callbacks.ts';
import { signRetellWebhook, verifyRetellSignature } from '#shared/adapters/telephony/retell-signature.ts';
import { retellOutcome, type RetellCall } from '#shared/adapters/telephony/retell-wire.ts';

const KEY = 'key_0123456789abcdef';
const metadata = {
  workspace_id: 'ws_1',
  batch_id: 'batch_1',
  recipient_index: 4,
  attempt: 1,
  recipient_id: 'rcp_1',
  evaluation_ids: ['confirmed'],
};

function webhook(event: string, call: Record<string, unknown>, at = new Date(), key = KEY) {
  const rawBody = Buffer.from(JSON.stringify({ event, call }));
  return {
    url: 'https://x/v1/telephony/retell/events',
    headers: { 'x-retell-signature': signRetellWebhook(key, rawBody, at) },
    rawBody,
  };
}

const connected = {
  call_id: 'call_abc',
  call_status: 'ended',
  disconnection_reason: 'user_hangup',
  start_timestamp: 1_777_000_000_000,
  end_timestamp: 1_777_000_042_400,
  duration_ms: 42_400,
  metadata,
  transcript_object: [
    {
      role: 'agent',
      content: 'Hi Alice, this is a reminder.',
      words: [{ word: 'Hi', start: 0.4, end: 0.6 }],
    },
    { role: 'user', content: 'Thanks, I will be there.', words: [{ word: 'Thanks', start: 3.1, end: 3.5 }] },
  ],
  recording_url: 'https://retell.example/rec.wav',
};

describe('the x-retell-signature', () => {
  it("matches retell-sdk's scheme: v=<ms>,d=hex HMAC-SHA256(api key, body + ms)", () => {
    const body = '{"event":"call_ended"}';
    const at = new Date(1_700_000_000_123);
    const expected = createHmac('sha256', KEY)
      .update(body + '1700000000123')
      .digest('hex');
    expect(signRetellWebhook(KEY, body, at)).toBe(`v=1700000000123,d=${expected}`);
    expect(verifyRetellSignature(`v=1700000000123,d=${expected}`, KEY, Buffer.from(body), at)).toBe(true);
  });

  it('refuses another key, a changed body, a malformed header, and one older or newer than 5 minutes', () => {
    const at = new Date();
    const body = Buffer.from('{"a":1}');
    const sig = signRetellWebhook(KEY, body, at);
    expect(verifyRetellSignature(sig, 'key_other', body, at)).toBe(false);
    expect(verifyRetellSignature(sig, KEY, Buffer.from('{"a":2}'), at)).toBe(false);
    expect(verifyRetellSignature('v=1,d=zz', KEY, body, at)).toBe(false);
    expect(verifyRetellSignature(undefined, KEY, body, at)).toBe(false);
    expect(verifyRetellSignature(sig, KEY, body, new Date(at.getTime() + 4 * 60_000))).toBe(true);
    expect(verifyRetellSignature(sig, KEY, body, new Date(at.getTime() + 5 * 60_000 + 1))).toBe(false);
    expect(verifyRetellSignature(sig, KEY, body, new Date(at.getTime() - 5 * 60_000 - 1))).toBe(false);
  });
});

describe('Retell webhooks', () => {
  it('verifies with the api_key and finds our ref in the metadata', () => {
    const req = webhook('call_analyzed', connected);
    expect(retellCallbackVerifier.secretCredential).toBe('api_key');
    expect(retellCallbackVerifier.locate?.(req)).toEqual({
      workspaceId: 'ws_1',
      batchId: 'batch_1',
      recipientIndex: 4,
      attempt: 1,
    });
    expect(retellCallbackVerifier.verify(req, KEY, new Date())).toBe(true);
    expect(retellCallbackVerifier.verify(req, 'key_other', new Date())).toBe(false);
    expect(retellCallbackVerifier.locate?.(webhook('call_ended', { call_id: 'x' }))).toBeNull();
  });

  it('ends a connected call on call_analyzed, with transcript, evaluations and data collection', () => {
    expect(retellCallbackVerifier.parse(webhook('call_ended', connected))).toEqual([]);
    const analyzed = {
      ...connected,
      call_analysis: {
        call_summary: 'Alice confirmed.',
        call_successful: true,
        in_voicemail: false,
        custom_analysis_data: { confirmed: true, callback_time: 'tomorrow', attendees: 2 },
      },
    };
    const [ended] = retellCallbackVerifier.parse(webhook('call_analyzed', analyzed));
    expect(ended).toMatchObject({
      providerCallId: 'call_abc',
      outcome: 'answered',
      durationSecs: 42,
      startedAt: new Date(1_777_000_000_000).toISOString(),
      endedAt: new Date(1_777_000_042_400).toISOString(),
      error: null,
      ref: { batchId: 'batch_1', recipientIndex: 4, attempt: 1 },
    });
    expect(ended?.conversation).toEqual({
      transcript: [
        { role: 'agent', message: 'Hi Alice, this is a reminder.', time_in_call_secs: 0.4 },
        { role: 'user', message: 'Thanks, I will be there.', time_in_call_secs: 3.1 },
      ],
      evaluations: [
        { id: 'confirmed', result: 'success', rationale: 'Alice confirmed.' },
        { id: 'call_successful', result: 'success', rationale: 'Alice confirmed.' },
      ],
      dataCollection: {
        callback_time: { value: 'tomorrow', rationale: '' },
        attendees: { value: 2, rationale: '' },
      },
      recordingUrl: 'https://retell.example/rec.wav',
    });
  });

  it('ends a call that never connected on call_ended, without a conversation', () => {
    const [ended] = retellCallbackVerifier.parse(
      webhook('call_ended', {
        call_id: 'c2',
        call_status: 'not_connected',
        disconnection_reason: 'dial_busy',
        metadata,
      }),
    );
    expect(ended).toMatchObject({ outcome: 'busy', conversation: null, durationSecs: 0, startedAt: null });
    expect(ended?.error).toBeTruthy();
  });

  it('treats other events as progress and refuses a body that is not a webhook', () => {
    expect(retellCallbackVerifier.parse(webhook('call_started', connected))).toEqual([]);
    expect(retellCallbackVerifier.parse(webhook('transcript_updated', connected))).toEqual([]);
    const bad = { url: 'x', headers: {}, rawBody: Buffer.from('nope') };
    expect(() => retellCallbackVerifier.parse(bad)).toThrow(/not JSON/);
    const noCall = { url: 'x', headers: {}, rawBody: Buffer.from('{"event":"call_ended"}') };
    expect(() => retellCallbackVerifier.parse(noCall)).toThrow(/call/);
  });

  it.each([
    ['user_hangup', 'answered'],
    ['agent_hangup', 'answered'],
    ['call_transfer', 'answered'],
    ['inactivity', 'answered'],
    ['max_duration_reached', 'answered'],
    ['voicemail_reached', 'voicemail'],
    ['dial_no_answer', 'no_answer'],
    ['dial_busy', 'busy'],
    ['dial_failed', 'failed'],
    ['invalid_destination', 'failed'],
    ['telephony_provider_permission_denied', 'failed'],
    ['error_unknown', 'failed'],
  ])('maps disconnection_reason %s to %s', (reason, outcome) => {
    const call: RetellCall = { call_id: 'c', disconnection_reason: reason };
    expect(retellOutcome(call).outcome).toBe(outcome);
  });

  it('counts an error after a conversation as answered, and in_voicemail as voicemail', () => {
    expect(
      retellOutcome({ ...connected, disconnection_reason: 'error_llm_websocket_lost_connection' }).outcome,
    ).toBe('answered');
    expect(retellOutcome({ ...connected, call_analysis: { in_voicemail: true } }).outcome).toBe('voicemail');
  });
});
