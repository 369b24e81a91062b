import { describe, expect, it } from 'vitest';
import { twilioCallbackVerifier } from '#shared/adapters/telephony/twilio-callbacks.ts';
import {
  formParams,
  paramsFromRecord,
  twilioSignature,
  validateTwilioSignature,
} from '#shared/adapters/telephony/twilio-signature.ts';
import { twilioOutcome } from '#shared/adapters/telephony/twilio-wire.ts';

/**
 * Twilio's published example (https://www.twilio.com/docs/usage/webhooks/webhooks-security, and the
 * twilio-node api-snippets): auth token 12345, the URL and parameters below sign to
 * 0/KCTR6DLpKmkAf8muzZqo1nDgQ=.
 */
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};
const PUBLISHED = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';

describe("Twilio's request signature", () => {
  it("reproduces Twilio's published example signature", () => {
    expect(twilioSignature(TOKEN, URL_, paramsFromRecord(PARAMS))).toBe(PUBLISHED);
    expect(validateTwilioSignature(TOKEN, PUBLISHED, URL_, paramsFromRecord(PARAMS))).toBe(true);
  });

  it('reproduces the older published example too (another caller number)', () => {
    const params = { ...PARAMS, Caller: '+14158675309', From: '+14158675309' };
    expect(twilioSignature(TOKEN, URL_, paramsFromRecord(params))).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('refuses a changed parameter, URL, token or a missing header', () => {
    expect(
      validateTwilioSignature(TOKEN, PUBLISHED, URL_, paramsFromRecord({ ...PARAMS, Digits: '1235' })),
    ).toBe(false);
    expect(validateTwilioSignature(TOKEN, PUBLISHED, `${URL_}&baz=3`, paramsFromRecord(PARAMS))).toBe(false);
    expect(validateTwilioSignature('54321', PUBLISHED, URL_, paramsFromRecord(PARAMS))).toBe(false);
    expect(validateTwilioSignature(TOKEN, undefined, URL_, paramsFromRecord(PARAMS))).toBe(false);
    expect(validateTwilioSignature(TOKEN, '', URL_, paramsFromRecord(PARAMS))).toBe(false);
  });

  it('accepts the URL with and without its port, as Twilio signs either way', () => {
    const signedWithPort = twilioSignature(
      TOKEN,
      'https://mycompany.com:443/myapp.php?foo=1&bar=2',
      paramsFromRecord(PARAMS),
    );
    expect(signedWithPort).not.toBe(PUBLISHED);
    expect(validateTwilioSignature(TOKEN, signedWithPort, URL_, paramsFromRecord(PARAMS))).toBe(true);
    // We know the URL with a port; Twilio signed it without.
    expect(
      validateTwilioSignature(
        TOKEN,
        PUBLISHED,
        'https://mycompany.com:443/myapp.php?foo=1&bar=2',
        paramsFromRecord(PARAMS),
      ),
    ).toBe(true);
    // A non-standard port: Twilio may drop it from what it signs.
    const local = 'http://127.0.0.1:8080/v1/telephony/twilio/events?ws=ws_1&batch=b&r=0&a=1';
    const withoutPort = twilioSignature(
      TOKEN,
      'http://127.0.0.1/v1/telephony/twilio/events?ws=ws_1&batch=b&r=0&a=1',
      paramsFromRecord(PARAMS),
    );
    expect(validateTwilioSignature(TOKEN, withoutPort, local, paramsFromRecord(PARAMS))).toBe(true);
    expect(
      validateTwilioSignature(
        TOKEN,
        twilioSignature(TOKEN, local, paramsFromRecord(PARAMS)),
        local,
        paramsFromRecord(PARAMS),
      ),
    ).toBe(true);
  });

  it('signs a repeated parameter with each value, sorted, as a form body carries it', () => {
    const body = 'To=%2B18005551212&StatusCallbackEvent=ringing&StatusCallbackEvent=answered';
    const params = formParams(body);
    expect(params.get('StatusCallbackEvent')).toEqual(['ringing', 'answered']);
    const expected = twilioSignature(
      TOKEN,
      URL_,
      paramsFromRecord({ To: '+18005551212', StatusCallbackEvent: ['answered', 'ringing'] }),
    );
    expect(validateTwilioSignature(TOKEN, expected, URL_, params)).toBe(true);
  });
});

describe('Twilio status callbacks', () => {
  const url = 'https://calls.example.com/v1/telephony/twilio/events?ws=ws_1&batch=batch_1&r=3&a=2';
  function request(params: Record<string, string>, token = 'tok') {
    const rawBody = Buffer.from(new URLSearchParams(params).toString());
    return {
      url,
      headers: { 'X-Twilio-Signature': twilioSignature(token, url, paramsFromRecord(params)) },
      rawBody,
    };
  }
  const base = {
    AccountSid: 'AC123',
    CallSid: 'CA0001',
    From: '+14155550100',
    To: '+14155551234',
    Direction: 'outbound-api',
    Timestamp: 'Tue, 05 May 2026 14:00:30 +0000',
  };

  it('verifies with the auth token, locates the ref in the query, and ends on the final status', () => {
    const req = request({ ...base, CallStatus: 'completed', CallDuration: '30', AnsweredBy: 'human' });
    expect(twilioCallbackVerifier.secretCredential).toBe('auth_token');
    expect(twilioCallbackVerifier.locate?.(req)).toEqual({
      workspaceId: 'ws_1',
      batchId: 'batch_1',
      recipientIndex: 3,
      attempt: 2,
    });
    expect(twilioCallbackVerifier.verify(req, 'tok', new Date())).toBe(true);
    expect(twilioCallbackVerifier.verify(req, 'other', new Date())).toBe(false);
    const [ended] = twilioCallbackVerifier.parse(req);
    expect(ended).toMatchObject({
      providerCallId: 'CA0001',
      outcome: 'answered',
      durationSecs: 30,
      endedAt: '2026-05-05T14:00:30.000Z',
      startedAt: '2026-05-05T14:00:00.000Z',
      error: null,
      conversation: null,
      ref: { batchId: 'batch_1', recipientIndex: 3, attempt: 2 },
    });
  });

  it('gives nothing for progress events and refuses a body without CallSid', () => {
    for (const status of ['initiated', 'ringing', 'in-progress'])
      expect(twilioCallbackVerifier.parse(request({ ...base, CallStatus: status }))).toEqual([]);
    expect(() => twilioCallbackVerifier.parse(request({ CallStatus: 'completed' }))).toThrow(/CallSid/);
  });

  it.each([
    ['completed', 'human', 'answered'],
    ['completed', 'unknown', 'answered'],
    ['completed', undefined, 'answered'],
    ['completed', 'machine_start', 'voicemail'],
    ['completed', 'machine_end_beep', 'voicemail'],
    ['completed', 'fax', 'failed'],
    ['busy', undefined, 'busy'],
    ['no-answer', undefined, 'no_answer'],
    ['failed', undefined, 'failed'],
    ['canceled', undefined, 'canceled'],
  ])('maps %s (AnsweredBy %s) to %s', (status, answeredBy, outcome) => {
    expect(twilioOutcome(status, answeredBy)?.outcome).toBe(outcome);
  });
});
