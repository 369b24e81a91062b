import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { maxLiveCalls } from '../helpers/live-calls.ts';
import { waitForBatchEnd } from '../helpers/batch-run.ts';
import { pollUntil, sleep, waitFor } from '../helpers/wait.ts';

/**
 * Running batches end to end, in the same handler code Lambda runs: DynamoDB Local with its stream,
 * the SQS, S3 and Scheduler emulators, the pollers, the simulated telephone network calling back
 * over HTTP, and a webhook receiver that verifies every delivery with the standardwebhooks library.
 */

interface Received {
  id: string;
  type: string;
  body: any;
}

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let receiver: WebhookReceiver | undefined;
let receiverUrl: string;
const received: Received[] = [];
const secrets: string[] = [];
let phoneNumberId: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver(secrets, ({ id, body }) => {
    received.push({ id, type: body.type, body });
  });
  receiverUrl = receiver.url;

  service = await startLocalService({ simCallMs: 300, sweeperIntervalMs: 1_000 });
  c = client(service.baseUrl, service.apiKey);
  const phone = await c.post('/v1/phone-numbers', {
    phone_number: '+14155550100',
    provider: 'simulated',
    calls_per_second: 50,
  });
  expect(phone.status, phone.text).toBe(201);
  phoneNumberId = phone.body.id;
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await receiver?.close();
});

async function makeAgent(extra: Record<string, unknown> = {}) {
  const res = await c.post('/v1/agents', {
    name: 'Reminders',
    prompt: 'You remind {{first_name}} of an appointment.',
    first_message: 'Hi {{first_name}}, this is a reminder of your appointment.',
    phone_number_id: phoneNumberId,
    webhook_url: receiverUrl,
    webhook_events: ['conversation.completed', 'call.failed', 'batch.completed', 'batch.failed'],
    evaluation_criteria: [{ id: 'confirmed', description: 'The customer confirmed the appointment.' }],
    data_collection: [{ id: 'callback_time', type: 'string', description: 'When to call back.' }],
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
  secrets.push(res.body.webhook_secret);
  return res.body.id as string;
}

/** Polls the detail until the batch is finished, checking on every poll that the counts add up. */
const waitForEnd = (batchId: string, timeoutMs = 45_000) => waitForBatchEnd(c, batchId, { timeoutMs });

describe('running a batch', () => {
  it("Alice and Bob's batch completes; every outcome of the simulated network is recorded and sent", async () => {
    const agentId = await makeAgent();
    const res = await c.post('/v1/agents/batch-calls', {
      name: 'Appointment reminders',
      agent_id: agentId,
      recipients: [
        { phone: '+14155551234', dynamic_vars: { first_name: 'Alice', appointment_date: 'May 5th at 2pm' } },
        { phone: '+14155555678', dynamic_vars: { first_name: 'Bob', appointment_date: 'May 6th at 10am' } },
        { phone: '+14155550001', first_name: 'Busy' },
        { phone: '+14155550002', first_name: 'Nobody' },
        { phone: '+14155550003', first_name: 'Broken' },
        { phone: '+14155550004', first_name: 'Machine' },
      ],
    });
    expect(res.status, res.text).toBe(202);
    const batchId = res.body.id;

    const done = await waitForEnd(batchId);
    expect(done.batch).toMatchObject({
      status: 'completed',
      counts: { pending: 0, dialing: 0, completed: 3, failed: 3 },
    });
    expect(done.batch.started_at).toBeTruthy();
    expect(done.batch.completed_at).toBeTruthy();
    const byName = Object.fromEntries(done.recipients.map((r: any) => [r.dynamic_vars.first_name, r]));
    expect(byName.Alice).toMatchObject({
      status: 'completed',
      outcome: 'answered',
      attempts: 1,
      error: null,
    });
    expect(byName.Alice.conversation_id).toMatch(/^conv_/);
    expect(typeof byName.Alice.duration_secs).toBe('number'); // a 300 ms simulated call rounds to 0 s
    expect(byName.Bob).toMatchObject({ status: 'completed', outcome: 'answered' });
    expect(byName.Machine).toMatchObject({ status: 'completed', outcome: 'voicemail' });
    expect(byName.Busy).toMatchObject({ status: 'failed', outcome: 'busy', attempts: 1 });
    expect(byName.Nobody).toMatchObject({ status: 'failed', outcome: 'no_answer' });
    expect(byName.Broken).toMatchObject({ status: 'failed', outcome: 'failed' });
    for (const r of [byName.Busy, byName.Nobody, byName.Broken]) expect(r.error).toBeTruthy();

    // The transcript starts with the agent's first message, rendered for Alice.
    const conversation = await c.get(
      `/v1/agents/batch-calls/${batchId}/recipients/${byName.Alice.id}/conversation`,
    );
    expect(conversation.status, conversation.text).toBe(200);
    expect(conversation.body.transcript[0]).toMatchObject({ role: 'agent' });
    expect(conversation.body.transcript[0].message).toContain('Hi Alice');
    expect(conversation.body.transcript[0].message).not.toContain('{{');
    expect(conversation.body.evaluations.map((e: any) => e.id)).toEqual(['confirmed']);
    expect(Object.keys(conversation.body.data_collection)).toEqual(['callback_time']);

    // Webhooks: one per event, each verified by the receiver, with a stable, unique webhook-id.
    const mine = () =>
      received.filter((r) => r.body.data?.batch_id === batchId || r.body.data?.id === batchId);
    await waitFor(() => mine().length >= 7 && mine(), {
      what: '7 webhooks',
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const events = mine();
    const completedFor = events
      .filter((e) => e.type === 'conversation.completed')
      .map((e) => e.body.data.dynamic_vars.first_name);
    expect(completedFor.sort()).toEqual(['Alice', 'Bob', 'Machine']);
    const failedFor = events.filter((e) => e.type === 'call.failed').map((e) => e.body.data.outcome);
    expect(failedFor.sort()).toEqual(['busy', 'failed', 'no_answer']);
    expect(events.filter((e) => e.type === 'batch.completed')).toHaveLength(1);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const alice = events.find(
      (e) => e.type === 'conversation.completed' && e.body.data.dynamic_vars.first_name === 'Alice',
    );
    expect(alice?.body.data).toMatchObject({
      phone: '+14155551234',
      status: 'completed',
      outcome: 'answered',
      agent_id: agentId,
    });
    expect(alice?.body.data.transcript[0].message).toContain('Hi Alice');

    // The delivery log: every event delivered (the receiver answered 204), attempts recorded.
    const deliveries: any[] = await pollUntil(
      async () => {
        const log = await c.get(`/v1/agents/batch-calls/${batchId}/webhook-deliveries`);
        expect(log.status).toBe(200);
        return log.body.deliveries;
      },
      (all) => all.length === 7 && all.every((d: any) => d.status === 'delivered'),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(deliveries.map((d) => d.status)).toEqual(Array(7).fill('delivered'));
    const delivered = deliveries[0];
    expect(delivered.attempts.at(-1)).toMatchObject({ status_code: 204, error: null });
    expect(delivered.id).toMatch(/^whd_/);

    // Redeliver sends the same webhook-id again.
    const count = received.filter((r) => r.id === delivered.webhook_id).length;
    const again = await c.post(`/v1/webhook-deliveries/${delivered.id}/redeliver`);
    expect(again.status, again.text).toBe(202);
    await waitFor(() => received.filter((r) => r.id === delivered.webhook_id).length > count, {
      what: 'the redelivery',
      timeoutMs: 20_000,
      intervalMs: 100,
    });

    // Each attempt was dialed exactly once.
    const calls = service.network.calls().filter((call) => call.request.ref?.batch_id === batchId);
    expect(calls.map((call) => call.to).sort()).toEqual([
      '+14155550001',
      '+14155550002',
      '+14155550003',
      '+14155550004',
      '+14155551234',
      '+14155555678',
    ]);
    expect(calls.every((call) => call.requests === 1)).toBe(true);
  });

  it('never has more live calls than max_concurrent_calls, and places each call once', async () => {
    const agentId = await makeAgent();
    const before = service.network.stats().placements;
    const recipients = Array.from({ length: 8 }, (_, i) => ({
      phone: `+1415555${2000 + i}`,
      first_name: `R${i}`,
    }));
    const res = await c.post('/v1/agents/batch-calls', {
      name: 'Slots',
      agent_id: agentId,
      recipients,
      max_concurrent_calls: 2,
    });
    expect(res.status).toBe(202);
    const done = await waitForEnd(res.body.id);
    expect(done.batch.counts).toMatchObject({ completed: 8, failed: 0 });
    expect(service.network.stats().placements - before).toBe(8);
    const calls = service.network.calls().filter((call) => call.request.ref?.batch_id === res.body.id);
    expect(calls).toHaveLength(8);
    expect(calls.every((call) => call.requests === 1)).toBe(true);
    const maxLive = maxLiveCalls(calls);
    expect(maxLive).toBe(2);
    expect(done.recipients.every((r: any) => r.attempts === 1)).toBe(true);
  });

  it('fails a recipient whose variables are missing, and never speaks a literal {{key}}', async () => {
    const agentId = await makeAgent();
    const res = await c.post('/v1/agents/batch-calls', {
      name: 'Missing vars',
      agent_id: agentId,
      // Without it create refuses the batch (api-preflight.test.ts); with it, dial still fails the row.
      allow_missing_variables: true,
      recipients: [{ phone: '+14155553000', first_name: 'Ann' }, { phone: '+14155553001' }],
    });
    const done = await waitForEnd(res.body.id);
    expect(done.batch.status).toBe('completed');
    expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered' });
    expect(done.recipients[1]).toMatchObject({ status: 'failed', outcome: 'failed', attempts: 0 });
    expect(done.recipients[1].error).toContain('first_name');
  });

  it('starts a scheduled batch at its time, not before; a cancelled one never dials', async () => {
    const agentId = await makeAgent();
    const at = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
    const scheduled = await c.post('/v1/agents/batch-calls', {
      name: 'Later',
      agent_id: agentId,
      scheduled_at: at.toISOString(),
      recipients: [{ phone: '+14155554000', first_name: 'Sam' }],
    });
    const cancelled = await c.post('/v1/agents/batch-calls', {
      name: 'Never',
      agent_id: agentId,
      scheduled_at: at.toISOString(),
      recipients: [{ phone: '+14155554001', first_name: 'Neve' }],
    });
    expect(scheduled.body.status).toBe('scheduled');
    expect((await c.post(`/v1/agents/batch-calls/${cancelled.body.id}/cancel`)).body.status).toBe(
      'cancelled',
    );

    await sleep(Math.max(0, at.getTime() - Date.now() - 1_000));
    expect((await c.get(`/v1/agents/batch-calls/${scheduled.body.id}`)).body.batch.status).toBe('scheduled');

    const done = await waitForEnd(scheduled.body.id, 20_000);
    expect(done.batch.status).toBe('completed');
    const startedAt = Date.parse(done.batch.started_at);
    expect(startedAt).toBeGreaterThanOrEqual(at.getTime());
    expect(startedAt - at.getTime()).toBeLessThan(2_000);

    await sleep(1_500);
    const never = await c.get(`/v1/agents/batch-calls/${cancelled.body.id}`);
    expect(never.body.batch.status).toBe('cancelled');
    // Round two: a cancel skips the recipients of the batch (contract "New recipient status skipped").
    expect(never.body.batch.counts).toMatchObject({ pending: 0, skipped: 1 });
    expect(never.body.recipients[0]).toMatchObject({
      status: 'skipped',
      skip_reason: 'batch_cancelled',
      attempts: 0,
    });
    expect(service.network.calls().some((call) => call.to === '+14155554001')).toBe(false);
  });

  it('fails a batch whose agent was deleted before it started, and says why', async () => {
    const agentId = await makeAgent();
    const at = new Date(Date.now() + 2_500);
    const res = await c.post('/v1/agents/batch-calls', {
      name: 'Orphan',
      agent_id: agentId,
      scheduled_at: at.toISOString(),
      recipients: [{ phone: '+14155555000', first_name: 'Olga' }],
    });
    expect((await c.del(`/v1/agents/${agentId}`)).status).toBe(204);
    const done = await waitForEnd(res.body.id, 20_000);
    expect(done.batch.status).toBe('failed');
    expect(done.batch.failure_reason).toContain('deleted');
    expect(done.recipients[0].attempts).toBe(0);
  });

  it('refuses a forged callback and ignores a replayed one', async () => {
    const forged = await fetch(`${service.baseUrl}/v1/telephony/simulated/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-simulated-signature': 't=1,v1=00' },
      body: JSON.stringify({ type: 'call.ended' }),
    });
    expect(forged.status).toBe(401);
    const unknown = await fetch(`${service.baseUrl}/v1/telephony/nope/events`, {
      method: 'POST',
      body: '{}',
    });
    expect(unknown.status).toBe(404);
  });
});
