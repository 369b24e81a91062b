import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioRequestSignature } from '../helpers/fake-twilio-schema.ts';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { runBatchToEnd, runBatchUntilPaused } from '../helpers/batch-run.ts';
import { pollUntil, sleep } from '../helpers/wait.ts';

/**
 * Whole batches through the local service with a Twilio number: the real Twilio adapter talks over
 * HTTP to a local server that behaves like Twilio's documented API, which calls back with signed
 * status callbacks. MAX_CALL_SECONDS is short so that the sweeper's reconciliation runs within a test.
 */

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';
const TWIML_URL = 'https://agent.example.com/twiml';

let service: Awaited<ReturnType<typeof startLocalService>>;
let twilio: FakeTwilio;
let c: TestClient;
let phoneNumberId: string;
let agentId: string;

beforeAll(async () => {
  twilio = await startFakeTwilio({ accounts: { [ACCOUNT_SID]: AUTH_TOKEN }, callMs: 600 });
  service = await startLocalService({
    sweeperIntervalMs: 1_000,
    env: { TWILIO_API_BASE_URL: twilio.url, MAX_CALL_SECONDS: '2' },
  });
  c = client(service.baseUrl, service.apiKey);
  const phone = await c.post('/v1/phone-numbers', {
    phone_number: '+14155550100',
    provider: 'twilio',
    credentials: { account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
    calls_per_second: 20,
  });
  expect(phone.status, phone.text).toBe(201);
  expect(JSON.stringify(phone.body)).not.toContain(AUTH_TOKEN);
  phoneNumberId = phone.body.id;
  const agent = await c.post('/v1/agents', {
    name: 'Reminders',
    prompt: 'You remind {{first_name}} of an appointment.',
    phone_number_id: phoneNumberId,
    telephony: { twiml_url: TWIML_URL },
  });
  expect(agent.status, agent.text).toBe(201);
  agentId = agent.body.id;
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await twilio?.close();
});

function runBatch(recipients: unknown[], extra: Record<string, unknown> = {}) {
  return runBatchToEnd(
    c,
    { name: 'Twilio batch', agent_id: agentId, ringing_timeout_ms: 1_000, recipients, ...extra },
    { timeoutMs: 30_000 },
  );
}

const callsOf = (batchId: string) =>
  twilio.calls().filter((call) => call.form.StatusCallback?.[0]?.includes(`batch=${batchId}`));
const createsTo = (phone: string) => twilio.createRequests().filter((r) => r.to === phone);

describe('a batch through Twilio', () => {
  let aliceCallbackUrl = '';
  let aliceSid = '';

  it('places each call once with the documented parameters and records every outcome', async () => {
    const { batchId, done } = await runBatch([
      { phone: '+14155551234', first_name: 'Alice' },
      { phone: '+14155555678', first_name: 'Bob' },
      { phone: '+14155550001', first_name: 'Busy' },
      { phone: '+14155550002', first_name: 'Nobody' },
      { phone: '+14155550003', first_name: 'Broken' },
      { phone: '+14155550004', first_name: 'Machine' },
    ]);
    expect(done.batch).toMatchObject({
      status: 'completed',
      counts: { pending: 0, dialing: 0, completed: 3, failed: 3 },
    });
    const by = Object.fromEntries(done.recipients.map((r: any) => [r.dynamic_vars.first_name, r]));
    expect(by.Alice).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1, error: null });
    expect(by.Bob).toMatchObject({ status: 'completed', outcome: 'answered' });
    expect(by.Machine).toMatchObject({ status: 'completed', outcome: 'voicemail' });
    expect(by.Busy).toMatchObject({ status: 'failed', outcome: 'busy', attempts: 1 });
    expect(by.Nobody).toMatchObject({ status: 'failed', outcome: 'no_answer' });
    expect(by.Broken).toMatchObject({ status: 'failed', outcome: 'failed' });
    for (const r of [by.Busy, by.Nobody, by.Broken]) expect(r.error).toBeTruthy();
    expect(typeof by.Alice.duration_secs).toBe('number');
    expect(by.Alice.started_at).toBeTruthy();

    const calls = callsOf(batchId);
    expect(calls.map((call) => call.to).sort()).toEqual(
      ['+14155550001', '+14155550002', '+14155550003', '+14155550004', '+14155551234', '+14155555678'].sort(),
    );
    for (const call of calls) expect(createsTo(call.to)).toHaveLength(1);
    // Twilio ignores a parameter it does not know (warning 20001): we sent none.
    expect(twilio.warnings()).toEqual([]);

    const alice = calls.find((call) => call.to === '+14155551234');
    expect(alice?.form).toMatchObject({
      To: ['+14155551234'],
      From: ['+14155550100'],
      Method: ['POST'],
      StatusCallbackMethod: ['POST'],
      // Only the final event: it alone carries the outcome (one callback per call, not four).
      StatusCallbackEvent: ['completed'],
      Timeout: ['1'],
      MachineDetection: ['Enable'],
    });
    const twiml = new URL(alice?.form.Url?.[0] ?? '');
    expect(`${twiml.origin}${twiml.pathname}`).toBe(TWIML_URL);
    expect(twiml.searchParams.get('recipient_id')).toBe(by.Alice.id);
    const statusCallback = alice?.form.StatusCallback?.[0] ?? '';
    expect(statusCallback.startsWith(`${service.baseUrl}/v1/telephony/twilio/events?`)).toBe(true);
    // One callback per call, accepted by the provider-events route.
    expect(alice?.callbacks.map((cb) => cb.event)).toEqual(['completed']);
    // The fake records our answer once it is back, which may be after the batch reads completed.
    await pollUntil(
      () => calls.every((call) => call.callbacks.every((cb) => cb.httpStatus !== null)),
      (all) => all,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    for (const call of calls) for (const cb of call.callbacks) expect(cb.httpStatus).toBe(200);
    aliceCallbackUrl = statusCallback;
    aliceSid = alice?.sid ?? '';
  });

  it('the local Twilio ignores an unknown parameter with warning 20001, as Twilio documents', async () => {
    const res = await fetch(`${twilio.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        To: '+14155556801',
        From: '+14155550100',
        Url: TWIML_URL,
        RingTimeout: '20',
      }).toString(),
    });
    expect(res.status).toBe(201);
    expect(twilio.warnings()).toEqual([{ code: 20001, parameters: ['RingTimeout'] }]);
  });

  it('refuses a callback with a bad or missing signature, and changes nothing with a good one', async () => {
    const params = {
      AccountSid: ACCOUNT_SID,
      CallSid: aliceSid,
      CallStatus: 'busy',
      From: '+14155550100',
      To: '+14155551234',
      Timestamp: new Date().toUTCString(),
    };
    const post = (signature: string | null) =>
      fetch(aliceCallbackUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature === null ? {} : { 'x-twilio-signature': signature }),
        },
        body: new URLSearchParams(params).toString(),
      });
    expect((await post(twilioRequestSignature('not-the-token', aliceCallbackUrl, params))).status).toBe(401);
    expect((await post(null)).status).toBe(401);
    const genuine = await post(twilioRequestSignature(AUTH_TOKEN, aliceCallbackUrl, params));
    expect(genuine.status).toBe(200);
    expect(await genuine.json()).toMatchObject({ received: 1, results: ['duplicate'] });
  });

  it("pauses the batch when Twilio rejects the number's credentials, failing nobody (provider_auth)", async () => {
    const wrong = await c.post('/v1/phone-numbers', {
      phone_number: '+14155550101',
      provider: 'twilio',
      credentials: { account_sid: ACCOUNT_SID, auth_token: 'wrong-token' },
      calls_per_second: 20,
    });
    expect(wrong.status, wrong.text).toBe(201);
    const before = twilio.calls().length;
    const { batchId, paused } = await runBatchUntilPaused(
      c,
      {
        name: 'Twilio batch',
        agent_id: agentId,
        phone_number_id: wrong.body.id,
        recipients: [
          { phone: '+14155556001', first_name: 'A' },
          { phone: '+14155556002', first_name: 'B' },
        ],
      },
      30_000,
    );
    // Both dials may be under way when the first refusal pauses the batch: each is tried at most once.
    expect(paused.batch).toMatchObject({ pause_reason: 'provider_auth', counts: { pending: 2, failed: 0 } });
    for (const r of paused.recipients) expect(r).toMatchObject({ status: 'pending', attempts: 0 });
    expect(twilio.calls().length).toBe(before);
    // Which of the two is dialed first is not ordered: the first refusal (either) pauses the batch.
    const creates = ['+14155556001', '+14155556002'].map(createsTo);
    for (const tried of creates) {
      expect(tried.every((r) => r.status === 401)).toBe(true);
      expect(tried.length).toBeLessThanOrEqual(1);
    }
    expect(creates.flat().length).toBeGreaterThanOrEqual(1);
    expect((await c.post(`/v1/agents/batch-calls/${batchId}/stop`, {})).status).toBe(200);
  });

  it('retries a 429 later without counting an attempt', async () => {
    twilio.rateLimitNext(1);
    const { done } = await runBatch([{ phone: '+14155556100', first_name: 'Rate' }]);
    expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    expect(createsTo('+14155556100').map((r) => r.status)).toEqual([429, 201]);
  });

  it('never dials again after a 5xx; the sweeper ends the recipient with the reason', async () => {
    twilio.failNext(1);
    const { done } = await runBatch([{ phone: '+14155556200', first_name: 'Err' }]);
    expect(done.recipients[0]).toMatchObject({ status: 'failed', outcome: 'failed', attempts: 1 });
    expect(done.recipients[0].error).toContain('could not be confirmed as placed');
    expect(createsTo('+14155556200').map((r) => r.status)).toEqual([500]);
  });

  it('never dials again after a timeout once sent; the placed call still ends by its callback', async () => {
    twilio.hangNext(12_000);
    const { done } = await runBatch([{ phone: '+14155556300', first_name: 'Slow' }]);
    expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    // Past the adapter's 10 s deadline and a sweep or two: still one request, one call.
    await sleep(11_000);
    expect(createsTo('+14155556300')).toHaveLength(1);
    expect(twilio.calls().filter((call) => call.to === '+14155556300')).toHaveLength(1);
  }, 40_000);

  it('reconciles a call whose callbacks were lost by asking Twilio for the Call resource', async () => {
    twilio.dropCallbacksTo('+14155556400');
    twilio.dropCallbacksTo('+14155550004');
    const { done } = await runBatch([
      { phone: '+14155556400', first_name: 'Lost' },
      { phone: '+14155550004', first_name: 'LostMachine' },
    ]);
    const by = Object.fromEntries(done.recipients.map((r: any) => [r.dynamic_vars.first_name, r]));
    expect(by.Lost).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    expect(typeof by.Lost.duration_secs).toBe('number');
    expect(by.LostMachine).toMatchObject({ status: 'completed', outcome: 'voicemail' });
    expect(createsTo('+14155556400')).toHaveLength(1);
  });
});
