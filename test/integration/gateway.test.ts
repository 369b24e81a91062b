import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardSecurityHeaders } from '#infra/dashboard-headers.ts';
import { freePort } from '#infra/local/emulators/dynamodb-local.ts';
import {
  HTTP_API_TIMEOUT_MS,
  startGateway,
  type Gateway,
  type HttpFunctionEvent,
} from '#infra/local/gateway/gateway.ts';
import { HTTP_API_MAX_BODY_BYTES } from '#infra/wiring.ts';

/**
 * The local gateway's own behaviour (API Gateway HTTP API, payload 2.0), with small handlers that
 * echo what they receive: routing (to the function the route table names, nothing in front), event
 * mapping, limits and the gateway's answers.
 */

interface Echo {
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  headers: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded: boolean;
  requestContext: HttpFunctionEvent['requestContext'];
  remainingMs: number;
  functionName: string;
  memoryLimitInMB: string;
}

let gateway: Gateway;
let root: string;
/** Where the dashboard's pre-signed uploads would go (the S3 emulator's origin). */
const S3_EMULATOR = 'http://127.0.0.1:4569';
let apiCalls = 0;

async function api(event: HttpFunctionEvent, context: Context): Promise<unknown> {
  apiCalls++;
  switch (event.headers['x-test-behaviour']) {
    case 'throw':
      throw new Error('handler exploded');
    case 'hang':
      return new Promise(() => undefined);
    case 'plain-object':
      return { hello: 'world' };
    case 'string':
      return 'hello';
    case 'nothing':
      return undefined;
    case 'structured':
      return {
        statusCode: 201,
        headers: { 'x-custom': 'yes', 'content-type': 'application/octet-stream' },
        cookies: ['a=1; Path=/', 'b=2; Path=/'],
        body: Buffer.from([0, 1, 2, 255]).toString('base64'),
        isBase64Encoded: true,
      };
  }
  const echo: Echo = {
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    pathParameters: event.pathParameters as Record<string, string> | undefined,
    queryStringParameters: event.queryStringParameters as Record<string, string> | undefined,
    headers: event.headers as Record<string, string>,
    cookies: event.cookies,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    requestContext: event.requestContext,
    remainingMs: context.getRemainingTimeInMillis(),
    functionName: context.functionName,
    memoryLimitInMB: context.memoryLimitInMB,
  };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(echo) };
}

/** The echo handler for every function the routes name. */
const handlers = {
  apiCreate: api,
  apiBatches: api,
  apiSettings: api,
  apiSuppressions: api,
  providerEvents: api,
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gateway-test-'));
  const web = join(root, 'web');
  await mkdir(join(web, 'docs'), { recursive: true });
  await writeFile(join(web, 'index.html'), '<!doctype html><title>home</title>');
  await writeFile(join(web, 'app.js'), 'console.log("app");');
  await writeFile(join(web, 'docs', 'index.html'), '<title>docs</title>');
  await writeFile(join(root, 'secret.txt'), 'outside the static root');
  gateway = await startGateway({
    port: await freePort(),
    handlers,
    functionSpecs: { apiSettings: { timeoutSeconds: 1 }, apiCreate: { timeoutSeconds: 1 } },
    staticDir: web,
    dashboardConnectSources: [S3_EMULATOR],
    logError: () => undefined,
  });
});

afterAll(async () => {
  await gateway?.close();
  await rm(root, { recursive: true, force: true });
});

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${gateway.url}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? (JSON.parse(text) as unknown) : null,
  };
}

async function echo(path: string, init: RequestInit = {}): Promise<Echo> {
  const response = await call(path, init);
  expect(response.status).toBe(200);
  return response.json as Echo;
}

/** A request exactly as written (fetch would normalise `..` away). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gateway.url}${path}`, { method: 'GET', path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('route matching', () => {
  it('prefers literal segments over {param} segments, as API Gateway does', async () => {
    expect((await echo('/v1/agents/batch-calls')).routeKey).toBe('GET /v1/agents/batch-calls');
    const agent = await echo('/v1/agents/agent_123');
    expect(agent.routeKey).toBe('GET /v1/agents/{id}');
    expect(agent.pathParameters).toEqual({ id: 'agent_123' });
    const batch = await echo('/v1/agents/batch-calls/batch_9');
    expect(batch.routeKey).toBe('GET /v1/agents/batch-calls/{id}');
    expect(batch.pathParameters).toEqual({ id: 'batch_9' });
  });

  it('URL-decodes path parameters and keeps rawPath as sent', async () => {
    const cancel = await echo('/v1/agents/batch-calls/b%20x%2F1/cancel', { method: 'POST' });
    expect(cancel.routeKey).toBe('POST /v1/agents/batch-calls/{id}/cancel');
    expect(cancel.pathParameters).toEqual({ id: 'b x/1' });
    expect(cancel.rawPath).toBe('/v1/agents/batch-calls/b%20x%2F1/cancel');
  });

  it('answers an unknown path or method with the 404 envelope and an X-Request-ID', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nothing-here'],
      ['PUT', '/v1/agents'],
      ['GET', '/v1/agents/a/b/c/d'],
      ['GET', '/v1'],
    ] as const) {
      const response = await call(path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      const body = response.json as { error: { code: string; message: string }; request_id: string };
      expect(body.error.code).toBe('not_found');
      expect(body.error.message).toContain(path);
      expect(response.headers.get('x-request-id')).toBe(body.request_id);
      expect(body.request_id).not.toBe('');
    }
    expect(apiCalls).toBeGreaterThan(0);
  });

  it('echoes the client X-Request-ID on its own answers', async () => {
    const response = await call('/v1/nothing-here', { headers: { 'x-request-id': 'client-id-42' } });
    expect(response.headers.get('x-request-id')).toBe('client-id-42');
    expect((response.json as { request_id: string }).request_id).toBe('client-id-42');
  });
});

describe('event mapping (payload format 2.0)', () => {
  it('maps query strings with repeated keys comma-joined and keeps the raw query', async () => {
    const event = await echo('/v1/agents?status=a&status=b&name=x%20y&empty=');
    expect(event.rawQueryString).toBe('status=a&status=b&name=x%20y&empty=');
    expect(event.queryStringParameters).toEqual({ status: 'a,b', name: 'x y', empty: '' });
    expect((await echo('/v1/agents')).queryStringParameters).toBeUndefined();
  });

  it('lower-cases headers, comma-joins repeats and moves cookies to their own field', async () => {
    const event = await new Promise<Echo>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/v1/agents`, { method: 'GET' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as Echo));
      });
      req.setHeader('X-Multi', ['one', 'two']);
      req.setHeader('Cookie', 'a=1; b=2');
      req.setHeader('User-Agent', 'gateway-test');
      req.on('error', reject);
      req.end();
    });
    expect(event.headers['x-multi']).toBe('one,two');
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.http.userAgent).toBe('gateway-test');
  });

  it('fills requestContext with a fresh request id per request, and no authorizer context', async () => {
    const first = await echo('/v1/phone-numbers', { headers: { authorization: 'Bearer k' } });
    const second = await echo('/v1/phone-numbers');
    const context = first.requestContext;
    expect(context).toMatchObject({
      accountId: expect.any(String),
      apiId: expect.any(String),
      stage: '$default',
      routeKey: 'GET /v1/phone-numbers',
      http: { method: 'GET', path: '/v1/phone-numbers', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
    });
    expect(context).not.toHaveProperty('authorizer');
    expect(context.timeEpoch).toBeGreaterThan(Date.now() - 60_000);
    expect(context.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(context.requestId).not.toBe(second.requestContext.requestId);
    expect(first.functionName).toContain('apiSettings');
    expect(first.memoryLimitInMB).toBe('512');
    expect(first.remainingMs).toBeGreaterThan(0);
    expect(first.remainingMs).toBeLessThanOrEqual(1000);
  });

  it('invokes the function the route table names, with the Authorization header as sent', async () => {
    for (const [path, fn] of [
      ['/v1/agents/agent_1', 'apiSettings'],
      ['/v1/agents/batch-calls/batch_1', 'apiBatches'],
      ['/v1/suppressions', 'apiSuppressions'],
    ] as const) {
      const event = await echo(path, { headers: { authorization: 'Bearer secret-key' } });
      expect(event.functionName, path).toContain(fn);
      // The function checks the key itself: the gateway neither reads nor refuses it.
      expect(event.headers.authorization).toBe('Bearer secret-key');
    }
    const created = await call('/v1/agents/batch-calls', { method: 'POST', body: '{}' });
    expect((created.json as Echo).functionName).toContain('apiCreate');
    const unauthenticated = await echo('/v1/agents');
    expect(unauthenticated.headers.authorization).toBeUndefined();
  });

  it('passes JSON as text and base64-encodes multipart bodies', async () => {
    const json = await echo('/v1/agents/batch-calls', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"é"}',
    });
    expect(json.isBase64Encoded).toBe(false);
    expect(json.body).toBe('{"name":"é"}');

    const form = new FormData();
    form.set('name', 'Reminders');
    form.set('csv_file', new Blob(['phone\n+14155551234\n'], { type: 'text/csv' }), 'r.csv');
    const multipart = await echo('/v1/agents/batch-calls', { method: 'POST', body: form });
    expect(multipart.isBase64Encoded).toBe(true);
    expect(multipart.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const decoded = Buffer.from(multipart.body ?? '', 'base64').toString('utf8');
    expect(decoded).toContain('name="csv_file"; filename="r.csv"');
    expect(decoded).toContain('+14155551234');
  });
});

describe('body limit', () => {
  it('lets a body of exactly the limit through', async () => {
    const body = 'x'.repeat(HTTP_API_MAX_BODY_BYTES);
    const event = await echo('/v1/agents', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    expect(event.body?.length).toBe(HTTP_API_MAX_BODY_BYTES);
  });

  it('answers a bigger body with the 413 envelope, without calling a function', async () => {
    const before = apiCalls;
    const response = await call('/v1/agents/batch-calls', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'too-big-1' },
      body: 'x'.repeat(HTTP_API_MAX_BODY_BYTES + 1),
    });
    expect(response.status).toBe(413);
    expect(response.json).toEqual({
      error: { code: 'payload_too_large', message: expect.stringContaining(String(HTTP_API_MAX_BODY_BYTES)) },
      request_id: 'too-big-1',
    });
    expect(response.headers.get('x-request-id')).toBe('too-big-1');
    expect(apiCalls).toBe(before);
  });

  it('refuses a chunked upload (no Content-Length) once it passes the limit', async () => {
    const before = apiCalls;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/v1/agents/batch-calls`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.setHeader('content-type', 'application/json');
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 0x78);
      let chunks = 15;
      const pump = () => {
        while (chunks > 0) {
          chunks--;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(apiCalls).toBe(before);
  });

  it('cuts off a client that keeps sending long after the 413', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${gateway.url}/v1/agents/batch-calls`, { method: 'POST' });
      req.setHeader('content-type', 'application/json');
      req.on('response', (res) => res.resume());
      req.on('error', () => resolve('connection closed'));
      req.on('close', () => resolve('connection closed'));
      const chunk = Buffer.alloc(1024 * 1024, 0x78);
      let sent = 0;
      const pump = () => {
        // Never ends by itself: the gateway must stop it (the cap is 100 MB so a miss shows as a fail).
        while (sent < 100 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        resolve('sent everything');
      };
      pump();
    });
    expect(outcome).toBe('connection closed');
  });
});

describe('answers API Gateway gives itself', () => {
  it('500 when the function throws or returns nothing', async () => {
    for (const mode of ['throw', 'nothing']) {
      const response = await call('/v1/agents', { headers: { 'x-test-behaviour': mode } });
      expect(response.status, mode).toBe(500);
      expect(response.json).toEqual({ message: 'Internal Server Error' });
      expect(response.text).not.toContain('exploded');
    }
  });

  it('503 Service Unavailable when the function runs past its timeout', async () => {
    const started = Date.now();
    const response = await call('/v1/agents', { headers: { 'x-test-behaviour': 'hang' } });
    expect(response.status).toBe(503);
    expect(response.json).toEqual({ message: 'Service Unavailable' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});

describe('request timeout (API Gateway HTTP API: 30 s)', () => {
  // A gateway of its own with a short timeout and a function allowed to run far longer, so only the
  // gateway's timeout can end these requests.
  let quick: Gateway;
  const TIMEOUT_MS = 300;
  beforeAll(async () => {
    quick = await startGateway({
      port: await freePort(),
      handlers,
      functionSpecs: { apiCreate: { timeoutSeconds: 600 } },
      requestTimeoutMs: TIMEOUT_MS,
      staticDir: root,
      logError: () => undefined,
    });
  });
  afterAll(() => quick?.close());

  it("is API Gateway's 30 s unless configured", () => {
    expect(HTTP_API_TIMEOUT_MS).toBe(30_000);
  });

  /** Sends the headers and part of a body, then stalls; resolves with all the gateway sent back. */
  function stalledUpload(): Promise<{ answer: string; closedByServer: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect(quick.port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
      socket.on('error', reject);
      // 'end' is the server closing its side; we never close ours.
      socket.on('end', () => {
        resolve({ answer, closedByServer: true });
        socket.destroy();
      });
      socket.write(
        'POST /v1/agents/batch-calls HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
          'Content-Length: 1000\r\n\r\n{"name": "slow',
      );
    });
  }

  it('answers 503 Service Unavailable to a body that never finishes, and closes the connection', async () => {
    const before = apiCalls;
    const { answer, closedByServer } = await stalledUpload();
    expect(closedByServer).toBe(true);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(head.toLowerCase()).toMatch(/apigw-requestid: \S+/);
    expect(JSON.parse(body)).toEqual({ message: 'Service Unavailable' });
    expect(apiCalls).toBe(before); // The function never saw the half request.
  });

  it('answers 503 when the function outlasts it, even with a longer function timeout', async () => {
    const response = await fetch(`${quick.url}/v1/agents`, { headers: { 'x-test-behaviour': 'hang' } });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('lets a request that finishes in time through', async () => {
    const response = await fetch(`${quick.url}/v1/agents`, { method: 'POST', body: '{"ok": true}' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).body).toBe('{"ok": true}');
  });
});

describe('function results', () => {
  it('turns a plain object or string into a 200 JSON answer', async () => {
    const object = await call('/v1/agents', { headers: { 'x-test-behaviour': 'plain-object' } });
    expect(object.status).toBe(200);
    expect(object.headers.get('content-type')).toBe('application/json');
    expect(object.json).toEqual({ hello: 'world' });
    const text = await call('/v1/agents', { headers: { 'x-test-behaviour': 'string' } });
    expect(text.status).toBe(200);
    expect(text.text).toBe('"hello"');
  });

  it('applies a structured result: status, headers, cookies and a base64 body', async () => {
    const response = await fetch(`${gateway.url}/v1/agents`, {
      headers: { 'x-test-behaviour': 'structured' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0, 1, 2, 255]);
  });
});

describe('static files', () => {
  it('serves / as index.html and files with their content types', async () => {
    const home = await fetch(`${gateway.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await home.text()).toContain('<title>home</title>');
    const script = await fetch(`${gateway.url}/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log("app");');
    expect(await (await fetch(`${gateway.url}/docs/`)).text()).toContain('docs');
    expect(await (await fetch(`${gateway.url}/docs`)).text()).toContain('docs');
  });

  it("sends the dashboard's security headers with every file: a strict CSP, no framing, no referrer", async () => {
    for (const path of ['/', '/app.js', '/docs/']) {
      const response = await fetch(`${gateway.url}${path}`);
      const expected = dashboardSecurityHeaders([S3_EMULATOR]);
      for (const [name, value] of Object.entries(expected))
        expect(response.headers.get(name), name).toBe(value);
    }
    const csp = (await fetch(`${gateway.url}/`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`connect-src 'self' ${S3_EMULATOR}`);
    expect(csp).not.toMatch(/unsafe-/);
  });

  it('answers a missing file with 404', async () => {
    expect((await fetch(`${gateway.url}/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside the static directory', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/docs/../../secret.txt',
      '/..%5csecret.txt',
    ]) {
      const response = await rawGet(path);
      expect(response.status, path).toBe(404);
      expect(response.body).not.toContain('outside the static root');
    }
  });
});
