import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpWebhookSender } from '#shared/adapters/webhooks/http-webhook-sender.ts';
import type { HostResolver } from '#shared/ports/host-resolver.ts';
import type { WebhookSendRequest } from '#shared/ports/webhook-sender.ts';

/** The SSRF-guarded webhook sender against a local receiver. */

interface Hit {
  path: string;
  host: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let port: number;
const hits: Hit[] = [];
let streamedBytes = 0;

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = req.url ?? '/';
  hits.push({ path, host: req.headers.host, headers: req.headers, body });
  switch (path) {
    case '/ok':
      res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
      return;
    case '/accepted':
      res.writeHead(202).end();
      return;
    case '/gone':
      res.writeHead(410).end();
      return;
    case '/limited':
      res.writeHead(429, { 'retry-after': '30' }).end();
      return;
    case '/unavailable':
      res.writeHead(503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() }).end();
      return;
    case '/error':
      res.writeHead(500, { 'retry-after': '30' }).end('boom');
      return;
    case '/redirect':
      res.writeHead(302, { location: '/ok' }).end();
      return;
    case '/slow':
      return; // never answers
    case '/endless': {
      // Answers 200 at once, then streams a body that never ends.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024, 120);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) streamedBytes += chunk.length;
      };
      res.on('drain', pump);
      pump();
      return;
    }
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-signature': 'v1,abc' };

function req(url: string, overrides: Partial<WebhookSendRequest> = {}): WebhookSendRequest {
  return {
    url,
    headers,
    body: '{"type":"conversation.completed"}',
    timeoutMs: 5_000,
    allowLoopback: true,
    ...overrides,
  };
}

const send = createHttpWebhookSender();

describe('answers', () => {
  it('posts the body and headers and reports a 2xx', async () => {
    const result = await send(req(`${base}/ok`));
    expect(result).toMatchObject({ statusCode: 200, retryAfterSeconds: null, error: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const hit = hits.findLast((h) => h.path === '/ok');
    expect(hit?.body).toBe('{"type":"conversation.completed"}');
    expect(hit?.headers['webhook-id']).toBe('msg_1');
    expect(hit?.headers['content-length']).toBe('33');
    expect((await send(req(`${base}/accepted`))).statusCode).toBe(202);
  });

  it('reports 410, 500 and the Retry-After of 429 and 503 (seconds or HTTP date)', async () => {
    expect(await send(req(`${base}/gone`))).toMatchObject({
      statusCode: 410,
      retryAfterSeconds: null,
      error: null,
    });
    expect(await send(req(`${base}/error`))).toMatchObject({ statusCode: 500, retryAfterSeconds: null });
    expect(await send(req(`${base}/limited`))).toMatchObject({ statusCode: 429, retryAfterSeconds: 30 });
    const unavailable = await send(req(`${base}/unavailable`));
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.retryAfterSeconds).toBeGreaterThanOrEqual(115);
    expect(unavailable.retryAfterSeconds).toBeLessThanOrEqual(121);
  });

  it('does not follow a redirect', async () => {
    const before = hits.filter((h) => h.path === '/ok').length;
    expect(await send(req(`${base}/redirect`))).toMatchObject({ statusCode: 302, error: null });
    expect(hits.filter((h) => h.path === '/ok').length).toBe(before);
  });

  it('reads at most 64 KB of the answer and stops there', async () => {
    const result = await send(req(`${base}/endless`, { timeoutMs: 5_000 }));
    expect(result).toMatchObject({ statusCode: 200, error: null });
    // Without the cap this would run into the timeout; the receiver could only fill socket buffers.
    expect(result.durationMs).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 50));
    const sent = streamedBytes;
    await new Promise((r) => setTimeout(r, 100));
    expect(streamedBytes).toBe(sent);
  });

  it('times out a slow receiver, naming the limit', async () => {
    const result = await send(req(`${base}/slow`, { timeoutMs: 200 }));
    expect(result).toMatchObject({
      statusCode: null,
      retryAfterSeconds: null,
      error: 'timed out after 0.2 s',
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
    expect(result.durationMs).toBeLessThan(1_500);
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await send(req(`http://127.0.0.1:${closedPort}/ok`))).toMatchObject({
      statusCode: null,
      error: 'connection refused',
    });
  });
});

describe('SSRF guard', () => {
  it('refuses loopback unless allowed', async () => {
    const count = hits.length;
    expect(await send(req(`${base}/ok`, { allowLoopback: false }))).toMatchObject({
      statusCode: null,
      error: 'refused: the URL must be an https:// URL',
    });
    const viaName = createHttpWebhookSender({ resolveHost: async () => ['127.0.0.1'] });
    expect(await viaName(req('https://hooks.example.com/ok', { allowLoopback: false }))).toMatchObject({
      statusCode: null,
      error: 'refused: resolves to a loopback address',
    });
    expect(hits.length).toBe(count);
  });

  it('refuses a host when any address it resolves to is private, link-local or mapped', async () => {
    const cases: Array<[string[], string]> = [
      [['10.0.0.7'], 'refused: resolves to a private address'],
      [['93.184.216.34', '10.1.2.3'], 'refused: resolves to a private address'],
      [['169.254.169.254'], 'refused: resolves to a link-local address'],
      [['::ffff:10.0.0.1'], 'refused: resolves to a private address'],
      [['100.64.0.1'], 'refused: resolves to a carrier-grade NAT address'],
      [['fd00::1'], 'refused: resolves to a private address'],
    ];
    for (const [addresses, error] of cases) {
      // Even in local mode (loopback allowed) these stay refused.
      const sender = createHttpWebhookSender({ resolveHost: async () => addresses });
      expect(await sender(req('https://hooks.example.com/ok', { allowLoopback: true }))).toMatchObject({
        statusCode: null,
        error,
      });
    }
  });

  it('refuses literal metadata and private addresses in the URL', async () => {
    expect((await send(req('http://169.254.169.254/latest/meta-data'))).error).toBe(
      'refused: the URL must not point at a link-local address',
    );
    expect((await send(req('https://10.0.0.1/hook'))).error).toBe(
      'refused: the URL must not point at a private network address',
    );
  });

  it('pins the socket to the checked address: the name is only ever resolved by our resolver', async () => {
    const asked: string[] = [];
    const resolver: HostResolver = async (name) => {
      asked.push(name);
      return ['127.0.0.1'];
    };
    const sender = createHttpWebhookSender({ resolveHost: resolver });
    // `receiver.test` does not exist in DNS: only the pinned lookup can connect it.
    const result = await sender(req(`http://receiver.test:${port}/ok`));
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(asked).toEqual(['receiver.test']);
    expect(hits.findLast((h) => h.path === '/ok')?.host).toBe(`receiver.test:${port}`);
  });

  it('reaches a receiver on 127.0.0.1 by the name localhost in local mode, whichever family resolves first', async () => {
    const sender = createHttpWebhookSender({ resolveHost: async () => ['::1', '127.0.0.1'] });
    expect(await sender(req(`http://localhost:${port}/ok`))).toMatchObject({ statusCode: 200, error: null });
    expect(await send(req(`http://localhost:${port}/ok`))).toMatchObject({ statusCode: 200, error: null });
    expect(await send(req(`http://localhost:${port}/ok`, { allowLoopback: false }))).toMatchObject({
      statusCode: null,
      error: 'refused: the URL must be an https:// URL',
    });
  });

  it('reports a host that does not resolve, a failing resolver and a resolver slower than the timeout', async () => {
    const none = createHttpWebhookSender({ resolveHost: async () => [] });
    expect((await none(req('https://nowhere.example/ok'))).error).toBe(
      'DNS lookup failed: the host does not resolve',
    );
    const failing = createHttpWebhookSender({
      resolveHost: async () => {
        throw new Error('SERVFAIL');
      },
    });
    expect((await failing(req('https://nowhere.example/ok'))).error).toBe('DNS lookup failed: SERVFAIL');
    const slow = createHttpWebhookSender({ resolveHost: () => new Promise(() => undefined) });
    expect((await slow(req('https://nowhere.example/ok', { timeoutMs: 100 }))).error).toBe(
      'timed out after 0.1 s',
    );
  });
});

describe('TLS', () => {
  let tls: TlsServer;
  let tlsPort: number;
  let dir: string;
  const serverNames: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'webhook-tls-'));
    // A throwaway self-signed certificate: the sender must refuse it, after sending the right SNI.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=receiver.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const context = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    const secureContext = createSecureContext(context);
    tls = createTlsServer(
      {
        ...context,
        // Called with the ClientHello's server name, before any certificate is sent.
        SNICallback: (name, done) => {
          serverNames.push(name);
          done(null, secureContext);
        },
      },
      (_req, res) => res.writeHead(200).end(),
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    tlsPort = (tls.address() as AddressInfo).port;
  });

  afterAll(async () => {
    tls.closeAllConnections();
    await new Promise<void>((resolve) => tls.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects to the pinned address with the host name as SNI and verifies the certificate', async () => {
    const sender = createHttpWebhookSender({ resolveHost: async () => ['127.0.0.1'] });
    const result = await sender(req(`https://receiver.test:${tlsPort}/ok`));
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/^TLS error: self[- ]signed certificate/);
    expect(serverNames).toEqual(['receiver.test']);
  });
});
