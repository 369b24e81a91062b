import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pathOf,
  ROUTE_IDS,
  ROUTE_PATHS,
  type PathParams,
  type RouteId,
} from '#shared/contracts/route-paths.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope, seedAgent } from '../helpers/seed.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

/**
 * No authorizer stands in front of the API: every function serving an API-key route checks the key
 * itself (shared/http/authenticate.ts). Against the local service (each function in its own worker
 * with its own key cache), every such route of the route table — the live progress stream included —
 * refuses a missing, malformed, unknown or revoked key with the 401 envelope and touches nothing;
 * a revoked key stops working within the cache's time (AUTH_CACHE_TTL_SECONDS, 2 s here).
 */

const CACHE_SECONDS = 2;
let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let params: Record<string, string>;

const API_KEY_ROUTES = ROUTE_IDS.filter((id) => ROUTE_PATHS[id].auth === 'apiKey');

beforeAll(async () => {
  service = await startLocalService({
    env: { AUTH_CACHE_TTL_SECONDS: String(CACHE_SECONDS) },
    triggers: false,
  });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
  const { agentId, phoneNumberId } = await seedAgent(c);
  const batch = await c.post('/v1/agents/batch-calls', {
    name: 'auth',
    agent_id: agentId,
    scheduled_at: new Date(Date.now() + 3_600_000).toISOString(),
    recipients: [{ phone: '+14155551234', first_name: 'Alice', appointment_date: 'May 5th' }],
  });
  expect(batch.status, batch.text).toBe(202);
  const detail = await c.get(`/v1/agents/batch-calls/${batch.body.id}`);
  const suppression = await c.post('/v1/suppressions', { phone: '+14155550199' });
  expect(suppression.status, suppression.text).toBe(201);
  // Real ids of the workspace: a route that acted without a valid key would change them.
  params = {
    agent: agentId,
    phoneNumber: phoneNumberId,
    batch: batch.body.id,
    recipient: detail.body.recipients[0].id,
    suppression: suppression.body.id,
  };
}, 120_000);
afterAll(async () => service?.stop());

/** The route's path with real ids of the seeded workspace. */
function pathFor(id: RouteId): string {
  const path = ROUTE_PATHS[id].path;
  const kind = path.startsWith('/v1/phone-numbers')
    ? 'phoneNumber'
    : path.startsWith('/v1/suppressions')
      ? 'suppression'
      : path.startsWith('/v1/agents/batch-calls') || path.startsWith('/v1/webhook-deliveries')
        ? 'batch'
        : 'agent';
  const values = { id: params[kind] ?? '', recipientId: params.recipient ?? '' };
  return pathOf(id, values as unknown as PathParams<typeof id>);
}

async function send(id: RouteId, token: string | null, headers: Record<string, string> = {}) {
  const { method } = ROUTE_PATHS[id];
  return c.request(method, pathFor(id), {
    token,
    headers,
    ...(method === 'POST' || method === 'PATCH' ? { body: {} } : {}),
  });
}

describe('every API-key route authenticates in its own function', () => {
  it('covers the routes of every function that serves them', () => {
    const functions = new Set(API_KEY_ROUTES.map((id) => ROUTE_PATHS[id].function));
    expect([...functions].sort()).toEqual([
      'apiBatches',
      'apiCreate',
      'apiSettings',
      'apiSuppressions',
      'events',
    ]);
  });

  it.each(API_KEY_ROUTES)('%s refuses a missing, malformed or unknown key with 401', async (id) => {
    expectEnvelope(await send(id, null), 401, 'unauthorized');
    expectEnvelope(await send(id, null, { authorization: 'Basic abc' }), 401, 'unauthorized');
    expectEnvelope(await send(id, 'bck_unknown_key_000000000000000'), 401, 'unauthorized');
  });

  it('changed nothing while refusing: every seeded resource is as it was', async () => {
    expect((await c.get(`/v1/agents/${params.agent}`)).status).toBe(200);
    expect((await c.get(`/v1/phone-numbers/${params.phoneNumber}`)).status).toBe(200);
    expect((await c.get(`/v1/suppressions/${params.suppression}`)).status).toBe(200);
    const batch = await c.get(`/v1/agents/batch-calls/${params.batch}`);
    expect(batch.body.batch.status).toBe('scheduled');
    const list = await c.get('/v1/agents/batch-calls');
    expect(list.body.batches).toHaveLength(1);
  });

  it("refuses a revoked key on every route within the cache time, and another workspace's key finds nothing", async () => {
    const other = await service.newWorkspace('Revoked');
    const oc = client(service.baseUrl, other.apiKey, { checkContract: true });
    // Warm each api function's cache with the key while it is valid.
    for (const path of ['/v1/agents', '/v1/agents/batch-calls', '/v1/suppressions']) {
      expect((await oc.get(path)).status, path).toBe(200);
    }
    // Another workspace's key is valid but scoped: the first workspace's resources are not found.
    expectEnvelope(await oc.get(`/v1/agents/batch-calls/${params.batch}`), 404, 'not_found');
    expectEnvelope(await oc.get(`/v1/agents/${params.agent}`), 404, 'agent_not_found');

    const revokedAt = Date.now();
    for (const key of await service.store.listApiKeys(other.workspaceId)) {
      await service.store.revokeApiKey(other.workspaceId, key.id, new Date().toISOString());
    }
    await waitFor(async () => (await oc.get('/v1/agents')).status === 401, {
      timeoutMs: (CACHE_SECONDS + 5) * 1000,
      what: 'the revoked key to be refused',
      intervalMs: 200,
    });
    // Within the cache's time (plus this machine's slack), not at some later sweep.
    expect(Date.now() - revokedAt).toBeLessThan((CACHE_SECONDS + 5) * 1000);
    // By now every function's cached lookup of it has expired.
    await sleep(CACHE_SECONDS * 1000 + 100);
    for (const id of API_KEY_ROUTES) expectEnvelope(await send(id, other.apiKey), 401, 'unauthorized');
  });
});
