import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refToString } from '#shared/domain/call-ref.ts';
import { elevenLabsSignature } from '../helpers/fake-elevenlabs-schema.ts';
import { startFakeElevenLabs, type FakeElevenLabs } from '../helpers/fake-elevenlabs.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { runBatchToEnd, runBatchUntilPaused } from '../helpers/batch-run.ts';
import { pollUntil } from '../helpers/wait.ts';

/**
 * Whole batches through ElevenLabs Agents: the local service (real handlers, emulators, sweeper) with
 * ELEVENLABS_API_BASE_URL pointing at a local server that implements ElevenLabs' documented API and
 * post-call webhooks, a phone number of provider `elevenlabs` and an agent with its ElevenLabs id.
 */

const WEBHOOK_SECRET = 'wsec_local_elevenlabs_secret';
const API_KEY = 'xi_local_key';

let fake: FakeElevenLabs;
let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let receiver: WebhookReceiver | undefined;
let receiverUrl: string;
const received: any[] = [];
const agentSecrets: string[] = [];
let goodNumber: string;
let eventsUrl: string;

beforeAll(async () => {
  fake = await startFakeElevenLabs({
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    phoneNumbers: { phnum_1: { number: '+14155550100', provider: 'twilio' } },
    agents: {
      agent_el: {
        firstMessage: 'Hi {{first_name}}, this is a reminder of your appointment.',
        evaluationCriteria: ['confirmed'],
        dataCollection: ['callback_time'],
      },
    },
    callMs: 400,
  });
  receiver = await startWebhookReceiver(agentSecrets, ({ body }) => {
    received.push(body);
  });
  receiverUrl = receiver.url;

  service = await startLocalService({
    // Long enough that a webhook late on a busy machine still settles its call before the sweeper
    // reconciles it (which cannot tell "no answer" from "failed"), short enough for the reconcile test.
    env: { ELEVENLABS_API_BASE_URL: fake.url, MAX_CALL_SECONDS: '5' },
    sweeperIntervalMs: 1_000,
  });
  eventsUrl = `${service.baseUrl}/v1/telephony/elevenlabs/events`;
  fake.webhookUrl = eventsUrl;
  c = client(service.baseUrl, service.apiKey);
  goodNumber = await phoneNumber('+14155550100', API_KEY);
}, 120_000);

afterAll(async () => {
  await fake?.close();
  await service?.stop();
  await receiver?.close();
});

async function phoneNumber(e164: string, apiKey: string): Promise<string> {
  const res = await c.post('/v1/phone-numbers', {
    phone_number: e164,
    provider: 'elevenlabs',
    credentials: { api_key: apiKey, agent_phone_number_id: 'phnum_1', webhook_secret: WEBHOOK_SECRET },
    calls_per_second: 50,
  });
  expect(res.status, res.text).toBe(201);
  expect(res.body.credentials).not.toHaveProperty('api_key', apiKey);
  return res.body.id;
}

async function agent(phoneNumberId: string): Promise<string> {
  const res = await c.post('/v1/agents', {
    name: 'Reminders',
    prompt: 'You remind {{first_name}} of an appointment.',
    phone_number_id: phoneNumberId,
    telephony: { elevenlabs_agent_id: 'agent_el' },
    webhook_url: receiverUrl,
    webhook_events: ['conversation.completed', 'call.failed'],
    evaluation_criteria: [{ id: 'confirmed', description: 'The customer confirmed.' }],
    data_collection: [{ id: 'callback_time', type: 'string', description: 'When to call back.' }],
  });
  expect(res.status, res.text).toBe(201);
  agentSecrets.push(res.body.webhook_secret);
  return res.body.id;
}

async function runBatch(agentId: string, recipients: unknown[], timeoutMs = 30_000) {
  const { done } = await runBatchToEnd(
    c,
    {
      name: 'ElevenLabs batch',
      agent_id: agentId,
      recipients,
      ringing_timeout_ms: 1_000,
      max_concurrent_calls: 1,
    },
    { timeoutMs },
  );
  return done;
}

const requestsTo = (to: string) => fake.outboundRequests().filter((r) => r.to === to);

describe('ElevenLabs Agents as the dialer', () => {
  it('completes a batch: answered and voicemail calls carry transcript, evaluations and data collection', async () => {
    const agentId = await agent(goodNumber);
    const done = await runBatch(agentId, [
      { phone: '+14155551234', first_name: 'Alice' },
      { phone: '+14155555678', first_name: 'Bob' },
      { phone: '+14155550004', first_name: 'Machine' },
    ]);
    expect(done.batch).toMatchObject({
      status: 'completed',
      counts: { pending: 0, dialing: 0, completed: 3, failed: 0 },
    });
    const by = Object.fromEntries(done.recipients.map((r: any) => [r.dynamic_vars.first_name, r]));
    expect(by.Alice).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1, error: null });
    expect(by.Alice.duration_secs).toBe(1);
    expect(by.Machine).toMatchObject({ status: 'completed', outcome: 'voicemail' });

    const conversation = await c.get(
      `/v1/agents/batch-calls/${done.batch.id}/recipients/${by.Alice.id}/conversation`,
    );
    expect(conversation.status, conversation.text).toBe(200);
    expect(conversation.body.transcript.map((t: any) => t.role)).toEqual(['agent', 'user', 'agent']);
    expect(conversation.body.transcript[0].message).toBe('Hi Alice, this is a reminder of your appointment.');
    expect(conversation.body.evaluations).toEqual([
      { id: 'confirmed', result: 'success', rationale: 'The customer agreed.' },
    ]);
    expect(conversation.body.data_collection).toEqual({
      callback_time: { value: 'tomorrow at 10', rationale: 'The customer said tomorrow at 10.' },
    });

    // The calls carried the recipient's variables and our ref; each was placed once.
    const call = fake.calls().find((x) => x.to === '+14155551234');
    // The batch's ringing timeout rides in telephony_call_config (seconds).
    expect(call?.telephonyCallConfig).toEqual({ ringing_timeout_secs: 1 });
    expect(call?.dynamicVariables).toMatchObject({
      first_name: 'Alice',
      batch_calls_ref: refToString({
        workspaceId: service.workspaceId,
        batchId: done.batch.id,
        recipientIndex: 0,
        attempt: 1,
      }),
    });
    for (const to of ['+14155551234', '+14155555678', '+14155550004']) expect(requestsTo(to)).toHaveLength(1);

    const completed = await pollUntil(
      () => received.filter((e) => e.type === 'conversation.completed' && e.data.batch_id === done.batch.id),
      (events) => events.length === 3,
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const alice = completed.find((e) => e.data.dynamic_vars.first_name === 'Alice');
    expect(alice?.data).toMatchObject({
      outcome: 'answered',
      evaluations: [{ id: 'confirmed', result: 'success' }],
      data_collection: { callback_time: { value: 'tomorrow at 10' } },
    });
    expect(alice?.data.transcript[0].message).toContain('Hi Alice');
  });

  it('settles call_initiation_failure webhooks as busy, no answer and failed', async () => {
    const agentId = await agent(goodNumber);
    const done = await runBatch(agentId, [
      { phone: '+14155550001', first_name: 'Busy' },
      { phone: '+14155550002', first_name: 'Nobody' },
      { phone: '+14155550003', first_name: 'Broken' },
    ]);
    expect(done.batch.counts).toMatchObject({ completed: 0, failed: 3 });
    const by = Object.fromEntries(done.recipients.map((r: any) => [r.dynamic_vars.first_name, r]));
    expect(by.Busy).toMatchObject({ status: 'failed', outcome: 'busy', attempts: 1 });
    expect(by.Nobody).toMatchObject({ status: 'failed', outcome: 'no_answer' });
    expect(by.Broken).toMatchObject({ status: 'failed', outcome: 'failed' });
    expect(by.Busy.error).toContain('busy');
    // Settled by the webhook itself (accepted), not by the sweeper's reconciliation.
    // The fake records a webhook once our answer is back, which may be after the batch reads completed.
    const failures = await pollUntil(
      () => fake.webhooks().filter((w) => w.type === 'call_initiation_failure'),
      (f) => f.length >= 3,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures.every((w) => w.status === 200)).toBe(true);
  });

  it('refuses forged, re-signed and stale webhooks; nothing changes', async () => {
    const body = JSON.stringify({
      type: 'post_call_transcription',
      event_timestamp: Math.floor(Date.now() / 1000),
      data: {
        conversation_id: 'conv_forged',
        status: 'done',
        conversation_initiation_client_data: {
          dynamic_variables: {
            batch_calls_ref: refToString({
              workspaceId: service.workspaceId,
              batchId: 'batch_01J0000000000000000000000',
              recipientIndex: 0,
              attempt: 1,
            }),
          },
        },
      },
    });
    const post = (signature: string | null) =>
      fetch(eventsUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(signature === null ? {} : { 'ElevenLabs-Signature': signature }),
        },
        body,
      });
    expect((await post(null)).status).toBe(401);
    expect((await post(elevenLabsSignature('not-the-secret', body, new Date()))).status).toBe(401);
    expect(
      (await post(elevenLabsSignature(WEBHOOK_SECRET, body, new Date(Date.now() - 40 * 60_000)))).status,
    ).toBe(401);
    expect((await post('t=1,v0=00')).status).toBe(401);
  });

  it("pauses the batch when ElevenLabs refuses the number's API key, failing nobody (provider_auth)", async () => {
    const badNumber = await phoneNumber('+14155550199', 'xi_wrong_key');
    const agentId = await agent(badNumber);
    const { batchId, paused } = await runBatchUntilPaused(
      c,
      {
        name: 'ElevenLabs batch',
        agent_id: agentId,
        recipients: [{ phone: '+14155556001', first_name: 'Carol' }],
      },
      30_000,
    );
    expect(paused.batch).toMatchObject({ pause_reason: 'provider_auth', counts: { pending: 1, failed: 0 } });
    // Not the recipient's fault: it waits, no attempt counted, for a resume once the key is fixed.
    expect(paused.recipients[0]).toMatchObject({ status: 'pending', attempts: 0, error: null });
    expect(fake.calls().some((call) => call.to === '+14155556001')).toBe(false);
    expect((await c.post(`/v1/agents/batch-calls/${batchId}/stop`, {})).status).toBe(200);
  });

  it('retries a 429 without counting an attempt', async () => {
    const agentId = await agent(goodNumber);
    fake.faults.rateLimitNext = 1;
    const done = await runBatch(agentId, [{ phone: '+14155556101', first_name: 'Rita' }]);
    expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    expect(requestsTo('+14155556101').map((r) => r.status)).toEqual([429, 200]);
  });

  it('reconciles a call whose webhook never came (sent once: retries are opt-in)', async () => {
    const agentId = await agent(goodNumber);
    fake.faults.dropWebhooks = true;
    try {
      const done = await runBatch(agentId, [{ phone: '+14155556201', first_name: 'Quiet' }], 30_000);
      expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
      const conversation = await c.get(
        `/v1/agents/batch-calls/${done.batch.id}/recipients/${done.recipients[0].id}/conversation`,
      );
      expect(conversation.body.transcript[0].message).toContain('Hi Quiet');
      expect(requestsTo('+14155556201')).toHaveLength(1);
    } finally {
      fake.faults.dropWebhooks = false;
    }
  });

  it('never dials twice after a 5xx or a timeout after sending', async () => {
    const agentId = await agent(goodNumber);
    fake.faults.serverErrorNext = 1;
    const afterError = await runBatch(agentId, [{ phone: '+14155556301', first_name: 'Erin' }]);
    // ElevenLabs placed the call before failing: its webhook settles the recipient.
    expect(afterError.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    expect(requestsTo('+14155556301').map((r) => r.status)).toEqual([500]);

    fake.faults.hangNext = 1;
    const afterHang = await runBatch(agentId, [{ phone: '+14155556302', first_name: 'Hank' }]);
    expect(afterHang.recipients[0]).toMatchObject({ status: 'completed', attempts: 1 });
    expect(requestsTo('+14155556302')).toHaveLength(1);
  });
});
