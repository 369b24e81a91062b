import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retellSignature } from '../helpers/fake-retell-schema.ts';
import { startFakeRetell, type FakeRetell } from '../helpers/fake-retell.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { seedRetellAgent } from '../helpers/seed.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { runBatchToEnd, runBatchUntilPaused } from '../helpers/batch-run.ts';
import { pollUntil, sleep } from '../helpers/wait.ts';

/**
 * Whole batches through the local service with a Retell number: the real Retell adapter talks over
 * HTTP to a local server that behaves like Retell's documented API and posts signed webhooks (the
 * call_ended and call_analyzed our calls subscribe to) to our provider-events route. MAX_CALL_SECONDS is short
 * so that the sweeper's reconciliation runs within a test.
 */

const API_KEY = 'key_5f2e0c1a9b8d7e6f5a4b3c2d1e0f';
const RETELL_AGENT = 'agent_7b1c2d3e4f5a6b7c8d9e0f1a';

let service: Awaited<ReturnType<typeof startLocalService>>;
let retell: FakeRetell;
let c: TestClient;
let agentId: string;

beforeAll(async () => {
  retell = await startFakeRetell({
    apiKey: API_KEY,
    numbers: ['+14155550100', '+14155550101'],
    agents: {
      [RETELL_AGENT]: {
        beginMessage: 'Hi {{first_name}}, this is a reminder of your appointment.',
        analysis: { confirmed: true, callback_time: 'tomorrow morning' },
      },
    },
  });
  service = await startLocalService({
    sweeperIntervalMs: 1_000,
    env: { RETELL_API_BASE_URL: retell.url, MAX_CALL_SECONDS: '2' },
  });
  retell.setWebhookUrl(`${service.baseUrl}/v1/telephony/retell/events`);
  c = client(service.baseUrl, service.apiKey);
  ({ agentId } = await seedRetellAgent(
    c,
    { apiKey: API_KEY, agentId: RETELL_AGENT },
    {
      evaluation_criteria: [{ id: 'confirmed', description: 'The customer confirmed the appointment.' }],
      data_collection: [{ id: 'callback_time', type: 'string', description: 'When to call back.' }],
    },
  ));
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await retell?.close();
});

function runBatch(recipients: unknown[], extra: Record<string, unknown> = {}) {
  return runBatchToEnd(
    c,
    { name: 'Retell batch', agent_id: agentId, ringing_timeout_ms: 1_000, recipients, ...extra },
    { timeoutMs: 30_000 },
  );
}

const callsOf = (batchId: string) =>
  retell.calls().filter((call) => (call.request.metadata as { batch_id?: string })?.batch_id === batchId);
const createsTo = (phone: string) => retell.createRequests().filter((r) => r.to === phone);
const conversationOf = (batchId: string, recipientId: string) =>
  c.get(`/v1/agents/batch-calls/${batchId}/recipients/${recipientId}/conversation`);

describe('a batch through Retell', () => {
  let aliceBody = '';

  it('places each call once, ends each recipient once, and keeps the analysis', async () => {
    const { batchId, done } = await runBatch([
      { phone: '+14155551234', first_name: 'Alice', visits: 3 },
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
    expect(by.Alice.conversation_id).toMatch(/^conv_/);

    const calls = callsOf(batchId);
    expect(calls).toHaveLength(6);
    for (const call of calls) expect(createsTo(call.call.to_number)).toHaveLength(1);
    const alice = calls.find((call) => call.call.to_number === '+14155551234');
    expect(alice?.request).toMatchObject({
      from_number: '+14155550100',
      to_number: '+14155551234',
      override_agent_id: RETELL_AGENT,
      retell_llm_dynamic_variables: { first_name: 'Alice', visits: '3' },
      metadata: { batch_id: batchId, recipient_index: 0, attempt: 1, recipient_id: by.Alice.id },
      // The batch's 1 s ringing timeout, raised to the least Retell accepts (5 s), and only the
      // webhooks that end a call (call_started would be a paid callback that changes nothing).
      agent_override: { agent: { ring_duration_ms: 5_000, webhook_events: ['call_ended', 'call_analyzed'] } },
    });
    expect(alice?.webhooks.map((w) => w.event)).toEqual(['call_ended', 'call_analyzed']);

    // Ended by call_analyzed (it carries the analysis); the transcript is Retell's transcript_object.
    const conversation = await conversationOf(batchId, by.Alice.id);
    expect(conversation.status, conversation.text).toBe(200);
    expect(conversation.body.transcript[0]).toMatchObject({ role: 'agent' });
    expect(conversation.body.transcript[0].message).toContain('Hi Alice');
    expect(conversation.body.transcript[1]).toMatchObject({ role: 'user' });
    expect(conversation.body.evaluations).toEqual([
      { id: 'confirmed', result: 'success', rationale: 'The customer confirmed.' },
      { id: 'call_successful', result: 'success', rationale: 'The customer confirmed.' },
    ]);
    expect(conversation.body.data_collection).toEqual({
      callback_time: { value: 'tomorrow morning', rationale: '' },
    });
    expect(conversation.body.recording_url).toContain(alice?.call.call_id);

    // Every webhook was accepted, the not-connected calls' late call_analyzed included (sent after
    // call_ended has ended the batch, and recorded by the fake once our answer is back).
    await pollUntil(
      () =>
        calls.every(
          (call) => call.webhooks.length === 2 && call.webhooks.every((w) => w.httpStatus !== null),
        ),
      (all) => all,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    for (const call of calls) {
      expect(call.webhooks.every((w) => w.httpStatus === 200 && w.tries === 1)).toBe(true);
    }
    const busy = calls.find((call) => call.call.to_number === '+14155550001');
    expect(busy?.webhooks.map((w) => w.event)).toEqual(['call_ended', 'call_analyzed']);
    aliceBody = JSON.stringify({ event: 'call_analyzed', call: alice?.call });
  });

  it("passes the batch's ringing timeout as agent_override.agent.ring_duration_ms", async () => {
    const { batchId, done } = await runBatch([{ phone: '+14155556701', first_name: 'Rin' }], {
      ringing_timeout_ms: 20_000,
    });
    expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered' });
    expect(callsOf(batchId)[0]?.request.agent_override).toEqual({
      agent: { ring_duration_ms: 20_000, webhook_events: ['call_ended', 'call_analyzed'] },
    });
  });

  it('the local Retell refuses what its reference does not document, with its 400 body', async () => {
    const post = async (body: unknown) => {
      const res = await fetch(`${retell.url}/v2/create-phone-call`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const good = { from_number: '+14155550100', to_number: '+14155556702', override_agent_id: RETELL_AGENT };
    const refused = {
      status: 400,
      body: { status: 'error', message: 'Invalid request format, please check API reference.' },
    };
    expect(await post({ ...good, agent_id: RETELL_AGENT })).toEqual(refused);
    expect(await post({ ...good, agent_override: { agent: { ring_timeout_ms: 9000 } } })).toEqual(refused);
    expect(await post({ ...good, agent_override: { agent: { ring_duration_ms: 1000 } } })).toEqual(refused);
    expect(await post({ ...good, agent_override: { agent: { webhook_events: ['call_start'] } } })).toEqual(
      refused,
    );
    expect(await post({ ...good, retell_llm_dynamic_variables: { visits: 3 } })).toEqual(refused);
    expect(await post({ to_number: good.to_number })).toEqual(refused);
  });

  it('refuses a webhook with a bad, missing or stale signature; a genuine repeat changes nothing', async () => {
    const url = `${service.baseUrl}/v1/telephony/retell/events`;
    const post = (signature: string | null) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(signature ? { 'x-retell-signature': signature } : {}),
        },
        body: aliceBody,
      });
    expect((await post(retellSignature('key_not_the_key', aliceBody))).status).toBe(401);
    expect((await post(null)).status).toBe(401);
    expect((await post(retellSignature(API_KEY, aliceBody, Date.now() - 6 * 60_000))).status).toBe(401);
    const genuine = await post(retellSignature(API_KEY, aliceBody));
    expect(genuine.status).toBe(200);
    expect(await genuine.json()).toMatchObject({ received: 1, results: ['duplicate'] });
  });

  it("pauses the batch when Retell rejects the number's api_key, failing nobody (provider_auth)", async () => {
    const wrong = await c.post('/v1/phone-numbers', {
      phone_number: '+14155550101',
      provider: 'retell',
      credentials: { api_key: 'key_wrong' },
      calls_per_second: 20,
    });
    expect(wrong.status, wrong.text).toBe(201);
    const before = retell.calls().length;
    const { batchId, paused } = await runBatchUntilPaused(
      c,
      {
        name: 'Retell batch',
        agent_id: agentId,
        phone_number_id: wrong.body.id,
        recipients: [{ phone: '+14155556001', first_name: 'A' }],
      },
      30_000,
    );
    expect(paused.batch).toMatchObject({ pause_reason: 'provider_auth', counts: { pending: 1, failed: 0 } });
    expect(paused.recipients[0]).toMatchObject({ status: 'pending', attempts: 0 });
    expect(retell.calls().length).toBe(before);
    expect((await c.post(`/v1/agents/batch-calls/${batchId}/stop`, {})).status).toBe(200);
  });

  it('retries a 429 later without counting an attempt', async () => {
    retell.rateLimitNext(1);
    const { done } = await runBatch([{ phone: '+14155556100', first_name: 'Rate' }]);
    expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    expect(createsTo('+14155556100').map((r) => r.status)).toEqual([429, 201]);
  });

  it('never dials again after a 5xx; the sweeper ends the recipient with the reason', async () => {
    retell.failNext(1);
    const { done } = await runBatch([{ phone: '+14155556200', first_name: 'Err' }]);
    expect(done.recipients[0]).toMatchObject({ status: 'failed', outcome: 'failed', attempts: 1 });
    expect(done.recipients[0].error).toContain('could not be confirmed as placed');
    expect(createsTo('+14155556200').map((r) => r.status)).toEqual([500]);
  });

  it('never dials again after a timeout once sent; the placed call still ends by its webhooks', async () => {
    retell.hangNext(12_000);
    const { done } = await runBatch([{ phone: '+14155556300', first_name: 'Slow' }]);
    expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    await sleep(11_000);
    expect(createsTo('+14155556300')).toHaveLength(1);
  }, 40_000);

  it('reconciles a connected call whose call_analyzed never came, keeping the analysis from get-call', async () => {
    retell.dropEventTo('+14155556400', 'call_analyzed');
    const { batchId, done } = await runBatch([{ phone: '+14155556400', first_name: 'Lost' }]);
    const lost = done.recipients[0];
    expect(lost).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    const webhooks = callsOf(batchId)[0]?.webhooks.map((w) => [w.event, w.httpStatus]);
    expect(webhooks).toEqual([
      ['call_ended', 200],
      ['call_analyzed', null],
    ]);
    const conversation = await conversationOf(batchId, lost.id);
    expect(conversation.status, conversation.text).toBe(200);
    expect(conversation.body.transcript[0].message).toContain('Hi Lost');
    expect(conversation.body.evaluations[0]).toMatchObject({ id: 'confirmed', result: 'success' });
  });
});
