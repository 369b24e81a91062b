import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope, seedAgent } from '../helpers/seed.ts';

/** List, detail, cancel, workspace scoping and authentication of batch calls. */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let agentId: string;

beforeAll(async () => {
  service = await startLocalService({ env: { AUTH_CACHE_TTL_SECONDS: '0' }, triggers: false });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
  ({ agentId } = await seedAgent(c));
});
afterAll(async () => service?.stop());

const body = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  agent_id: agentId,
  recipients: [{ phone: '+14155551234', first_name: 'Alice', appointment_date: 'May 5th' }],
  ...extra,
});

async function create(name: string, extra: Record<string, unknown> = {}) {
  const res = await c.post('/v1/agents/batch-calls', body(name, extra));
  expect(res.status, res.text).toBe(202);
  return res.body;
}

describe('listing batches', () => {
  it('lists newest first with cursor paging and filters', async () => {
    const second = await seedAgent(c);
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await create(`list-${i}`));
    const scheduled = await create('list-scheduled', {
      agent_id: second.agentId,
      scheduled_at: new Date(Date.now() + 3600_000).toISOString(),
    });

    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await c.get(
        `/v1/agents/batch-calls?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status, res.text).toBe(200);
      expect(res.body.batches.length).toBeLessThanOrEqual(2);
      expect(res.body.has_more).toBe(res.body.next_cursor !== null);
      seen.push(...res.body.batches);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    const ids = seen.map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 6)).toEqual([scheduled.id, ...created.map((b) => b.id).reverse()]);

    const onlyScheduled = await c.get('/v1/agents/batch-calls?status=scheduled');
    expect(onlyScheduled.body.batches.map((b: any) => b.id)).toEqual([scheduled.id]);

    const byAgent = await c.get(`/v1/agents/batch-calls?agent_id=${second.agentId}`);
    expect(byAgent.body.batches.map((b: any) => b.id)).toEqual([scheduled.id]);

    const filteredPage = await c.get(`/v1/agents/batch-calls?agent_id=${agentId}&limit=3`);
    expect(filteredPage.body.batches).toHaveLength(3);
    expect(filteredPage.body.batches.every((b: any) => b.agent_id === agentId)).toBe(true);
  });

  it('refuses a bad limit, status or cursor', async () => {
    expectEnvelope(await c.get('/v1/agents/batch-calls?limit=0'), 400, 'validation_error');
    expectEnvelope(await c.get('/v1/agents/batch-calls?limit=201'), 400, 'validation_error');
    expectEnvelope(await c.get('/v1/agents/batch-calls?status=done'), 400, 'validation_error');
    const bad = await c.get('/v1/agents/batch-calls?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
  });
});

describe('cancelling a batch', () => {
  it('cancels a pending batch, and again idempotently', async () => {
    const batch = await create('to-cancel');
    const res = await c.post(`/v1/agents/batch-calls/${batch.id}/cancel`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect(res.body.cancelled_at).toBeTruthy();
    const again = await c.post(`/v1/agents/batch-calls/${batch.id}/cancel`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  });

  it('cancels a scheduled batch', async () => {
    const batch = await create('scheduled-cancel', {
      scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const res = await c.post(`/v1/agents/batch-calls/${batch.id}/cancel`);
    expect(res.body.status).toBe('cancelled');
  });

  it('refuses to cancel a running, completed or failed batch with 409', async () => {
    for (const [from, to] of [
      ['pending', 'running'],
      ['running', 'completed'],
      ['pending', 'failed'],
    ] as const) {
      const batch = await create(`not-cancellable-${to}`);
      if (to === 'completed') {
        await service.store.transitionBatch(service.workspaceId, batch.id, ['pending'], 'running', {});
      }
      await service.store.transitionBatch(service.workspaceId, batch.id, [from], to, {});
      const res = await c.post(`/v1/agents/batch-calls/${batch.id}/cancel`);
      expectEnvelope(res, 409, 'batch_not_cancellable');
      expect(res.body.error.message).toContain(to);
    }
  });

  it('answers 404 for an unknown batch', async () => {
    expectEnvelope(
      await c.post('/v1/agents/batch-calls/batch_01HS0000000000000000000000/cancel'),
      404,
      'not_found',
    );
    expectEnvelope(await c.get('/v1/agents/batch-calls/batch_01HS0000000000000000000000'), 404, 'not_found');
    expectEnvelope(await c.get('/v1/agents/batch-calls/nonsense'), 404, 'not_found');
  });
});

describe('workspace scoping', () => {
  it("hides another workspace's batches and agents", async () => {
    const mine = await create('private');
    const other = await service.newWorkspace('Neighbour');
    const oc = client(service.baseUrl, other.apiKey, { checkContract: true });

    expectEnvelope(await oc.get(`/v1/agents/batch-calls/${mine.id}`), 404, 'not_found');
    expectEnvelope(await oc.post(`/v1/agents/batch-calls/${mine.id}/cancel`), 404, 'not_found');
    const list = await oc.get('/v1/agents/batch-calls');
    expect(list.body.batches).toEqual([]);
    expectEnvelope(await oc.get(`/v1/agents/${agentId}`), 404, 'agent_not_found');
    const useAgent = await oc.post('/v1/agents/batch-calls', body('steal'));
    expectEnvelope(useAgent, 404, 'agent_not_found');

    const still = await c.get(`/v1/agents/batch-calls/${mine.id}`);
    expect(still.body.batch.status).toBe('pending');
  });
});

describe('authentication', () => {
  it('refuses a missing, malformed, unknown or revoked key with 401 and the envelope', async () => {
    expectEnvelope(await c.get('/v1/agents/batch-calls', { token: null }), 401, 'unauthorized');
    expectEnvelope(
      await c.request('GET', '/v1/agents/batch-calls', {
        token: null,
        headers: { authorization: 'Basic abc' },
      }),
      401,
      'unauthorized',
    );
    expectEnvelope(
      await c.get('/v1/agents/batch-calls', { token: 'bck_unknown_key_000000000000000' }),
      401,
      'unauthorized',
    );

    const other = await service.newWorkspace('Revoked');
    const oc = client(service.baseUrl, other.apiKey, { checkContract: true });
    expect((await oc.get('/v1/agents/batch-calls')).status).toBe(200);
    const keys = await service.store.listApiKeys(other.workspaceId);
    for (const key of keys)
      await service.store.revokeApiKey(other.workspaceId, key.id, new Date().toISOString());
    expectEnvelope(await oc.get('/v1/agents/batch-calls'), 401, 'unauthorized');
  });

  it('echoes the caller X-Request-ID', async () => {
    const res = await c.get('/v1/agents/batch-calls', { headers: { 'x-request-id': 'my-trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('my-trace-123');
    const err = await c.get('/v1/agents/batch-calls', {
      token: null,
      headers: { 'x-request-id': 'my-trace-456' },
    });
    expect(err.headers.get('x-request-id')).toBe('my-trace-456');
    expect(err.body.request_id).toBe('my-trace-456');
  });
});
