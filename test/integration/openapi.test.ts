import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '#shared/client/api-error.ts';
import { buildOpenApiDocument } from '#shared/contracts/openapi.ts';
import { ROUTE_IDS } from '#shared/contracts/route-paths.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';

/** GET /v1/openapi.json through the local gateway and the real api function (no API key). */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;

beforeAll(async () => {
  service = await startLocalService({ triggers: false });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
});
afterAll(async () => service?.stop());

describe('GET /v1/openapi.json', () => {
  it('is served without an API key, as valid OpenAPI 3.1', async () => {
    const res = await c.get('/v1/openapi.json', { token: null, headers: { 'x-request-id': 'doc-1' } });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toBe('doc-1');
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(validator.version).toBe('3.1');
  });

  it('is the document the integration tests check every answer against', async () => {
    const res = await c.get('/v1/openapi.json', { token: null });
    expect(res.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('ignores a bad key (the open route authenticates nothing), while an API route refuses it', async () => {
    const doc = await c.get('/v1/openapi.json', { token: 'bck_nonsense' });
    expect(doc.status).toBe(200);
    const agents = await c.get('/v1/agents', { token: null });
    expect(agents.status).toBe(401);
  });

  it('lists every path the service answers, and the service answers each of them', async () => {
    const res = await c.get('/v1/openapi.json', { token: null });
    const paths = Object.keys(res.body.paths as Record<string, unknown>);
    const operations = paths.flatMap((path) => Object.keys(res.body.paths[path] as object));
    expect(operations).toHaveLength(ROUTE_IDS.length);
    for (const path of paths) {
      for (const method of Object.keys(res.body.paths[path] as Record<string, unknown>)) {
        // Parameters filled with ids of nothing: a route answers 404 (or 401 for a provider's
        // unsigned callback), never the gateway's "no route".
        const concrete = path.replace(/\{provider\}/, 'simulated').replace(/\{[A-Za-z]+\}/g, 'x_none');
        const answer = await fetch(service.baseUrl + concrete, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${service.apiKey}` },
        });
        const text = await answer.text();
        expect(text, `${method} ${path}`).not.toMatch(/No route for/);
      }
    }
  });
});

describe('the typed client (shared/client) against the service', () => {
  it('creates a number, an agent and a batch, reads it back, and throws the envelope on a refusal', async () => {
    const number = await c.api.call('createPhoneNumber', {
      json: { phone_number: '+14155550100', provider: 'simulated' },
    });
    const agent = await c.api.call('createAgent', {
      json: { name: 'Typed', prompt: 'Hello', phone_number_id: number.id },
    });
    const batch = await c.api.call('createBatch', {
      json: { name: 'typed', agent_id: agent.id, recipients: [{ phone: '+14155551234', first_name: 'Al' }] },
      idempotencyKey: 'typed-1',
    });
    expect(batch.status).toBe('pending');
    const detail = await c.api.call('getBatch', { params: { id: batch.id } });
    expect(detail.recipients.map((r) => r.dynamic_vars)).toEqual([{ first_name: 'Al' }]);
    const page = await c.api.call('listBatches', { query: { limit: 1, agent_id: agent.id } });
    expect(page.batches.map((b) => b.id)).toEqual([batch.id]);

    const refused = await c.api
      .call('createBatch', { json: { name: '', agent_id: agent.id, recipients: [] } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(400);
    expect((refused as ApiError).code).toBe('validation_error');
    expect((refused as ApiError).fields.map((f) => f.path)).toEqual(expect.arrayContaining(['name']));
    expect((refused as ApiError).requestId).toEqual(expect.any(String));

    const missing = await c.api.send('getBatch', { params: { id: 'batch_01ARZ3NDEKTSV4RRFFQ69G5FAV' } });
    expect(missing.status).toBe(404);
  });
});
