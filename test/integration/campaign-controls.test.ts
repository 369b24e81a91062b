import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForBatchEnd } from '../helpers/batch-run.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope, seedAgent } from '../helpers/seed.ts';
import { pollUntil, sleep, waitFor } from '../helpers/wait.ts';
import {
  startWebhookReceiver,
  type VerifiedDelivery,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.ts';

/**
 * Campaign controls end to end on the local service (contract "Campaign controls"): retries that wait
 * without holding a call slot and wake the batch at their due time, pause / resume / stop, calling
 * windows, the attempt history, and the events each of them sends.
 */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let receiver: WebhookReceiver;
const secrets: string[] = [];
const deliveries: VerifiedDelivery[] = [];
let agentId: string;

const ALL_EVENTS = [
  'conversation.completed',
  'call.failed',
  'call.retry_scheduled',
  'batch.completed',
  'batch.paused',
  'batch.resumed',
  'batch.cancelled',
];

beforeAll(async () => {
  service = await startLocalService({ simCallMs: 1_500 });
  c = client(service.baseUrl, service.apiKey);
  receiver = await startWebhookReceiver(secrets, (d) => {
    deliveries.push(d);
  });
  const seeded = await seedAgent(c, {
    prompt: 'Remind {{first_name}} of the appointment.',
    first_message: 'Hi {{first_name}}!',
    webhook_url: receiver.url,
    webhook_events: ALL_EVENTS,
    max_concurrent_calls: 1,
  });
  agentId = seeded.agentId;
  const agent = await c.get(`/v1/agents/${agentId}`);
  expect(agent.status).toBe(200);
  // The secret is returned by the create only: read it back from a rotation.
  const rotated = await c.post(`/v1/agents/${agentId}/webhook-secret`, {});
  expect(rotated.status, rotated.text).toBe(200);
  secrets.push(rotated.body.webhook_secret);
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await service?.stop();
});

const eventsOf = (batchId: string) =>
  deliveries.filter((d) => (d.body.data?.batch_id ?? d.body.data?.id) === batchId);

async function create(body: Record<string, unknown>) {
  const res = await c.post('/v1/agents/batch-calls', { agent_id: agentId, ...body });
  expect(res.status, res.text).toBe(202);
  return res.body;
}

describe('retries', () => {
  it('waits without a call slot, wakes at the due time, and records every attempt', async () => {
    const batch = await create({
      name: 'Retries',
      recipients: [
        { phone: '+14155550005', first_name: 'Second-time' },
        { phone: '+14155550006', first_name: 'Always-busy' },
        { phone: '+14155551234', first_name: 'Alice' },
      ],
      retry: { max_attempts: 2, rules: { no_answer: { delay_seconds: 60 }, busy: { delay_seconds: 60 } } },
    });
    expect(batch.retry).toEqual({
      max_attempts: 2,
      rules: { no_answer: { delay_seconds: 60 }, busy: { delay_seconds: 60 } },
    });

    // After the first round, two recipients wait for their retry; the third call went ahead meanwhile
    // (a waiting recipient holds no call slot: max_concurrent_calls is 1).
    const waiting = await pollUntil(
      async () => (await c.get(`/v1/agents/batch-calls/${batch.id}`)).body,
      // The batch item and the recipients are two reads: a response between them can show the end
      // in one and not yet in the other, so both must show it.
      (d) =>
        d.recipients[2].status === 'completed' &&
        d.recipients[1].attempts === 1 &&
        d.batch.counts.completed === 1,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(waiting.batch.status).toBe('running');
    const [first, second] = waiting.recipients;
    expect(first).toMatchObject({ status: 'pending', attempts: 1, outcome: 'no_answer' });
    expect(second).toMatchObject({ status: 'pending', attempts: 1, outcome: 'busy' });
    const due = Date.parse(first.next_attempt_at);
    expect(due - Date.parse(first.ended_at)).toBe(60_000);
    expect(waiting.batch.counts).toMatchObject({ pending: 2, dialing: 0, completed: 1 });

    const retried = await waitFor(
      () =>
        eventsOf(batch.id).filter((d) => d.body.type === 'call.retry_scheduled').length === 2 &&
        eventsOf(batch.id).filter((d) => d.body.type === 'call.retry_scheduled'),
      { timeoutMs: 20_000, what: 'two call.retry_scheduled events' },
    );
    for (const d of retried) {
      expect(d.body.data).toMatchObject({ attempt: 1, status: 'pending' });
      expect(typeof d.body.data.next_attempt_at).toBe('string');
    }
    expect(eventsOf(batch.id).some((d) => d.body.type === 'call.failed')).toBe(false);

    const done = await waitForBatchEnd(c, batch.id, { timeoutMs: 90_000, intervalMs: 500 });
    expect(done.batch.status).toBe('completed');
    const [answeredLater, busy] = done.recipients;
    expect(answeredLater).toMatchObject({ status: 'completed', outcome: 'answered', attempts: 2 });
    expect(busy).toMatchObject({ status: 'failed', outcome: 'busy', attempts: 2 });
    // The second attempt started at its due time (woken by its schedule), not before.
    const history = (await c.get(`/v1/agents/batch-calls/${batch.id}/recipients/${answeredLater.id}`)).body;
    expect(history.attempt_history).toHaveLength(2);
    expect(history.attempt_history[0]).toMatchObject({
      attempt: 1,
      outcome: 'no_answer',
      timezone: 'America/Los_Angeles',
    });
    expect(history.attempt_history[1]).toMatchObject({ attempt: 2, outcome: 'answered' });
    expect(Date.parse(history.attempt_history[1].started_at)).toBeGreaterThanOrEqual(due);
    expect(history.attempt_history[1].local_started_at).toMatch(/-0[78]:00$/);

    // Each person was called once per attempt, never twice for one.
    const calls = service.network.calls();
    expect(calls.filter((call) => call.to === '+14155550005')).toHaveLength(2);
    expect(calls.filter((call) => call.to === '+14155550006')).toHaveLength(2);
    // One consumer invocation sends its webhooks in parallel: call.failed may arrive after batch.completed.
    const typesSeen = () => eventsOf(batch.id).map((d) => d.body.type);
    await waitFor(() => typesSeen().includes('batch.completed') && typesSeen().includes('call.failed'), {
      timeoutMs: 10_000,
      what: 'batch.completed and call.failed',
    });
    const failed = eventsOf(batch.id).filter((d) => d.body.type === 'call.failed');
    expect(failed.map((d) => d.body.data.phone)).toEqual(['+14155550006']);
  }, 150_000);
});

describe('pause, resume, stop', () => {
  it('pauses (live calls finish), resumes, and stops with the rest skipped', async () => {
    const phones = Array.from({ length: 6 }, (_, i) => ({ phone: `+1415555120${i}`, first_name: `P${i}` }));
    const batch = await create({ name: 'Controls', recipients: phones });
    await waitFor(
      async () => (await c.get(`/v1/agents/batch-calls/${batch.id}`)).body.batch.counts.dialing === 1,
      {
        timeoutMs: 15_000,
        what: 'the first call',
      },
    );

    const paused = await c.post(`/v1/agents/batch-calls/${batch.id}/pause`, {});
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', pause_reason: 'user' });
    expect((await c.post(`/v1/agents/batch-calls/${batch.id}/pause`, {})).status).toBe(200);

    // The live call finishes; nothing new starts while paused.
    const settled = await pollUntil(
      async () => (await c.get(`/v1/agents/batch-calls/${batch.id}`)).body.batch,
      (b) => b.counts.dialing === 0 && b.counts.completed >= 1,
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const callsWhenPaused = service.network.calls().length;
    await sleep(3_000);
    expect(service.network.calls().length).toBe(callsWhenPaused);
    expect((await c.get(`/v1/agents/batch-calls/${batch.id}`)).body.batch.counts.completed).toBe(
      settled.counts.completed,
    );

    const resumed = await c.post(`/v1/agents/batch-calls/${batch.id}/resume`, {});
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.body).toMatchObject({ status: 'running', pause_reason: null });
    await waitFor(() => service.network.calls().length > callsWhenPaused, {
      timeoutMs: 15_000,
      what: 'dialing to resume',
    });

    const stopped = await c.post(`/v1/agents/batch-calls/${batch.id}/stop`, {});
    expect(stopped.status, stopped.text).toBe(200);
    expect(['stopping', 'cancelled']).toContain(stopped.body.status);
    const done = await waitForBatchEnd(c, batch.id, { timeoutMs: 20_000 });
    expect(done.batch.status).toBe('cancelled');
    expect(done.batch.stopped_at).not.toBeNull();
    const skipped = done.recipients.filter((r: any) => r.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((r: any) => r.skip_reason === 'batch_stopped' && r.attempts === 0)).toBe(true);
    expect(done.batch.counts.skipped).toBe(skipped.length);
    // Whoever was not skipped was called exactly once.
    const called = service.network.calls().filter((call) => phones.some((p) => p.phone === call.to));
    expect(called).toHaveLength(phones.length - skipped.length);

    const types = await waitFor(
      () => {
        const seen = eventsOf(batch.id).map((d) => d.body.type);
        // Sent in parallel by one consumer invocation, the three may arrive in any order.
        return ['batch.cancelled', 'batch.paused', 'batch.resumed'].every((t) => seen.includes(t)) && seen;
      },
      { timeoutMs: 10_000, what: 'batch.paused, batch.resumed and batch.cancelled' },
    );
    expect(types.filter((t) => t === 'batch.paused')).toHaveLength(1);
    expect(types.filter((t) => t === 'batch.resumed')).toHaveLength(1);
    const pausedEvent = eventsOf(batch.id).find((d) => d.body.type === 'batch.paused');
    expect(pausedEvent?.body.data).toMatchObject({ id: batch.id, pause_reason: 'user' });

    // Finished: the controls answer with their conflicts, or the batch again where they are no-ops.
    expectEnvelope(await c.post(`/v1/agents/batch-calls/${batch.id}/pause`, {}), 409, 'batch_not_pausable');
    expectEnvelope(await c.post(`/v1/agents/batch-calls/${batch.id}/resume`, {}), 409, 'batch_not_resumable');
    expect((await c.post(`/v1/agents/batch-calls/${batch.id}/stop`, {})).status).toBe(200);
  }, 90_000);

  it('refuses to stop a finished batch, and stops a scheduled one as a cancel', async () => {
    const scheduled = await create({
      name: 'Later',
      recipients: [{ phone: '+14155551300', first_name: 'Later' }],
      scheduled_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const stopped = await c.post(`/v1/agents/batch-calls/${scheduled.id}/stop`, {});
    expect(stopped.status, stopped.text).toBe(200);
    expect(stopped.body).toMatchObject({ status: 'cancelled', counts: { pending: 0, skipped: 1 } });
    expectEnvelope(
      await c.post(`/v1/agents/batch-calls/${scheduled.id}/resume`, {}),
      409,
      'batch_not_resumable',
    );

    const quick = await create({ name: 'Quick', recipients: [{ phone: '+14155551301', first_name: 'Q' }] });
    const done = await waitForBatchEnd(c, quick.id, { timeoutMs: 20_000 });
    expect(done.batch.status).toBe('completed');
    expectEnvelope(await c.post(`/v1/agents/batch-calls/${quick.id}/stop`, {}), 409, 'batch_not_stoppable');
  }, 40_000);
});

describe('suppressions and duplicates at create and before each dial', () => {
  it('skips suppressed phones and repeated rows, passes their turns on, and dials nobody twice', async () => {
    const suppressedAtCreate = '+14155551801';
    const suppressedLater = '+14155551804';
    expect((await c.post('/v1/suppressions', { phone: suppressedAtCreate, reason: 'asked' })).status).toBe(
      201,
    );
    const rows = ['+14155551800', suppressedAtCreate, '+14155551800', '+14155551803', suppressedLater];
    const rejected = await c.post('/v1/agents/batch-calls', {
      name: 'Dupes',
      agent_id: agentId,
      duplicates: 'reject',
      recipients: rows.map((phone) => ({ phone, first_name: 'D' })),
    });
    expectEnvelope(rejected, 400, 'validation_error');
    expect(rejected.body.error.fields).toEqual([
      { path: 'recipients[2].phone', message: 'repeats the phone of recipients[0] (duplicates: reject)' },
    ]);

    // max_concurrent_calls is 1: the suppressed-later phone waits long enough to be suppressed first.
    const batch = await create({
      name: 'Dupes',
      duplicates: 'skip',
      recipients: rows.map((phone) => ({ phone, first_name: 'D' })),
    });
    expect(batch).toMatchObject({ duplicates: 'skip', counts: { pending: 3, skipped: 2 } });
    expect((await c.post('/v1/suppressions', { phone: suppressedLater })).status).toBe(201);

    const done = await waitForBatchEnd(c, batch.id, { timeoutMs: 30_000 });
    expect(done.batch).toMatchObject({ status: 'completed', counts: { completed: 2, skipped: 3 } });
    expect(done.recipients.map((r: any) => r.skip_reason)).toEqual([
      null,
      'suppressed',
      'duplicate',
      null,
      'suppressed',
    ]);
    const called = service.network.calls().map((call) => call.to);
    expect(called.filter((to) => to === '+14155551800')).toHaveLength(1);
    expect(called).not.toContain(suppressedAtCreate);
    expect(called).not.toContain(suppressedLater);
  }, 45_000);
});

describe('contact limit across batches', () => {
  it('two batches racing for one phone dial it once; the other attempt waits for the window', async () => {
    const shared = '+14155551900';
    const limit = { max_attempts: 1, window_hours: 24 };
    // Created at the same moment, each batch dials the shared phone first: the claims race.
    const [a, b] = await Promise.all(
      ['A', 'B'].map((tag) =>
        create({
          name: `Limit ${tag}`,
          contact_limit: limit,
          recipients: [
            { phone: shared, first_name: tag },
            { phone: tag === 'A' ? '+14155551901' : '+14155551902', first_name: tag },
          ],
        }),
      ),
    );
    expect(a.contact_limit).toEqual(limit);

    // Each batch ends its own other phone; exactly one of them reached the shared phone.
    const settled = await pollUntil(
      async () =>
        Promise.all([a, b].map(async (batch) => (await c.get(`/v1/agents/batch-calls/${batch.id}`)).body)),
      (details) =>
        details.every((d: any) => d.recipients[1].status === 'completed') &&
        details.filter((d: any) => d.recipients[0].status === 'completed').length === 1 &&
        details.some((d: any) => d.recipients[0].next_attempt_at !== null),
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(service.network.calls().filter((call) => call.to === shared)).toHaveLength(1);
    const dialed = settled.find((d: any) => d.recipients[0].status === 'completed');
    const waiting = settled.find((d: any) => d.recipients[0].status === 'pending');
    expect(waiting.recipients[0]).toMatchObject({ status: 'pending', attempts: 0 });
    expect(waiting.batch).toMatchObject({
      status: 'running',
      counts: { pending: 1, dialing: 0, completed: 1 },
    });
    // It may go again 24 hours after the attempt that counts against it (its claim, just before it started).
    const allowedAt = Date.parse(waiting.recipients[0].next_attempt_at);
    const firstAttempt = Date.parse(dialed.recipients[0].started_at);
    expect(allowedAt - firstAttempt).toBeGreaterThan(24 * 3_600_000 - 60_000);
    expect(allowedAt - firstAttempt).toBeLessThanOrEqual(24 * 3_600_000);

    // Still waiting a moment later (no loop dialing it), then stopped: the waiting recipient is skipped.
    await sleep(1_500);
    expect(service.network.calls().filter((call) => call.to === shared)).toHaveLength(1);
    expect((await c.post(`/v1/agents/batch-calls/${waiting.batch.id}/stop`, {})).status).toBe(200);
    const stopped = await waitForBatchEnd(c, waiting.batch.id, { timeoutMs: 15_000 });
    expect(stopped.recipients[0]).toMatchObject({ status: 'skipped', skip_reason: 'batch_stopped' });
  }, 60_000);

  it('counts attempts of batches without a limit against a later batch with one', async () => {
    const phone = '+14155551910';
    const free = await create({ name: 'No limit', recipients: [{ phone, first_name: 'F' }] });
    await waitForBatchEnd(c, free.id, { timeoutMs: 15_000 });
    const limited = await create({
      name: 'Limited',
      contact_limit: { max_attempts: 1, window_hours: 1 },
      recipients: [{ phone, first_name: 'L' }],
    });
    const waiting = await pollUntil(
      async () => (await c.get(`/v1/agents/batch-calls/${limited.id}`)).body,
      (d) => d.recipients[0].next_attempt_at !== null,
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(waiting.recipients[0]).toMatchObject({ status: 'pending', attempts: 0 });
    expect(service.network.calls().filter((call) => call.to === phone)).toHaveLength(1);
    expect((await c.post(`/v1/agents/batch-calls/${limited.id}/stop`, {})).status).toBe(200);
  }, 45_000);

  it('refuses a contact_limit out of range, naming the field', async () => {
    const res = await c.post('/v1/agents/batch-calls', {
      name: 'Bad limit',
      agent_id: agentId,
      contact_limit: { max_attempts: 0, window_hours: 24 },
      recipients: [{ phone: '+14155551920', first_name: 'X' }],
    });
    expectEnvelope(res, 400, 'validation_error');
    expect(res.body.error.fields.map((f: any) => f.path)).toEqual(['contact_limit.max_attempts']);
  });
});

describe('opt-outs captured on a call', () => {
  it('suppresses the phone and skips it in every batch of the workspace that still waits', async () => {
    const optOutPhone = '+14155550007';
    const refused = await c.post('/v1/agents', {
      name: 'Opt-out agent',
      prompt: 'Ask {{first_name}} about the appointment.',
      phone_number_id: (await c.get(`/v1/agents/${agentId}`)).body.phone_number_id,
      data_collection: [{ id: 'reason', type: 'string', description: 'Why' }],
      opt_out_data_collection_id: 'reason',
    });
    expectEnvelope(refused, 400, 'validation_error');
    expect(refused.body.error.fields[0].path).toBe('opt_out_data_collection_id');

    const created = await c.post('/v1/agents', {
      name: 'Opt-out agent',
      prompt: 'Ask {{first_name}} about the appointment.',
      phone_number_id: (await c.get(`/v1/agents/${agentId}`)).body.phone_number_id,
      data_collection: [{ id: 'opt_out', type: 'boolean', description: 'Asked not to be called again' }],
      opt_out_data_collection_id: 'opt_out',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.opt_out_data_collection_id).toBe('opt_out');
    const optOutAgent = created.body.id;

    const later = await c.post('/v1/agents/batch-calls', {
      name: 'Later, same phone',
      agent_id: optOutAgent,
      scheduled_at: new Date(Date.now() + 3_600_000).toISOString(),
      recipients: [
        { phone: optOutPhone, first_name: 'O' },
        { phone: '+14155551908', first_name: 'P' },
      ],
    });
    expect(later.status, later.text).toBe(202);
    const now = await c.post('/v1/agents/batch-calls', {
      name: 'Opt-out now',
      agent_id: optOutAgent,
      recipients: [{ phone: optOutPhone, first_name: 'O' }],
    });
    expect(now.status, now.text).toBe(202);
    const done = await waitForBatchEnd(c, now.body.id, { timeoutMs: 20_000 });
    expect(done.recipients[0]).toMatchObject({ status: 'completed', outcome: 'answered' });

    const entry = await waitFor(
      async () =>
        (await c.get(`/v1/suppressions?phone=${encodeURIComponent(optOutPhone)}`)).body.suppressions[0],
      { timeoutMs: 10_000, what: 'the opt-out on the suppression list', intervalMs: 200 },
    );
    expect(entry).toMatchObject({
      phone: optOutPhone,
      source: 'call',
      reason: 'opted_out',
      conversation_id: done.recipients[0].conversation_id,
      // Where that conversation is found: the dashboard links the entry to it.
      batch_id: now.body.id,
      recipient_id: done.recipients[0].id,
    });
    const conversation = await c.get(
      `/v1/agents/batch-calls/${entry.batch_id}/recipients/${entry.recipient_id}/conversation`,
    );
    expect(conversation.status).toBe(200);
    expect(conversation.body.transcript.length).toBeGreaterThan(0);
    const waiting = await pollUntil(
      async () => (await c.get(`/v1/agents/batch-calls/${later.body.id}`)).body,
      (d) => d.recipients[0].status === 'skipped',
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(waiting.recipients[0]).toMatchObject({ status: 'skipped', skip_reason: 'opted_out' });
    expect(waiting.recipients[1]).toMatchObject({ status: 'pending', skip_reason: null });
    expect(waiting.batch.counts).toMatchObject({ pending: 1, skipped: 1 });
    await c.post(`/v1/agents/batch-calls/${later.body.id}/cancel`, {});
  }, 45_000);
});

describe('guardrails', () => {
  const detailOf = async (id: string) => (await c.get(`/v1/agents/batch-calls/${id}`)).body;

  it('the failure breaker pauses the batch; a PATCH while paused changes it, then resume continues', async () => {
    // Numbers ending 0003 fail to connect on the simulated network.
    const phones = ['+14155510003', '+14155520003', '+14155530003', '+14155541234'];
    const batch = await create({
      name: 'Breaker',
      recipients: phones.map((phone) => ({ phone, first_name: 'F' })),
      guardrails: { max_failure_rate: 1, min_calls: 2 },
    });
    expect(batch.guardrails).toEqual({ max_failure_rate: 1, min_calls: 2, max_call_minutes: null });
    expectEnvelope(
      await c.request('PATCH', `/v1/agents/batch-calls/${batch.id}`, { body: { max_concurrent_calls: 2 } }),
      409,
      'batch_not_editable',
    );

    const paused = await pollUntil(
      () => detailOf(batch.id),
      (d) => d.batch.status === 'paused' && d.batch.counts.dialing === 0,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(paused.batch).toMatchObject({ status: 'paused', pause_reason: 'failure_rate' });
    expect(paused.batch.counts).toMatchObject({ failed: 2, pending: 2 });

    const bad = await c.request('PATCH', `/v1/agents/batch-calls/${batch.id}`, {
      body: { guardrails: { max_failure_rate: 2 } },
    });
    expectEnvelope(bad, 400, 'validation_error');
    const patched = await c.request('PATCH', `/v1/agents/batch-calls/${batch.id}`, {
      body: { guardrails: null, max_concurrent_calls: 2 },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ status: 'paused', guardrails: null, max_concurrent_calls: 2 });

    expect((await c.post(`/v1/agents/batch-calls/${batch.id}/resume`, {})).status).toBe(200);
    const done = await waitForBatchEnd(c, batch.id, { timeoutMs: 30_000 });
    expect(done.batch.status).toBe('completed');
    expect(done.batch.counts).toMatchObject({ failed: 3, completed: 1 });
    await waitFor(
      () =>
        eventsOf(batch.id).find(
          (d) => d.body.type === 'batch.paused' && d.body.data.pause_reason === 'failure_rate',
        ),
      { timeoutMs: 10_000, what: 'batch.paused (failure_rate)' },
    );
  }, 60_000);

  it('the spend cap pauses the batch; resume needs a higher cap first', async () => {
    const batch = await create({
      name: 'Spend cap',
      recipients: ['+14155551700', '+14155551701', '+14155551702'].map((phone) => ({
        phone,
        first_name: 'S',
      })),
      // Each simulated call lasts 1.5 s: the first one reaches a cap of 0.6 s.
      guardrails: { max_call_minutes: 0.01 },
    });
    const paused = await pollUntil(
      () => detailOf(batch.id),
      (d) => d.batch.status === 'paused' && d.batch.counts.dialing === 0,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(paused.batch).toMatchObject({ pause_reason: 'spend_cap' });
    expect(paused.batch.counts.completed).toBe(1);
    expectEnvelope(await c.post(`/v1/agents/batch-calls/${batch.id}/resume`, {}), 409, 'batch_not_resumable');

    const raised = await c.request('PATCH', `/v1/agents/batch-calls/${batch.id}`, {
      body: { guardrails: { max_call_minutes: 60 } },
    });
    expect(raised.status, raised.text).toBe(200);
    expect((await c.post(`/v1/agents/batch-calls/${batch.id}/resume`, {})).status).toBe(200);
    const done = await waitForBatchEnd(c, batch.id, { timeoutMs: 30_000 });
    expect(done.batch).toMatchObject({ status: 'completed', counts: { completed: 3 } });
  }, 60_000);
});

describe('calling windows', () => {
  const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

  it('holds recipients outside their window until its next opening, holding no call slot', async () => {
    // Open only on another weekday, 09:00–10:00 UTC: closed now, whatever the time.
    const now = new Date();
    const other = (now.getUTCDay() + 2) % 7;
    const batch = await create({
      name: 'Window',
      recipients: [
        { phone: '+14155551400', first_name: 'A' },
        { phone: '+14155551401', first_name: 'B' },
      ],
      calling_window: { timezone: 'UTC', hours: [{ days: [WEEKDAYS[other]], start: '09:00', end: '10:00' }] },
    });
    const detail = await pollUntil(
      async () => (await c.get(`/v1/agents/batch-calls/${batch.id}`)).body,
      (d) => d.recipients.every((r: any) => r.next_attempt_at !== null),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const opening = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 2, 9));
    expect(detail.batch.status).toBe('running');
    for (const r of detail.recipients) {
      expect(r).toMatchObject({ status: 'pending', attempts: 0, timezone: 'UTC' });
      expect(r.next_attempt_at).toBe(opening.toISOString());
    }
    expect(service.network.calls().some((call) => call.to === '+14155551400')).toBe(false);
    expect((await c.post(`/v1/agents/batch-calls/${batch.id}/stop`, {})).status).toBe(200);
    const done = await waitForBatchEnd(c, batch.id, { timeoutMs: 15_000 });
    expect(done.batch.counts).toMatchObject({ skipped: 2, pending: 0 });
  }, 40_000);

  it('skips a recipient whose window does not open within 30 days', async () => {
    const today = new Date();
    const excluded = Array.from({ length: 32 }, (_, i) =>
      new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + i - 1))
        .toISOString()
        .slice(0, 10),
    );
    const batch = await create({
      name: 'Never',
      recipients: [{ phone: '+14155551500', first_name: 'N' }],
      calling_window: {
        timezone: 'UTC',
        hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' }],
        exclude_dates: excluded,
      },
    });
    const done = await waitForBatchEnd(c, batch.id, { timeoutMs: 20_000 });
    expect(done.batch.status).toBe('completed');
    expect(done.recipients[0]).toMatchObject({ status: 'skipped', skip_reason: 'no_calling_window' });
  }, 30_000);

  it('refuses rows without a zone when the window needs one, naming them, and stores nothing', async () => {
    const before = (await c.get('/v1/agents/batch-calls?limit=200')).body.batches.length;
    const res = await c.post('/v1/agents/batch-calls', {
      name: 'No zone',
      agent_id: agentId,
      recipients: [
        { phone: '+14155551600', first_name: 'Zoned' },
        { phone: '+80012345678', first_name: 'Freephone' },
        { phone: '+14155551601', first_name: 'Bad', timezone: 'Mars/Olympus' },
      ],
      calling_window: { hours: [{ days: ['mon'], start: '09:00', end: '17:00' }] },
    });
    expectEnvelope(res, 400, 'validation_error');
    const paths = res.body.error.fields.map((f: any) => f.path);
    expect(paths).toContain('recipients[2].timezone');
    expect((await c.get('/v1/agents/batch-calls?limit=200')).body.batches.length).toBe(before);

    const fixed = await c.post('/v1/agents/batch-calls', {
      name: 'No zone',
      agent_id: agentId,
      recipients: [
        { phone: '+14155551600', first_name: 'Zoned' },
        { phone: '+80012345678', first_name: 'Freephone' },
      ],
      calling_window: { hours: [{ days: ['mon'], start: '09:00', end: '17:00' }] },
    });
    expectEnvelope(fixed, 400, 'validation_error');
    expect(fixed.body.error.fields.map((f: any) => f.path)).toEqual(['recipients[1]']);

    const withDefault = await create({
      name: 'Default zone',
      recipients: [
        { phone: '+14155551600', first_name: 'Zoned' },
        { phone: '+80012345678', first_name: 'Freephone' },
      ],
      calling_window: {
        default_timezone: 'Europe/Berlin',
        hours: [{ days: ['mon'], start: '09:00', end: '17:00' }],
      },
    });
    const detail = (await c.get(`/v1/agents/batch-calls/${withDefault.id}`)).body;
    expect(detail.recipients.map((r: any) => r.timezone)).toEqual(['America/Los_Angeles', 'Europe/Berlin']);
    await c.post(`/v1/agents/batch-calls/${withDefault.id}/stop`, {});
  }, 30_000);
});
