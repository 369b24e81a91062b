import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { seedAgent } from '../helpers/seed.ts';
import { openSse, type SseEvent, type SseStream } from '../helpers/sse.ts';

/**
 * Live progress (contract, "Live progress"): GET /v1/agents/batch-calls/:id/events through the local
 * gateway, which streams the events function's answer as a Lambda function URL would, fed by the
 * table stream function's event log.
 */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let agentId: string;

beforeAll(async () => {
  service = await startLocalService({
    simCallMs: 600,
    // A keep-alive comment every second instead of every 15 (the deployed default).
    env: { EVENTS_HEARTBEAT_SECONDS: '1', AUTH_CACHE_TTL_SECONDS: '0' },
  });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
  ({ agentId } = await seedAgent(c));
});
afterAll(async () => service?.stop());

const eventsUrl = (batchId: string) => `${service.baseUrl}/v1/agents/batch-calls/${batchId}/events`;
const open = (batchId: string, headers: Record<string, string> = {}) =>
  openSse(eventsUrl(batchId), { authorization: `Bearer ${service.apiKey}`, ...headers });
const ids = (events: SseEvent[]) => events.map((e) => Number(e.id));
const data = (e: SseEvent) => JSON.parse(e.data) as Record<string, any>;

async function createBatch(extra: Record<string, unknown> = {}) {
  const res = await c.post('/v1/agents/batch-calls', {
    name: 'live',
    agent_id: agentId,
    max_concurrent_calls: 1,
    recipients: [
      { phone: '+14155551234', first_name: 'Alice', appointment_date: 'May 5th' },
      { phone: '+14155550001', first_name: 'Bob', appointment_date: 'May 6th' },
      { phone: '+14155550004', first_name: 'Carol', appointment_date: 'May 7th' },
    ],
    ...extra,
  });
  expect(res.status, res.text).toBe(202);
  return res.body as { id: string };
}

describe('live progress of a running batch', () => {
  let batchId: string;
  let stream: SseStream;

  beforeAll(async () => {
    ({ id: batchId } = await createBatch());
    stream = await open(batchId);
    await stream.closed;
  }, 90_000);

  it('answers a text/event-stream, first with the batch', () => {
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('x-request-id')).toBeTruthy();
    const first = stream.events[0] as SseEvent;
    expect(first.event).toBe('batch');
    expect(data(first).id).toBe(batchId);
    expect(data(first).total_recipients).toBe(3);
  });

  it('sends every recipient change with its recipient object, ids strictly increasing', () => {
    const all = ids(stream.events);
    expect(all.every((id) => Number.isInteger(id))).toBe(true);
    expect(all.slice(1).every((id, i) => id > (all[i] as number))).toBe(true);

    const recipients = stream.events.filter((e) => e.event === 'recipient').map(data);
    for (const index of [0, 1, 2]) {
      const statuses = recipients.filter((r) => r.index === index).map((r) => r.status);
      // Each one was seen dialing, then at its end.
      expect(statuses, `recipient ${index}`).toContain('dialing');
      expect(statuses.at(-1), `recipient ${index}`).toBe(index === 1 ? 'failed' : 'completed');
    }
    const bob = recipients.filter((r) => r.index === 1).at(-1);
    expect(bob).toMatchObject({
      phone: '+14155550001',
      outcome: 'busy',
      dynamic_vars: { first_name: 'Bob' },
    });
    expect(Object.keys(bob ?? {})).toEqual(
      expect.arrayContaining(['id', 'attempts', 'error', 'next_attempt_at']),
    );
  });

  it('sends batch changes coalesced (at most two a second), the last one with the final counts', () => {
    const batches = stream.events.filter((e) => e.event === 'batch');
    const last = data(batches.at(-1) as SseEvent);
    expect(last.status).toBe('completed');
    expect(last.counts).toMatchObject({ pending: 0, dialing: 0, completed: 2, failed: 1 });
    // In any second, at most two batch events.
    for (const [i, e] of batches.entries()) {
      const within = batches.slice(i).filter((later) => later.at - e.at < 1000);
      expect(within.length).toBeLessThanOrEqual(3);
    }
    const seconds = ((stream.events.at(-1)?.at ?? 0) - (stream.events[0]?.at ?? 0)) / 1000;
    expect(batches.length).toBeLessThanOrEqual(2 * seconds + 2);
  });

  it('ends with `event: end` and closes once the batch has completed', () => {
    expect(stream.events.at(-1)?.event).toBe('end');
    expect(stream.isClosed()).toBe(true);
    const end = stream.events.at(-1) as SseEvent;
    expect(Number(end.id)).toBeGreaterThan(Number(stream.events.at(-2)?.id));
  });

  it('resumes after Last-Event-ID, sending nothing older, then ends', async () => {
    const recipientEvents = stream.events.filter((e) => e.event === 'recipient');
    const middle = Number(recipientEvents[2]?.id);
    const resumed = await open(batchId, { 'last-event-id': String(middle) });
    await resumed.closed;
    expect(resumed.status).toBe(200);
    const got = resumed.events.filter((e) => e.event !== 'end');
    expect(got.length).toBeGreaterThan(0);
    expect(ids(got).every((id) => id > middle)).toBe(true);
    // What followed it on the first connection, recipients one for one (batch events coalesce).
    const expected = stream.events.filter((e) => e.event === 'recipient' && Number(e.id) > middle);
    expect(got.filter((e) => e.event === 'recipient').map((e) => e.data)).toEqual(
      expected.map((e) => e.data),
    );
    expect(resumed.events.at(-1)?.event).toBe('end');
  });

  it('serves an ended batch to a new client as its state and the end', async () => {
    const late = await open(batchId);
    await late.closed;
    expect(late.events.map((e) => e.event)).toEqual(['batch', 'end']);
    expect(data(late.events[0] as SseEvent).status).toBe('completed');
  });
});

describe('an idle stream', () => {
  it('sends a keep-alive comment while nothing changes, and ends once the batch is cancelled', async () => {
    const { id } = await createBatch({ scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
    const stream = await open(id);
    await stream.until(() => stream.comments.length >= 2, 10_000);
    // The batch, maybe again as its creation reaches the log: nothing else happened.
    expect(stream.events.every((e) => e.event === 'batch' && data(e).status === 'scheduled')).toBe(true);
    const [a, b] = stream.comments;
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(700);

    // A cancel is a change like any other: the stream shows it and ends.
    const cancelled = await c.post(`/v1/agents/batch-calls/${id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    const statuses = async () => {
      await stream.closed;
      return stream.events.filter((e) => e.event === 'batch').map((e) => data(e).status);
    };
    expect(await statuses()).toContain('cancelled');
    expect(stream.events.at(-1)?.event).toBe('end');
  }, 30_000);
});

describe('authentication and scoping', () => {
  it('answers 401 with the error envelope without a key or with an unknown one', async () => {
    const { id } = await createBatch({ scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
    const unknownKey = { authorization: 'Bearer bck_unknown_key_that_does_not_exist_000000' };
    for (const headers of [{} as Record<string, string>, unknownKey]) {
      const res = await fetch(eventsUrl(id), { headers });
      expect(res.status).toBe(401);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe('unauthorized');
      expect(body.request_id).toBe(res.headers.get('x-request-id'));
    }
  });

  it("answers 404 for another workspace's batch and for an id that names nothing", async () => {
    const { id } = await createBatch({ scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
    const other = await service.newWorkspace('Other');
    for (const [batchId, key] of [
      [id, other.apiKey],
      ['batch_01HZZZZZZZZZZZZZZZZZZZZZZZ', service.apiKey],
      ['not-an-id', service.apiKey],
    ] as const) {
      const res = await fetch(eventsUrl(batchId), { headers: { authorization: `Bearer ${key}` } });
      expect(res.status, batchId).toBe(404);
      expect(((await res.json()) as any).error.code).toBe('not_found');
    }
  });
});
