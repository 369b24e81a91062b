import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '#shared/adapters/dynamodb/table.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/emulators/dynamodb-local.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '#infra/local/functions/local-env.ts';
import { createDynamoDbStreamsApi } from '#infra/local/triggers/stream-reader.ts';
import {
  createFileCheckpoints,
  createMemoryCheckpoints,
  type StreamCheckpoints,
} from '#infra/local/triggers/stream-checkpoints.ts';
import {
  startStreamPoller,
  type StreamFailureDescription,
  type StreamPoller,
} from '#infra/local/triggers/stream-poller.ts';
import { startSqsEmulator, type SqsEmulator } from '#infra/local/emulators/sqs-emulator.ts';
import { STREAM_SOURCES, type StreamSourceSpec } from '#infra/wiring.ts';
import { sleep, until } from '../helpers/wait.ts';

/** The local DynamoDB Streams event source mapping, against DynamoDB Local's streams. */

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
let sqs: SqsEmulator;
let dir: string;
let tables = 0;
let poller: StreamPoller | undefined;

beforeAll(async () => {
  [dynamo, sqs, dir] = await Promise.all([
    startDynamoDbLocal(),
    startSqsEmulator(),
    mkdtemp(join(tmpdir(), 'batch-calls-streams-')),
  ]);
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_SDK_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});
afterAll(async () => {
  client?.destroy();
  await Promise.all([
    dynamo?.stop(),
    sqs?.stop(),
    dir ? rm(dir, { recursive: true, force: true }) : undefined,
  ]);
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

const wired = STREAM_SOURCES[0];
if (!wired) throw new Error('The wiring has no stream source');

const source = (overrides: Partial<StreamSourceSpec> = {}): StreamSourceSpec => ({
  ...wired,
  filters: [],
  ...overrides,
});

async function newTable(): Promise<string> {
  const name = `streams-test-${++tables}`;
  await ensureTable(client, name);
  return name;
}

async function put(table: string, sk: string, entity: string, extra: Record<string, string> = {}) {
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        PK: { S: 'BATCH#1' },
        SK: { S: sk },
        entity: { S: entity },
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { S: v }])),
      },
    }),
  );
}

async function setStatus(table: string, sk: string, status: string) {
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { PK: { S: 'BATCH#1' }, SK: { S: sk } },
      UpdateExpression: 'SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': { S: status } },
    }),
  );
}

const sk = (r: DynamoDBRecord) => r.dynamodb?.NewImage?.SK?.S ?? '?';

function poll(
  table: string,
  spec: StreamSourceSpec,
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>,
  checkpoints: StreamCheckpoints = createMemoryCheckpoints(),
  failures: StreamFailureDescription[] = [],
): StreamPoller {
  poller = startStreamPoller({
    source: spec,
    api: createDynamoDbStreamsApi(dynamo.endpoint),
    tableName: table,
    checkpoints,
    invoke: async (event) => handler(structuredClone(event)),
    functionArn: 'arn:aws:lambda:local:000000000000:function:batch-calls-local-tableStream',
    sendFailure: async (description) => {
      failures.push(description);
    },
    idlePollMs: 30,
    retryBaseMs: 20,
    log: () => undefined,
  });
  return poller;
}

describe('stream poller', () => {
  it('passes only the records the wiring’s filters select, at most batchSize at a time, in order', async () => {
    const table = await newTable();
    const events: DynamoDBRecord[][] = [];
    poll(table, source({ filters: wired.filters, batchSize: 2 }), async (event) => {
      events.push(event.Records);
    });
    await put(table, 'BATCH#a', 'batch', { status: 'pending' });
    await put(table, 'AGENT#x', 'agent');
    await put(table, 'R#1', 'recipient', { status: 'pending' });
    await setStatus(table, 'R#1', 'dialing');
    await put(table, 'BATCH#b', 'batch', { status: 'scheduled' });
    await setStatus(table, 'R#1', 'completed');
    await setStatus(table, 'BATCH#a', 'running');
    await until(() => events.flat().length >= 4, 5_000, 'four records');
    await sleep(300);

    const records = events.flat();
    // A recipient's end passes; its claim (pending → dialing: the live log is written by the claim
    // itself), the agent and the recipient's INSERT do not.
    expect(records.map((r) => `${r.eventName} ${sk(r)} ${r.dynamodb?.NewImage?.status?.S}`)).toEqual([
      'INSERT BATCH#a pending',
      'INSERT BATCH#b scheduled',
      'MODIFY R#1 completed',
      'MODIFY BATCH#a running',
    ]);
    expect(events.every((e) => e.length <= 2)).toBe(true);
    const first = records[0];
    expect(first?.eventSource).toBe('aws:dynamodb');
    expect(first?.eventSourceARN).toMatch(new RegExp(`table/${table}/stream/`));
    expect(first?.dynamodb?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(first?.dynamodb?.Keys).toEqual({ PK: { S: 'BATCH#1' }, SK: { S: 'BATCH#a' } });
    expect(records[2]?.dynamodb?.OldImage?.status?.S).toBe('dialing');
    const sequence = records.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
  });

  it('hands the function empty maps as DynamoDB Streams does, {"M": {}}, at any depth', async () => {
    // DynamoDB Local writes them as {} and the SDK's stream client reads them so; unmarshall refuses {}.
    const table = await newTable();
    const events: DynamoDBRecord[][] = [];
    poll(table, source(), async (event) => {
      events.push(event.Records);
    });
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          PK: { S: 'BATCH#1' },
          SK: { S: 'R#empty' },
          entity: { S: 'recipient' },
          dynamicVars: { M: {} },
          nested: { M: { inner: { M: {} }, list: { L: [{ M: {} }, { S: 'x' }] } } },
          blob: { B: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    await setStatus(table, 'R#empty', 'completed');
    await until(() => events.flat().length >= 2, 5_000, 'both records');

    const [inserted, modified] = events.flat();
    expect(inserted?.dynamodb?.NewImage?.dynamicVars).toEqual({ M: {} });
    expect(inserted?.dynamodb?.NewImage?.blob).toEqual({ B: 'AQID' });
    expect(typeof inserted?.dynamodb?.ApproximateCreationDateTime).toBe('number');
    expect(modified?.dynamodb?.OldImage?.dynamicVars).toEqual({ M: {} });
    const image = unmarshall(modified?.dynamodb?.NewImage as Record<string, AttributeValue>);
    expect(image).toMatchObject({
      dynamicVars: {},
      nested: { inner: {}, list: [{}, 'x'] },
      status: 'completed',
    });
  });

  it('bisects a failing batch down to the bad record, which goes to the on-failure destination', async () => {
    const table = await newTable();
    const sizes: number[] = [];
    const succeeded: string[] = [];
    const failures: StreamFailureDescription[] = [];
    // Written before the poller starts (TRIM_HORIZON), so it reads them as one batch.
    for (let i = 1; i <= 8; i++) await put(table, `R#${i}`, 'recipient');
    poll(
      table,
      source({ batchSize: 10, bisectBatchOnError: true, retryAttempts: 2 }),
      async (event) => {
        sizes.push(event.Records.length);
        if (event.Records.some((r) => sk(r) === 'R#5')) throw new Error('poison');
        succeeded.push(...event.Records.map(sk));
      },
      createMemoryCheckpoints(),
      failures,
    );
    await until(
      () => failures.length === 1 && succeeded.length === 7,
      8_000,
      'the poison record to be set aside',
    );

    expect(succeeded.sort()).toEqual(['R#1', 'R#2', 'R#3', 'R#4', 'R#6', 'R#7', 'R#8']);
    // 8 fails → 4 + 4, the bad half → 2 + 2, → 1 + 1; the single record is retried twice more.
    expect(sizes.slice(0, 2)).toEqual([8, 4]);
    expect(sizes.filter((s) => s === 1).length).toBeGreaterThanOrEqual(3);
    const info = failures[0]?.DDBStreamBatchInfo;
    expect(info?.batchSize).toBe(1);
    expect(info?.startSequenceNumber).toBe(info?.endSequenceNumber);
    expect(failures[0]?.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(failures[0]?.requestContext.approximateInvokeCount).toBe(3);

    // The shard moves on: later records still arrive.
    await put(table, 'R#9', 'recipient');
    await until(() => succeeded.includes('R#9'), 3_000, 'a later record');
  });

  it('resumes from the first failed record of a partial batch failure', async () => {
    const table = await newTable();
    const events: string[][] = [];
    for (let i = 1; i <= 5; i++) await put(table, `R#${i}`, 'recipient');
    poll(table, source({ batchSize: 10, bisectBatchOnError: false }), async (event) => {
      events.push(event.Records.map(sk));
      if (events.length === 1) {
        const failed = event.Records.filter((r) => ['R#3', 'R#5'].includes(sk(r)));
        return {
          batchItemFailures: failed.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
        };
      }
      return { batchItemFailures: [] };
    });
    await until(() => events.length >= 2, 5_000, 'the retry');
    await sleep(200);
    expect(events).toEqual([
      ['R#1', 'R#2', 'R#3', 'R#4', 'R#5'],
      ['R#3', 'R#4', 'R#5'],
    ]);
  });

  it('treats an unknown itemIdentifier as a failure of the whole batch', async () => {
    const table = await newTable();
    const events: string[][] = [];
    poll(table, source({ batchSize: 10, bisectBatchOnError: false }), async (event) => {
      events.push(event.Records.map(sk));
      return events.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'nope' }] } : undefined;
    });
    await put(table, 'R#1', 'recipient');
    await until(() => events.length >= 2, 3_000, 'the retry');
    expect(events[1]).toEqual(['R#1']);
  });

  it('sends what it gives up on to the stream-failures queue and moves on', async () => {
    const table = await newTable();
    let invocations = 0;
    const later: string[] = [];
    poller = startStreamPoller({
      source: source({ bisectBatchOnError: false, retryAttempts: 1 }),
      api: createDynamoDbStreamsApi(dynamo.endpoint),
      tableName: table,
      checkpoints: createMemoryCheckpoints(),
      invoke: async (event) => {
        invocations++;
        if (event.Records.some((r) => sk(r) === 'R#1')) throw new Error('always');
        later.push(...event.Records.map(sk));
        return undefined;
      },
      functionArn: 'arn:aws:lambda:local:000000000000:function:batch-calls-local-tableStream',
      // As local-aws.ts wires it: the description goes to the stream-failures queue.
      sendFailure: async (description) => {
        const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
        await sqs.client.send(
          new SendMessageCommand({
            QueueUrl: sqs.streamFailures.url,
            MessageBody: JSON.stringify(description),
          }),
        );
      },
      idlePollMs: 30,
      retryBaseMs: 20,
      log: () => undefined,
    });
    await put(table, 'R#1', 'recipient');
    let body: string | undefined;
    await until(
      () => {
        void sqs.client
          .send(new ReceiveMessageCommand({ QueueUrl: sqs.streamFailures.url, WaitTimeSeconds: 0 }))
          .then((out) => (body ??= out.Messages?.[0]?.Body));
        return body !== undefined;
      },
      5_000,
      'the failure description',
    );
    const description = JSON.parse(body ?? '{}') as StreamFailureDescription;
    expect(invocations).toBe(2); // The first try and one retry.
    expect(description.version).toBe('1.0');
    expect(description.requestContext.functionArn).toMatch(/tableStream$/);
    expect(description.DDBStreamBatchInfo).toMatchObject({ batchSize: 1 });
    expect(description.DDBStreamBatchInfo.streamArn).toMatch(new RegExp(`table/${table}/stream/`));

    await put(table, 'R#2', 'recipient');
    await until(() => later.includes('R#2'), 3_000, 'the next record');
  });

  it('resumes after its checkpoint when restarted, instead of reading the stream again', async () => {
    const table = await newTable();
    const file = join(dir, `checkpoints-${table}.json`);
    const seen: string[] = [];
    const handler = async (event: DynamoDBStreamEvent) => {
      seen.push(...event.Records.map(sk));
    };
    poll(table, source(), handler, await createFileCheckpoints(file));
    for (let i = 1; i <= 3; i++) await put(table, `R#${i}`, 'recipient');
    await until(() => seen.length === 3, 5_000, 'the first records');
    await poller?.stop();

    await put(table, 'R#4', 'recipient');
    await put(table, 'R#5', 'recipient');
    poll(table, source(), handler, await createFileCheckpoints(file));
    await until(() => seen.length >= 5, 5_000, 'the records written while stopped');
    await sleep(300);
    expect(seen).toEqual(['R#1', 'R#2', 'R#3', 'R#4', 'R#5']);
  });
});
