// @ts-check
import { Buffer } from 'node:buffer';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { URL } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { indexWritesOf, itemTypeOf } from './counting-index-writes.mjs';

/**
 * The worker thread that hosts the bench's counting proxies (started by counting-proxy.ts, which
 * describes them and the messages exchanged with this thread). Every request the functions make to
 * the AWS emulators is parsed, counted and forwarded here, on a thread of its own, so the measuring
 * costs the service under test no time on its event loop.
 *
 * Plain JavaScript on purpose: Node 20 does not apply ESM loaders (tsx) given in a worker's execArgv
 * (nodejs/node#47747), and vitest's transforms do not reach worker threads either, so a TypeScript
 * worker would need a build step; this file runs as it is under `tsx`, vitest and plain node.
 */

/** @typedef {'dynamodb' | 's3' | 'scheduler' | 'sqs'} CountedService */
/** @typedef {{ counts: Record<string, number>; details: Record<string, number>; indexWrites: Record<string, number>; readUnits: number; writeUnits: number }} ProxySnapshot */
/**
 * @typedef {object} ProxyServer
 * @property {string} url
 * @property {(url: string) => void} setTarget
 * @property {() => ProxySnapshot} snapshot
 * @property {() => void} reset
 * @property {() => Promise<void>} close
 */

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
/** @type {Record<string, string>} */
const S3_VERBS = { PUT: 'Put', GET: 'Get', HEAD: 'Head', DELETE: 'Delete' };
/** @type {Record<string, string>} */
const SCHEDULER_VERBS = { POST: 'Create', PUT: 'Update', GET: 'Get', DELETE: 'Delete' };

/**
 * @param {CountedService} service
 * @param {import('node:http').IncomingMessage} req
 */
function operationOf(service, req) {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const path = new URL(req.url ?? '/', 'http://proxy').pathname;
  const method = req.method ?? '?';
  if (service === 's3') {
    const isObject = path.split('/').filter(Boolean).length >= 2;
    return `${S3_VERBS[method] ?? method}${isObject ? 'Object' : 'Bucket'}`;
  }
  if (service === 'scheduler') {
    const kind = path.startsWith('/schedule-groups') ? 'ScheduleGroup' : 'Schedule';
    return `${SCHEDULER_VERBS[method] ?? method}${kind}`;
  }
  // SQS's query protocol names the action in the body; the SDK in use speaks JSON (x-amz-target).
  return `${method} ${path}`;
}

/**
 * @param {import('node:http').IncomingMessage} stream
 * @returns {Promise<Buffer>}
 */
function readAll(stream) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** @param {unknown} consumed DynamoDB's ConsumedCapacity: one entry, or a list (batch operations). */
function unitsOf(consumed) {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum, c) => sum + (typeof c?.CapacityUnits === 'number' ? c.CapacityUnits : 0), 0);
}

/**
 * What a DynamoDB request touches, by item type: the detail that tells which step of the run path
 * costs a request (`UpdateItem BATCH:BATCH`, `TransactWriteItems BATCH:R+WS:WS+...`).
 */
function dynamoDetail(operation, json) {
  const types = [];
  if (json.Key) types.push(itemTypeOf(json.Key));
  if (json.Item) types.push(itemTypeOf(json.Item));
  for (const t of json.TransactItems ?? []) {
    const inner = t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck ?? t.Get;
    if (inner) types.push(itemTypeOf(inner.Key ?? inner.Item));
  }
  for (const table of Object.values(json.RequestItems ?? {})) {
    if (Array.isArray(table))
      for (const w of table)
        types.push(itemTypeOf((w.PutRequest ?? w.DeleteRequest)?.Item ?? w.DeleteRequest?.Key));
    else for (const k of table.Keys ?? []) types.push(itemTypeOf(k));
  }
  if (operation === 'Query') {
    const first = Object.values(json.ExpressionAttributeValues ?? {}).find((v) => typeof v?.S === 'string');
    types.push(`${json.IndexName ? json.IndexName + ' ' : ''}${first ? first.S.split('#')[0] : '?'}`);
  }
  return `${operation} ${[...new Set(types)].sort().join('+')}`;
}

/**
 * One proxy: forwards every request to its target and counts it by operation; for DynamoDB it also
 * asks for ReturnConsumedCapacity and adds up the units the answers report.
 *
 * @param {CountedService} service
 * @returns {Promise<ProxyServer>}
 */
async function startProxyServer(service) {
  /** @type {URL | null} */
  let target = null;
  /** @type {() => void} */
  let announce = () => undefined;
  /** @type {Promise<void>} */
  const ready = new Promise((resolve) => (announce = resolve));
  /** @type {Record<string, number>} */
  let counts = {};
  /** @type {Record<string, number>} */
  let details = {};
  /** @type {Record<string, number>} capacity units by the same detail */
  let detailUnits = {};
  /** @type {Record<string, number>} */
  let indexWrites = {};
  let readUnits = 0;
  let writeUnits = 0;
  // Keep-alive to the upstream, as the SDK clients keep theirs to the real endpoint: a connection
  // per request would add its own cost to what is measured.
  const agent = new Agent({ keepAlive: true });

  const server = createServer((req, res) => {
    const fail = () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    };
    void (async () => {
      const operation = operationOf(service, req);
      counts[operation] = (counts[operation] ?? 0) + 1;
      let body = await readAll(req);
      const measure = service === 'dynamodb' && DYNAMO_CAPACITY_OPS.has(operation);
      /** @type {string | null} */
      let detail = null;
      if (measure) {
        // DynamoDB Local does not check signatures, so the body may gain a field on the way.
        const json = JSON.parse(body.toString('utf8'));
        detail = dynamoDetail(operation, json);
        details[detail] = (details[detail] ?? 0) + 1;
        if (DYNAMO_WRITES.has(operation)) {
          for (const partition of indexWritesOf(operation, json)) {
            indexWrites[partition] = (indexWrites[partition] ?? 0) + 1;
          }
        }
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
        { hostname: to.hostname, port: to.port, method: req.method, path: req.url, headers, agent },
        (answer) => {
          void (async () => {
            const data = await readAll(answer);
            if (measure && (answer.statusCode ?? 500) < 300) {
              try {
                const units = unitsOf(JSON.parse(data.toString('utf8')).ConsumedCapacity);
                if (detail) detailUnits[detail] = (detailUnits[detail] ?? 0) + units;
                if (DYNAMO_WRITES.has(operation)) writeUnits += units;
                else readUnits += units;
              } catch {
                // Not JSON: nothing to add up.
              }
            }
            // Added up before the answer leaves, so a read made after it arrived includes it.
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(data);
          })().catch(() => res.destroy());
        },
      );
      upstream.on('error', fail);
      upstream.end(body);
    })().catch(fail);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    setTarget(url) {
      target = new URL(url);
      announce();
    },
    snapshot: () => ({
      counts: { ...counts },
      details: { ...details },
      detailUnits: { ...detailUnits },
      indexWrites: { ...indexWrites },
      readUnits,
      writeUnits,
    }),
    reset() {
      counts = {};
      details = {};
      detailUnits = {};
      indexWrites = {};
      readUnits = 0;
      writeUnits = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

if (isMainThread || !parentPort) throw new Error('counting-proxy-worker.mjs runs only as a worker thread');
const port = parentPort;
/** @param {unknown} message a ProxyWorkerMessage (counting-proxy.ts) */
const post = (message) => port.postMessage(message);

/** @type {{ services: CountedService[] }} */
const { services } = workerData;
/** @type {Map<CountedService, ProxyServer>} */
const servers = new Map();

/** @param {CountedService} service */
function serverOf(service) {
  const server = servers.get(service);
  if (!server) throw new Error(`no counting proxy for ${service}`);
  return server;
}

// Requests from counting-proxy.ts (ProxyWorkerRequest there); all but setTarget are answered by id.
port.on('message', (request) => {
  void (async () => {
    try {
      switch (request.type) {
        case 'setTarget':
          serverOf(request.service).setTarget(request.url);
          return;
        case 'snapshot':
          post({ type: 'answer', id: request.id, snapshot: serverOf(request.service).snapshot() });
          return;
        case 'reset':
          serverOf(request.service).reset();
          post({ type: 'answer', id: request.id });
          return;
        case 'close':
          await Promise.all([...servers.values()].map((server) => server.close()));
          post({ type: 'answer', id: request.id });
          // Nothing is left to keep this thread alive: it ends by itself.
          port.close();
          return;
        default:
          throw new Error(`unknown request ${String(request.type)}`);
      }
    } catch (error) {
      // The main thread checks setTarget's URL before sending it; nobody waits for its answer.
      if (typeof request.id === 'number') post({ type: 'error', id: request.id, error: String(error) });
    }
  })();
});

try {
  for (const service of services) servers.set(service, await startProxyServer(service));
  post({
    type: 'started',
    urls: Object.fromEntries([...servers].map(([service, server]) => [service, server.url])),
  });
} catch (error) {
  await Promise.all([...servers.values()].map((server) => server.close()));
  post({ type: 'failed', error: String(error) });
  port.close();
}
