// @ts-check
import { Buffer } from 'node:buffer';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { URL } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

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

/** The item type of a key or item: its PK's (or SK's) first segment, e.g. `BATCH:R`. */
function itemTypeOf(key) {
  if (!key || typeof key !== 'object') return '?';
  const pk = key.PK?.S ?? key.GSI1PK?.S;
  const sk = key.SK?.S;
  const head = (v) => (typeof v === 'string' ? v.split('#')[0] : '?');
  return sk === undefined ? head(pk) : `${head(pk)}:${head(sk)}`;
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

/** The GSI1 partition an item type sits in when it is in the index (keys.ts, "Sparse index GSI1"). */
const INDEX_PARTITION_OF_TYPE = {
  'WS:BATCH': 'ACTIVE',
  'BATCH:HOOK': 'HOOKDUE',
  'BATCH:CREATING': 'CREATING',
};
const INDEX_PARTITIONS = new Set(Object.values(INDEX_PARTITION_OF_TYPE));

/**
 * The GSI1 partitions one write action changes (the capacity model's index write rates): a put of
 * an item carrying GSI1PK, an update that sets GSI1PK or GSI1SK (directly or through an attribute
 * name). Exits are not counted here (see below). Updates of other
 * attributes leave a KEYS_ONLY index untouched.
 */
function indexWritesOfAction(action, kind) {
  const key = action.Key ?? action.Item;
  const type = itemTypeOf(key);
  if (kind === 'Put') {
    const pk = action.Item?.GSI1PK?.S;
    const item = itemKeyOf(key);
    if (item !== null) lastIndexKey.set(item, `${pk ?? ''}\u0000${action.Item?.GSI1SK?.S ?? ''}`);
    return typeof pk === 'string' ? [pk] : [];
  }
  // Leaving the index (a delete, a REMOVE) costs a write only for an item that entered it, whose
  // entry is counted: the model counts each entry twice, once for its exit (capacity-model.ts).
  if (kind === 'Delete') return [];
  const set =
    /\bSET\b([\s\S]*?)(?=\b(?:REMOVE|ADD|DELETE)\b|$)/i.exec(action.UpdateExpression ?? '')?.[1] ?? '';
  const names = action.ExpressionAttributeNames ?? {};
  const touched = ['GSI1PK', 'GSI1SK'].some(
    (attribute) =>
      new RegExp(`\\b${attribute}\\b`).test(set) ||
      Object.entries(names).some(([alias, name]) => name === attribute && set.includes(alias)),
  );
  if (!touched) return [];
  // Setting an index key to the value it has writes nothing to the index (DynamoDB writes an index
  // only when a key or projected attribute changes): a busy batch's progress writes set the same
  // stepped attention time again and again (entities/batch.ts, ATTENTION_STEP_MS).
  const assigned = assignedIndexKey(set, names, action.ExpressionAttributeValues ?? {});
  const item = itemKeyOf(key);
  if (assigned !== null && item !== null) {
    // An attribute the update leaves alone keeps the value it had.
    const before = lastIndexKey.get(item)?.split('\u0000') ?? [];
    const after = assigned.map((value, i) => value ?? before[i] ?? '').join('\u0000');
    if (lastIndexKey.get(item) === after) return [];
    lastIndexKey.set(item, after);
  }
  const values = Object.values(action.ExpressionAttributeValues ?? {});
  // A due webhook's partition is one of the HOOKDUE#<n> shards (keys.ts, HOOKDUE_SHARDS).
  const named = values.find(
    (v) => typeof v?.S === 'string' && (INDEX_PARTITIONS.has(v.S) || /^HOOKDUE#\d+$/.test(v.S)),
  );
  return [named?.S ?? INDEX_PARTITION_OF_TYPE[type] ?? '?'];
}

/** The index key each item was last seen set to (by an update or a put): see indexWritesOfAction. */
const lastIndexKey = new Map();

function itemKeyOf(key) {
  const pk = key?.PK?.S;
  const sk = key?.SK?.S;
  return typeof pk === 'string' && typeof sk === 'string' ? `${pk}\u0000${sk}` : null;
}

/**
 * The GSI1PK and GSI1SK values a SET clause assigns (null for one it does not assign), or null when
 * it assigns them from something other than plain values (then every such write counts).
 */
function assignedIndexKey(set, names, values) {
  const parts = [];
  for (const attribute of ['GSI1PK', 'GSI1SK']) {
    const aliases = [
      attribute,
      ...Object.entries(names)
        .filter(([, n]) => n === attribute)
        .map(([a]) => a),
    ];
    let found = null;
    for (const assignment of set.split(',')) {
      const [left, right] = assignment.split('=').map((side) => side?.trim());
      if (left && right && aliases.includes(left)) found = right;
    }
    if (found === null) {
      parts.push(null);
      continue;
    }
    const value = values[found]?.S;
    if (typeof value !== 'string') return null;
    parts.push(value);
  }
  return parts;
}

/** Every GSI1 partition a DynamoDB request writes, once per write action. */
function indexWritesOf(operation, json) {
  if (operation === 'PutItem') return indexWritesOfAction(json, 'Put');
  if (operation === 'UpdateItem') return indexWritesOfAction(json, 'Update');
  if (operation === 'DeleteItem') return indexWritesOfAction(json, 'Delete');
  const partitions = [];
  for (const t of json.TransactItems ?? []) {
    if (t.Put) partitions.push(...indexWritesOfAction(t.Put, 'Put'));
    if (t.Update) partitions.push(...indexWritesOfAction(t.Update, 'Update'));
    if (t.Delete) partitions.push(...indexWritesOfAction(t.Delete, 'Delete'));
  }
  for (const table of Object.values(json.RequestItems ?? {})) {
    if (!Array.isArray(table)) continue;
    for (const w of table) {
      if (w.PutRequest) partitions.push(...indexWritesOfAction(w.PutRequest, 'Put'));
      if (w.DeleteRequest) partitions.push(...indexWritesOfAction(w.DeleteRequest, 'Delete'));
    }
  }
  return partitions;
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
