import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxies, type CountingProxies } from '../../bench/lib/counting-proxy.ts';

/**
 * The bench's counting proxies (bench/lib/counting-proxy.ts), in their worker thread, in front of a
 * small upstream that records what reaches it and answers like DynamoDB Local would: what they count
 * and how, what they forward, and that they work while this thread is blocked.
 */

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: number;
}

const CAPACITY: Record<string, unknown> = {
  PutItem: { TableName: 't', CapacityUnits: 2.5 },
  BatchWriteItem: [
    { TableName: 't', CapacityUnits: 1 },
    { TableName: 'u', CapacityUnits: 3 },
  ],
  GetItem: { TableName: 't', CapacityUnits: 0.5 },
  Query: { TableName: 't', CapacityUnits: 4 },
};

let upstream: Server;
let upstreamUrl: string;
const seen: Seen[] = [];
let counting: CountingProxies<'dynamodb' | 's3' | 'scheduler' | 'sqs'>;

function startUpstream(): Promise<Server> {
  const socketIds = new WeakMap<Socket, number>();
  let sockets = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        socket: socketIds.get(req.socket) ?? -1,
      });
      const status = Number(req.headers['x-test-status'] ?? 200);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const answer = JSON.stringify({ echo: body, ConsumedCapacity: CAPACITY[operation] });
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-upstream': 'yes' });
      res.end(answer);
    });
  });
  server.on('connection', (socket) => socketIds.set(socket, ++sockets));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const dynamo = (operation: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(counting.proxies.dynamodb.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  upstream = await startUpstream();
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  counting = await startCountingProxies(['dynamodb', 's3', 'scheduler', 'sqs']);
  for (const proxy of Object.values(counting.proxies)) proxy.setTarget(upstreamUrl);
});

afterAll(async () => {
  await counting?.close();
  upstream?.closeAllConnections();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
});

describe('the DynamoDB proxy', () => {
  it('counts by operation, asks for consumed capacity and adds up the units', async () => {
    const { dynamodb } = counting.proxies;
    await dynamodb.reset();
    seen.length = 0;

    const put = await dynamo('PutItem', { TableName: 't', Item: { pk: { S: 'a' } } });
    expect(put.status).toBe(200);
    expect(put.headers.get('x-upstream')).toBe('yes');
    const putAnswer = (await put.json()) as { echo: string };
    // The answer comes back whole; the request reached the upstream with the field added.
    expect(JSON.parse(putAnswer.echo)).toEqual({
      TableName: 't',
      Item: { pk: { S: 'a' } },
      ReturnConsumedCapacity: 'TOTAL',
    });
    expect(Number(seen[0]?.headers['content-length'])).toBe(Buffer.byteLength(putAnswer.echo));
    expect(seen[0]?.headers.host).toBe(new URL(upstreamUrl).host);

    expect((await dynamo('BatchWriteItem', { RequestItems: {} })).status).toBe(200);
    expect((await dynamo('GetItem', { TableName: 't', Key: {} })).status).toBe(200);
    expect((await dynamo('GetItem', { TableName: 't', Key: {} })).status).toBe(200);
    // A caller's own choice is kept.
    await dynamo('Query', { TableName: 't', ReturnConsumedCapacity: 'INDEXES' });
    expect(JSON.parse(seen[4]?.body ?? '{}').ReturnConsumedCapacity).toBe('INDEXES');
    // Not a data operation: forwarded untouched and not measured.
    await dynamo('DescribeTable', { TableName: 't' });
    expect(seen[5]?.body).toBe(JSON.stringify({ TableName: 't' }));
    // A failed write costs nothing.
    const failed = await dynamo('PutItem', { TableName: 't' }, { 'x-test-status': '400' });
    expect(failed.status).toBe(400);

    expect(await dynamodb.counts()).toEqual({
      PutItem: 2,
      BatchWriteItem: 1,
      GetItem: 2,
      Query: 1,
      DescribeTable: 1,
    });
    expect(await dynamodb.total()).toBe(7);
    expect(await dynamodb.capacity()).toEqual({ writeUnits: 2.5 + 1 + 3, readUnits: 0.5 + 0.5 + 4 });
  });

  it('keeps its connection to the upstream alive between requests', async () => {
    seen.length = 0;
    for (let i = 0; i < 5; i++) await (await dynamo('GetItem', { TableName: 't', Key: {} })).text();
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
  });

  it('resets its own counts only', async () => {
    await fetch(`${counting.proxies.s3.url}/bucket/key`, { method: 'PUT', body: 'x' });
    await dynamo('PutItem', { TableName: 't' });
    await counting.proxies.dynamodb.reset();
    expect(await counting.proxies.dynamodb.counts()).toEqual({});
    expect(await counting.proxies.dynamodb.total()).toBe(0);
    expect(await counting.proxies.dynamodb.capacity()).toEqual({ readUnits: 0, writeUnits: 0 });
    expect(await counting.proxies.s3.total()).toBeGreaterThan(0);
  });

  it('counts the writes that change GSI1, by index partition', async () => {
    const { dynamodb } = counting.proxies;
    await dynamodb.reset();
    const batchKey = { PK: { S: 'WS#w' }, SK: { S: 'BATCH#b' } };
    // A put of an indexed item, and one of an item outside the index.
    await dynamo('PutItem', { Item: { ...batchKey, GSI1PK: { S: 'ACTIVE' }, GSI1SK: { S: 't#b' } } });
    await dynamo('PutItem', { Item: { PK: { S: 'BATCH#b' }, SK: { S: 'R#0001' } } });
    await dynamo('PutItem', {
      Item: { PK: { S: 'BATCH#b' }, SK: { S: 'CREATING' }, GSI1PK: { S: 'CREATING' }, GSI1SK: { S: 's' } },
    });
    // An update moving the sort key through an attribute name: the item type says which partition.
    await dynamo('UpdateItem', {
      Key: batchKey,
      UpdateExpression: 'SET slots = slots + :one, #gsk = :attention',
      ExpressionAttributeNames: { '#gsk': 'GSI1SK' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':attention': { S: 't2#b' } },
    });
    // The same attention time set again changes nothing in the index: not counted.
    await dynamo('UpdateItem', {
      Key: batchKey,
      UpdateExpression: 'SET slots = slots + :one, #gsk = :attention',
      ExpressionAttributeNames: { '#gsk': 'GSI1SK' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':attention': { S: 't2#b' } },
    });
    // An update of other attributes leaves a KEYS_ONLY index alone.
    await dynamo('UpdateItem', { Key: batchKey, UpdateExpression: 'SET slots = slots - :one' });
    // Leaving the index is not counted (the model counts each entry twice, for its exit).
    await dynamo('UpdateItem', {
      Key: { PK: { S: 'BATCH#b' }, SK: { S: 'HOOK#g' } },
      UpdateExpression: 'SET attempts = :a REMOVE GSI1PK, GSI1SK',
    });
    // In a transaction: an outbox record entering HOOKDUE, a creation marker deleted.
    await dynamo('TransactWriteItems', {
      TransactItems: [
        {
          Update: {
            Key: { PK: { S: 'BATCH#b' }, SK: { S: 'HOOK#h' } },
            UpdateExpression: 'SET GSI1PK = :gpk, GSI1SK = :gsk',
            ExpressionAttributeValues: { ':gpk': { S: 'HOOKDUE' }, ':gsk': { S: 't#b#h' } },
          },
        },
        { Delete: { Key: { PK: { S: 'BATCH#b' }, SK: { S: 'CREATING' } } } },
        { ConditionCheck: { Key: batchKey } },
      ],
    });
    // A delivery waiting for a retry, in one of the due webhooks' shards: named by its shard.
    await dynamo('UpdateItem', {
      Key: { PK: { S: 'BATCH#b' }, SK: { S: 'HOOK#i' } },
      UpdateExpression: 'SET nextAttemptAt = :next, GSI1PK = :gpk, GSI1SK = :gsk',
      ExpressionAttributeValues: {
        ':next': { S: 't3' },
        ':gpk': { S: 'HOOKDUE#7' },
        ':gsk': { S: 't3#b#i' },
      },
    });
    expect(await dynamodb.indexWrites()).toEqual({ ACTIVE: 2, HOOKDUE: 1, 'HOOKDUE#7': 1, CREATING: 1 });
    await dynamodb.reset();
    expect(await dynamodb.indexWrites()).toEqual({});
  });
});

describe('the S3, Scheduler and SQS proxies', () => {
  it('name the operations from the method and path, or the x-amz-target header', async () => {
    const { s3, scheduler, sqs } = counting.proxies;
    await Promise.all([s3.reset(), scheduler.reset(), sqs.reset()]);
    seen.length = 0;

    await fetch(`${s3.url}/bucket/transcripts/a.json`, { method: 'PUT', body: '{"a":1}' });
    await fetch(`${s3.url}/bucket/transcripts/a.json`);
    await fetch(`${s3.url}/bucket/transcripts/a.json`);
    await fetch(`${s3.url}/bucket`, { method: 'HEAD' });
    await fetch(`${scheduler.url}/schedules/batch-1`, { method: 'POST', body: '{}' });
    await fetch(`${scheduler.url}/schedules/batch-1`, { method: 'DELETE' });
    await fetch(`${scheduler.url}/schedule-groups/default`, { method: 'GET' });
    await fetch(`${sqs.url}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: '{}',
    });

    expect(await s3.counts()).toEqual({ PutObject: 1, GetObject: 2, HeadBucket: 1 });
    expect(await scheduler.counts()).toEqual({ CreateSchedule: 1, DeleteSchedule: 1, GetScheduleGroup: 1 });
    expect(await sqs.counts()).toEqual({ SendMessage: 1 });
    // Bodies other than DynamoDB's are forwarded as they are; none is measured.
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/bucket/transcripts/a.json', body: '{"a":1}' });
    expect(await s3.capacity()).toEqual({ readUnits: 0, writeUnits: 0 });
  });
});

describe('a proxy whose target is set after its URL was handed out', () => {
  it('holds the requests until the target is set', async () => {
    const late = await startCountingProxies(['sqs']);
    try {
      let settled = false;
      const pending = fetch(`${late.proxies.sqs.url}/000000000000/dial`, {
        method: 'POST',
        headers: { 'x-amz-target': 'AmazonSQS.SendMessage' },
        body: '{"MessageBody":"m"}',
      }).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      // Counted on arrival, before it is forwarded.
      expect(await late.proxies.sqs.counts()).toEqual({ SendMessage: 1 });

      late.proxies.sqs.setTarget(upstreamUrl);
      const answer = await pending;
      expect(answer.status).toBe(200);
      expect(JSON.parse(((await answer.json()) as { echo: string }).echo)).toEqual({ MessageBody: 'm' });
    } finally {
      await late.close();
    }
  });

  it('rejects a target that is not a URL, here', async () => {
    const bad = await startCountingProxies(['s3']);
    try {
      expect(() => bad.proxies.s3.setTarget('not a url')).toThrow();
    } finally {
      await bad.close();
    }
  });
});

describe('the worker thread', () => {
  it('forwards and answers while this thread is blocked', async () => {
    const off = await startCountingProxies(['dynamodb']);
    try {
      // An unreachable target: the worker itself answers 502, with no help from this thread.
      off.proxies.dynamodb.setTarget(`http://127.0.0.1:${await closedPort()}`);
      // spawnSync blocks this thread's event loop until the child is done: a proxy on this thread
      // could not answer it, and the child would time out.
      const child = spawnSync(
        process.execPath,
        [
          '-e',
          `fetch(process.argv[1], { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem' }, body: '{}' })
             .then((r) => console.log(r.status), (e) => { console.error(e); process.exit(1); })`,
          off.proxies.dynamodb.url,
        ],
        { encoding: 'utf8', timeout: 15_000 },
      );
      expect(child.error).toBeUndefined();
      expect(child.stdout.trim()).toBe('502');
      expect(await off.proxies.dynamodb.counts()).toEqual({ GetItem: 1 });
    } finally {
      await off.close();
    }
  });

  it('stops its servers on close, and answers no more reads', async () => {
    const closing = await startCountingProxies(['scheduler']);
    const { url } = closing.proxies.scheduler;
    await closing.close();
    await expect(fetch(`${url}/schedules/x`)).rejects.toThrow();
    await expect(closing.proxies.scheduler.counts()).rejects.toThrow(/exited/);
  });

  it('refuses an empty list of services', async () => {
    await expect(startCountingProxies([])).rejects.toThrow(/services/);
  });
});
