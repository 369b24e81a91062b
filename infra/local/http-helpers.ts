import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The small HTTP pieces every local server shares (the gateway, the scheduler emulator, the IAM
 * proxies, the simulated network): reading a bounded request body, answering JSON, binding and closing
 * a server, and describing an error for a log line.
 */

/**
 * Reads the whole body, or stops at `limit` bytes without buffering more ('too_large', also when the
 * declared Content-Length is over it); 'aborted' when the connection closes first (the client left, or
 * the server answered and cut it off). The caller decides what a too-large body means for it.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too_large');
  return new Promise((resolveBody, reject) => {
    req.once('close', () => {
      if (!req.readableEnded) resolveBody('aborted');
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        resolveBody('too_large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolveBody(Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', (error) => {
      if (req.destroyed) resolveBody('aborted');
      else reject(error);
    });
  });
}

/**
 * Answers `payload` as JSON with its length, plus `headers`. Nothing is written once headers went out
 * (a timeout answered meanwhile, or an error after a partial answer).
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const body = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(body.length),
  });
  res.end(body);
}

/** Binds `server` (port 0 picks a free one) and gives its port and base URL. */
export async function listen(
  server: Server,
  port: number,
  host: string,
): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { port: address.port, url: `http://${hostname}:${address.port}` };
}

/** Stops accepting and drops open connections: a client's kept-alive sockets must not hold it up. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The error's message alone, for a line a person reads. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `Name: message` for a log line; the stack when `withStack` (and it has one). */
export function describeError(error: unknown, { withStack = false } = {}): string {
  if (error instanceof Error) {
    return (withStack ? error.stack : undefined) ?? `${error.name}: ${error.message}`;
  }
  return String(error);
}
