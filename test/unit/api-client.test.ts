import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ApiError } from '#shared/client/api-error.ts';
import { BatchCallsClient, type ApiAnswer } from '#shared/client/api-client.ts';
import { fetchTransport, type Transport, type TransportRequest } from '#shared/client/transport.ts';
import type { ResponseBody } from '#shared/contracts/routes.ts';

/** The typed client (shared/client) over a recording transport: what it sends, how it reads answers. */

function recording(answers: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>) {
  const sent: TransportRequest[] = [];
  const transport: Transport = async (request) => {
    sent.push(request);
    const next = answers.shift();
    if (!next) throw new Error('connection refused');
    const headers = new Headers(next.headers);
    return { status: next.status, headers, text: next.body === undefined ? '' : JSON.stringify(next.body) };
  };
  return { sent, transport };
}

const envelope = (code: string, fields?: unknown) => ({
  error: { code, message: `${code}!`, ...(fields ? { fields } : {}) },
  request_id: 'req_1',
});

describe('the typed client', () => {
  it("fills the route's path, query, key and idempotency header, and answers the success body", async () => {
    const { sent, transport } = recording([
      { status: 200, body: { batches: [], next_cursor: null, has_more: false } },
    ]);
    const api = new BatchCallsClient({ baseUrl: 'http://svc/', apiKey: 'bck_k', transport });
    const page = await api.call('listBatches', { query: { limit: 5, status: 'running', cursor: undefined } });
    expect(page.has_more).toBe(false);
    expect(sent[0]).toMatchObject({
      method: 'GET',
      url: 'http://svc/v1/agents/batch-calls?limit=5&status=running',
      headers: { authorization: 'Bearer bck_k' },
    });

    const created = recording([{ status: 202, body: { id: 'batch_1' } }]);
    const c2 = new BatchCallsClient({ baseUrl: '', apiKey: 'k', transport: created.transport });
    await c2.call('createBatch', {
      json: { name: 'n', agent_id: 'agent_1', recipients: [{ phone: '+14155551234' }] },
      idempotencyKey: 'idem-1',
    });
    expect(created.sent[0]).toMatchObject({
      method: 'POST',
      url: '/v1/agents/batch-calls',
      headers: { 'idempotency-key': 'idem-1', 'content-type': 'application/json' },
    });
    expect(JSON.parse(created.sent[0]?.body as string)).toMatchObject({ name: 'n' });
  });

  it('answers a non-JSON body (a CSV export) as its text', async () => {
    const transport: Transport = async () => ({
      status: 200,
      headers: new Headers({ 'content-type': 'text/csv; charset=utf-8' }),
      text: 'phone,status\n+14155551234,completed\n',
    });
    const answer = await new BatchCallsClient({ baseUrl: '', transport }).request('GET', '/v1/x');
    expect(answer.body).toBe('phone,status\n+14155551234,completed\n');
    const json: Transport = async () => ({
      status: 200,
      headers: new Headers({ 'content-type': 'application/json; charset=utf-8' }),
      text: '{"a":1}',
    });
    expect(
      (await new BatchCallsClient({ baseUrl: '', transport: json }).request('GET', '/v1/x')).body,
    ).toEqual({
      a: 1,
    });
  });

  it('encodes path parameters', async () => {
    const { sent, transport } = recording([{ status: 200, body: {} }]);
    await new BatchCallsClient({ baseUrl: '', transport }).call('getRecipient', {
      params: { id: 'batch_1', recipientId: 'a/b' },
    });
    expect(sent[0]?.url).toBe('/v1/agents/batch-calls/batch_1/recipients/a%2Fb');
    expect(sent[0]?.headers).not.toHaveProperty('authorization');
  });

  it('throws the error envelope as an ApiError, with fields, request id and Retry-After', async () => {
    const fields = [{ path: 'recipients[0].phone', message: 'bad' }];
    const { transport } = recording([
      { status: 400, body: envelope('validation_error', fields) },
      { status: 429, body: envelope('rate_limited'), headers: { 'retry-after': '3' } },
      { status: 503, body: { message: 'Service Unavailable' }, headers: { 'x-request-id': 'gw_1' } },
    ]);
    const unauthorized = vi.fn();
    const api = new BatchCallsClient({ baseUrl: '', apiKey: 'k', transport, onUnauthorized: unauthorized });
    const refused = await api.call('getBatch', { params: { id: 'batch_1' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 400, code: 'validation_error', fields, requestId: 'req_1' });
    const limited = await api.call('getBatch', { params: { id: 'batch_1' } }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 3 });
    const gateway = await api.call('getBatch', { params: { id: 'batch_1' } }).catch((e: unknown) => e);
    expect(gateway).toMatchObject({ status: 503, code: 'http_error', requestId: 'gw_1' });
    const offline = new BatchCallsClient({
      baseUrl: 'http://svc',
      transport: fetchTransport(() => Promise.reject(new TypeError('fetch failed'))),
    });
    const lost = await offline.call('getBatch', { params: { id: 'batch_1' } }).catch((e: unknown) => e);
    expect(lost).toMatchObject({ status: 0, code: 'network_error' });
    expect(unauthorized).not.toHaveBeenCalled();
  });

  it('calls onUnauthorized on a 401, and send() answers any status without throwing', async () => {
    const { transport } = recording([{ status: 401, body: envelope('unauthorized') }]);
    const unauthorized = vi.fn();
    const api = new BatchCallsClient({ baseUrl: '', apiKey: 'k', transport, onUnauthorized: unauthorized });
    const answer = await api.send('getAgent', { params: { id: 'agent_1' } });
    expect(answer.status).toBe(401);
    if (answer.status === 401) expect(answer.body.error.code).toBe('unauthorized');
    expect(unauthorized).toHaveBeenCalledOnce();
  });

  it('types requests and answers by the route table', () => {
    expectTypeOf<Extract<ApiAnswer<'getBatch'>, { status: 200 }>['body']>().toEqualTypeOf<
      ResponseBody<'getBatch'>
    >();
    const api = new BatchCallsClient({ baseUrl: '' });
    // @ts-expect-error getBatch needs its id
    void (() => api.call('getBatch'));
    // @ts-expect-error listAgents takes no body
    void (() => api.call('listAgents', { json: {} }));
    // @ts-expect-error no such query parameter
    void (() => api.call('listBatches', { query: { colour: 'red' } }));
  });

  it('carries no schema: it imports the route table as types only, besides the schema-free paths', () => {
    const dir = resolve(import.meta.dirname, '../../shared/client');
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), 'utf8');
      const valueImports = [...source.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map(
        (m) => m[1],
      );
      expect(
        valueImports.filter((s) => !/^\.\/|route-paths\.ts$/.test(s ?? '')),
        file,
      ).toEqual([]);
    }
  });
});
