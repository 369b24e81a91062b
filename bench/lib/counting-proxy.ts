import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of one local AWS endpoint that counts the requests going through it, by
 * operation. The functions are pointed at it through their AWS_ENDPOINT_URL_* variables, so exactly
 * their requests are counted — not those of the local pollers (which stand in for Lambda's event
 * source mappings) nor the benchmark's own. For DynamoDB it also asks for ReturnConsumedCapacity and
 * adds up the read and write capacity units DynamoDB Local reports, which is what on-demand bills.
 */

export type CountedService = 'dynamodb' | 'sqs' | 's3' | 'scheduler';

export interface CountingProxy {
  url: string;
  /** Where requests go; requests arriving before it is set wait for it. */
  setTarget(url: string): void;
  /** Requests by operation since the last reset. */
  counts(): Record<string, number>;
  total(): number;
  /** DynamoDB only: capacity units consumed since the last reset. */
  capacity(): { readUnits: number; writeUnits: number };
  reset(): void;
  close(): Promise<void>;
}

const DYNAMO_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const DYNAMO_CAPACITY_OPS = new Set([
  ...DYNAMO_WRITES,
  'GetItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'TransactGetItems',
]);

function operationOf(service: CountedService, req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const path = new URL(req.url ?? '/', 'http://proxy').pathname;
  if (service === 's3') {
    const isObject = path.split('/').filter(Boolean).length >= 2;
    const verb: Record<string, string> = { PUT: 'Put', GET: 'Get', HEAD: 'Head', DELETE: 'Delete' };
    return `${verb[req.method ?? ''] ?? req.method ?? '?'}${isObject ? 'Object' : 'Bucket'}`;
  }
  if (service === 'scheduler') {
    const verb: Record<string, string> = { POST: 'Create', PUT: 'Update', GET: 'Get', DELETE: 'Delete' };
    return `${verb[req.method ?? ''] ?? req.method ?? '?'}${path.startsWith('/schedule-groups') ? 'ScheduleGroup' : 'Schedule'}`;
  }
  // SQS's query protocol names the action in the body; the SDK in use speaks JSON (x-amz-target).
  return `${req.method ?? '?'} ${path}`;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function unitsOf(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum: number, c: { CapacityUnits?: number }) => sum + (c.CapacityUnits ?? 0), 0);
}

export async function startCountingProxy(service: CountedService): Promise<CountingProxy> {
  let target: URL | null = null;
  let announce: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (announce = resolve));
  let counts: Record<string, number> = {};
  let readUnits = 0;
  let writeUnits = 0;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const operation = operationOf(service, req);
      counts[operation] = (counts[operation] ?? 0) + 1;
      let body = await readAll(req);
      const measure = service === 'dynamodb' && DYNAMO_CAPACITY_OPS.has(operation);
      if (measure) {
        // DynamoDB Local does not check signatures, so the body may gain a field on the way.
        const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        json.ReturnConsumedCapacity ??= 'TOTAL';
        body = Buffer.from(JSON.stringify(json));
      }
      await ready;
      const to = target;
      if (!to) throw new Error('no target');
      const headers = { ...req.headers, host: to.host, 'content-length': String(body.length) };
      // The body is forwarded whole, so its length replaces any chunked framing.
      delete headers['transfer-encoding'];
      const upstream = httpRequest(
        { hostname: to.hostname, port: to.port, method: req.method, path: req.url, headers },
        (answer) => {
          void (async () => {
            const data = await readAll(answer);
            if (measure && (answer.statusCode ?? 500) < 300) {
              try {
                const parsed = JSON.parse(data.toString('utf8')) as { ConsumedCapacity?: unknown };
                const units = unitsOf(parsed.ConsumedCapacity);
                if (DYNAMO_WRITES.has(operation)) writeUnits += units;
                else readUnits += units;
              } catch {
                // Not JSON: nothing to add up.
              }
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(data);
          })().catch(() => res.destroy());
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setTarget(url) {
      target = new URL(url);
      announce();
    },
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    capacity: () => ({ readUnits, writeUnits }),
    reset() {
      counts = {};
      readUnits = 0;
      writeUnits = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
