import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refToString } from '#shared/domain/call-ref.ts';
import { startFakeVapi, type FakeVapi } from '../helpers/fake-vapi.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { runBatchToEnd, runBatchUntilPaused } from '../helpers/batch-run.ts';
import { pollUntil } from '../helpers/wait.ts';

/**
 * Whole batches through Vapi: the local service (real handlers, emulators, sweeper) with
 * VAPI_API_BASE_URL pointing at a local server that implements Vapi's documented API and server
 * messages, a phone number of provider `vapi` and an agent with its Vapi assistant id.
 */

const SERVER_SECRET = 'vapi_local_server_secret';
const API_KEY = 'vapi_local_private_key';

let fake: FakeVapi;
let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let receiver: WebhookReceiver | undefined;
let receiverUrl: string;
const received: any[] = [];
const agentSecrets: string[] = [];
let goodNumber: string;
let eventsUrl: string;

beforeAll(async () => {
  fake = await startFakeVapi({
    apiKey: API_KEY,
    serverAuth: { kind: 'x-vapi-secret', token: SERVER_SECRET },
    phoneNumbers: { 'pn-vapi-1': { number: '+14155550100' } },
    assistants: { 'asst-1': { firstMessage: 'Hi {{first_name}}, this is a reminder of your appointment.' } },
    callMs: 400,
  });
  receiver = await startWebhookReceiver(agentSecrets, ({ body }) => {
    received.push(body);
  });
  receiverUrl = receiver.url;

  service = await startLocalService({
    env: { VAPI_API_BASE_URL: fake.url, MAX_CALL_SECONDS: '2' },
    sweeperIntervalMs: 1_000,
  });
  eventsUrl = `${service.baseUrl}/v1/telephony/vapi/events`;
  fake.serverUrl = eventsUrl;
  c = client(service.baseUrl, service.apiKey);
  goodNumber = await phoneNumber('+14155550100', { api_key: API_KEY, webhook_secret: SERVER_SECRET });
}, 120_000);

afterAll(async () => {
  await fake?.close();
  await service?.stop();
  await receiver?.close();
});

async function phoneNumber(e164: string, credentials: Record<string, string>): Promise<string> {
  const res = await c.post('/v1/phone-numbers', {
    phone_number: e164,
    provider: 'vapi',
    credentials: { phone_number_id: 'pn-vapi-1', ...credentials },
    calls_per_second: 50,
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function agent(phoneNumberId: string): Promise<string> {
  const res = await c.post('/v1/agents', {
    name: 'Reminders',
    prompt: 'You remind {{first_name}} of an appointment.',
    phone_number_id: phoneNumberId,
    telephony: { vapi_assistant_id: 'asst-1' },
    webhook_url: receiverUrl,
    webhook_events: ['conversation.completed', 'call.failed'],
  });
  expect(res.status, res.text).toBe(201);
  agentSecrets.push(res.body.webhook_secret);
  return res.body.id;
}

async function runBatch(agentId: string, recipients: unknown[], timeoutMs = 30_000) {
  const { done } = await runBatchToEnd(
    c,
    { name: 'Vapi batch', agent_id: agentId, recipients, ringing_timeout_ms: 1_000, max_concurrent_calls: 1 },
    { timeoutMs },
  );
  return done;
}

const requestsTo = (to: string) => fake.createRequests().filter((r) => r.to === to);
/** The server messages about calls to these numbers. */
function messagesTo(phones: string[]) {
  const ids = new Set(
    fake
      .calls()
      .filter((x) => phones.includes(x.to))
      .map((x) => x.id),
  );
  return fake.serverMessages().filter((m) => ids.has(m.callId));
}

describe('Vapi as the dialer', () => {
  it('completes a batch; every endedReason maps to its outcome; reports are mapped into conversation.completed', async () => {
    const agentId = await agent(goodNumber);
    const done = await runBatch(agentId, [
      { phone: '+14155551234', first_name: 'Alice' },
      { phone: '+14155550004', first_name: 'Machine' },
      { phone: '+14155550001', first_name: 'Busy' },
      { phone: '+14155550002', first_name: 'Nobody' },
      { phone: '+14155550003', first_name: 'Broken' },
    ]);
    expect(done.batch).toMatchObject({
      status: 'completed',
      counts: { pending: 0, dialing: 0, completed: 2, failed: 3 },
    });
    const by = Object.fromEntries(done.recipients.map((r: any) => [r.dynamic_vars.first_name, r]));
    expect(by.Alice).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1, error: null });
    expect(by.Machine).toMatchObject({ status: 'completed', outcome: 'voicemail' });
    expect(by.Busy).toMatchObject({
      status: 'failed',
      outcome: 'busy',
      error: 'Vapi ended the call: customer-busy',
    });
    expect(by.Nobody).toMatchObject({ status: 'failed', outcome: 'no_answer' });
    expect(by.Broken).toMatchObject({ status: 'failed', outcome: 'failed' });
    expect(by.Broken.error).toContain('twilio-failed-to-connect-call');

    const conversation = await c.get(
      `/v1/agents/batch-calls/${done.batch.id}/recipients/${by.Alice.id}/conversation`,
    );
    expect(conversation.status, conversation.text).toBe(200);
    expect(conversation.body.transcript.map((t: any) => t.role)).toEqual(['agent', 'user', 'agent']);
    expect(conversation.body.transcript[0].message).toBe('Hi Alice, this is a reminder of your appointment.');
    expect(conversation.body.evaluations).toEqual([
      { id: 'success_evaluation', result: 'success', rationale: 'The customer confirmed.' },
    ]);
    expect(conversation.body.data_collection).toEqual({
      callback_time: { value: 'Friday 9am', rationale: '' },
      confirmed: { value: true, rationale: '' },
    });
    expect(conversation.body.recording_url).toMatch(/^https:\/\/storage\.vapi\.ai\//);

    const call = fake.calls().find((x) => x.to === '+14155551234');
    // Our ref rides where Vapi documents caller data: assistantOverrides.metadata, echoed in the Call.
    expect(call?.assistantOverrides.metadata).toMatchObject({
      batch_calls_ref: refToString({
        workspaceId: service.workspaceId,
        batchId: done.batch.id,
        recipientIndex: 0,
        attempt: 1,
      }),
    });
    expect(call?.variableValues).toEqual({ first_name: 'Alice' });
    for (const r of done.recipients) expect(requestsTo(r.phone)).toHaveLength(1);
    // Settled by the reports themselves, and only they are asked for: one callback per call, no
    // status updates to verify and drop (issue 16's fewest callbacks).
    expect(call?.assistantOverrides.serverMessages).toEqual(['end-of-call-report']);
    // The fake records a message once our answer is back, which may be after the batch reads completed.
    const messages = await pollUntil(
      () => messagesTo(done.recipients.map((r: any) => r.phone)),
      (m) => m.length >= 5,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(messages.map((m) => m.type)).toEqual(Array(5).fill('end-of-call-report'));
    expect(messages.filter((m) => m.status !== 200)).toEqual([]);

    const alice: any = await pollUntil(
      () =>
        received.find(
          (e) =>
            e.type === 'conversation.completed' &&
            e.data.batch_id === done.batch.id &&
            e.data.dynamic_vars.first_name === 'Alice',
        ),
      Boolean,
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(alice?.data).toMatchObject({
      outcome: 'answered',
      evaluations: [{ id: 'success_evaluation', result: 'success' }],
      data_collection: { callback_time: { value: 'Friday 9am' } },
    });
  });

  it("accepts Vapi's Bearer server credential (Authorization: Bearer) as well as x-vapi-secret", async () => {
    const agentId = await agent(goodNumber);
    fake.serverAuth = { kind: 'bearer', token: SERVER_SECRET };
    try {
      const done = await runBatch(agentId, [
        { phone: '+14155556401', first_name: 'Bea' },
        { phone: '+14155550001', first_name: 'Busy' },
      ]);
      const by = Object.fromEntries(done.recipients.map((r: any) => [r.dynamic_vars.first_name, r]));
      expect(by.Bea).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
      expect(by.Busy).toMatchObject({ status: 'failed', outcome: 'busy' });
      const mine = messagesTo(['+14155556401']);
      expect(mine.filter((m) => m.type === 'end-of-call-report').map((m) => m.status)).toEqual([200]);
      expect(mine.filter((m) => m.status !== 200)).toEqual([]);
    } finally {
      fake.serverAuth = { kind: 'x-vapi-secret', token: SERVER_SECRET };
    }
  });

  it('refuses a server message without the right secret, in either header; nothing changes', async () => {
    const agentId = await agent(goodNumber);
    const done = await runBatch(agentId, [{ phone: '+14155556501', first_name: 'Vic' }]);
    const real = fake.calls().find((x) => x.to === '+14155556501');
    if (!real) throw new Error('no call');
    const forged = (callId: string, withRef: boolean) =>
      JSON.stringify({
        message: {
          type: 'end-of-call-report',
          endedReason: 'customer-busy',
          artifact: { messages: [] },
          analysis: {},
          call: {
            id: callId,
            ...(withRef
              ? {
                  assistantOverrides: {
                    metadata: {
                      batch_calls_ref: refToString({
                        workspaceId: service.workspaceId,
                        batchId: done.batch.id,
                        recipientIndex: 0,
                        attempt: 1,
                      }),
                    },
                  },
                }
              : {}),
          },
        },
      });
    const post = (headers: Record<string, string>, body: string) =>
      fetch(eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    for (const body of [forged(real.id, true), forged(real.id, false), forged('call-unknown', false)]) {
      expect((await post({}, body)).status).toBe(401);
      expect((await post({ 'x-vapi-secret': 'guess' }, body)).status).toBe(401);
      expect((await post({ 'x-vapi-secret': `${SERVER_SECRET}x` }, body)).status).toBe(401);
      expect((await post({ authorization: 'Bearer guess' }, body)).status).toBe(401);
      expect((await post({ authorization: SERVER_SECRET }, body)).status).toBe(401);
    }
    const after = await c.get(`/v1/agents/batch-calls/${done.batch.id}`);
    expect(after.body.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered' });
  });

  it("pauses the batch when Vapi refuses the number's API key, failing nobody (provider_auth)", async () => {
    const badNumber = await phoneNumber('+14155550199', { api_key: 'wrong', webhook_secret: SERVER_SECRET });
    const agentId = await agent(badNumber);
    const { batchId, paused } = await runBatchUntilPaused(
      c,
      { name: 'Vapi batch', agent_id: agentId, recipients: [{ phone: '+14155556001', first_name: 'Carol' }] },
      30_000,
    );
    expect(paused.batch).toMatchObject({ pause_reason: 'provider_auth', counts: { pending: 1, failed: 0 } });
    // Not the recipient's fault: it waits, no attempt counted, for a resume once the key is fixed.
    expect(paused.recipients[0]).toMatchObject({ status: 'pending', attempts: 0, error: null });
    expect(fake.calls().some((call) => call.to === '+14155556001')).toBe(false);
    expect((await c.post(`/v1/agents/batch-calls/${batchId}/stop`, {})).status).toBe(200);
  });

  it('fails a recipient whose number Vapi refuses, naming the reason', async () => {
    const agentId = await agent(goodNumber);
    const done = await runBatch(agentId, [{ phone: '+14155559999', first_name: 'Dnc' }]);
    expect(done.recipients[0]).toMatchObject({ status: 'failed', outcome: 'failed', attempts: 1 });
    expect(done.recipients[0].error).toContain('do-not-call');
  });

  it('retries a 429 without counting an attempt', async () => {
    const agentId = await agent(goodNumber);
    fake.faults.rateLimitNext = 1;
    const done = await runBatch(agentId, [{ phone: '+14155556101', first_name: 'Rita' }]);
    expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    expect(requestsTo('+14155556101').map((r) => r.status)).toEqual([429, 201]);
  });

  it('reconciles calls whose report never came, and those of a number without webhook_secret', async () => {
    const agentId = await agent(goodNumber);
    fake.faults.dropServerMessages = true;
    try {
      const done = await runBatch(agentId, [{ phone: '+14155556201', first_name: 'Quiet' }]);
      expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
      expect(requestsTo('+14155556201')).toHaveLength(1);
    } finally {
      fake.faults.dropServerMessages = false;
    }

    // Without webhook_secret nothing can authenticate Vapi's messages: they are refused (401) and
    // the sweeper settles each call from GET /call/{id}.
    const unsigned = await phoneNumber('+14155550198', { api_key: API_KEY });
    const unsignedAgent = await agent(unsigned);
    const done = await runBatch(unsignedAgent, [
      { phone: '+14155556202', first_name: 'Una' },
      { phone: '+14155550001', first_name: 'Busy' },
    ]);
    const by = Object.fromEntries(done.recipients.map((r: any) => [r.dynamic_vars.first_name, r]));
    expect(by.Una).toMatchObject({ status: 'completed', outcome: 'answered' });
    expect(by.Busy).toMatchObject({ status: 'failed', outcome: 'busy' });
    const reports = fake
      .serverMessages()
      .filter(
        (m) =>
          m.type === 'end-of-call-report' &&
          fake.calls().find((x) => x.id === m.callId)?.to === '+14155556202',
      );
    expect(reports.map((m) => m.status)).toEqual([401]);
  });

  it('never dials twice after a 5xx or a timeout after sending', async () => {
    const agentId = await agent(goodNumber);
    fake.faults.serverErrorNext = 1;
    const afterError = await runBatch(agentId, [{ phone: '+14155556301', first_name: 'Erin' }]);
    expect(afterError.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 1 });
    expect(requestsTo('+14155556301').map((r) => r.status)).toEqual([500]);

    fake.faults.hangNext = 1;
    const afterHang = await runBatch(agentId, [{ phone: '+14155556302', first_name: 'Hank' }]);
    expect(afterHang.recipients[0]).toMatchObject({ status: 'completed', attempts: 1 });
    expect(requestsTo('+14155556302')).toHaveLength(1);
  });
});
