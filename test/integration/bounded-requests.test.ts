import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, createSchedulerClient, createSqsClient } from '#shared/adapters/aws-clients.ts';
import { createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { SDK_REQUEST_HANDLER } from '#shared/adapters/sdk-http.ts';

/**
 * Every wait has a bound (issue 11): an endpoint that takes the request and never answers — what a
 * half-open keep-alive socket or a stalled emulator looks like — must fail the SDK call with a
 * timeout, not hold it (and the function, and a stream shard behind it) forever. Before the fix each
 * of these calls never settled.
 */

let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined); // read the request, answer nothing
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const options = () => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  // One attempt: the bound of a single request is what is measured (the SDK retries a timeout twice).
  maxAttempts: 1,
});

async function settles(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
    return { error: null, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

describe('SDK clients against an endpoint that never answers', () => {
  it('give up after their request timeout', async () => {
    const dynamo = createDynamoDbClient(options());
    const sqs = createSqsClient(options());
    const s3 = createS3Client(options());
    const scheduler = createSchedulerClient(options());
    try {
      const results = await Promise.all([
        settles(() =>
          dynamo.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'a' }, SK: { S: 'b' } } })),
        ),
        settles(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: `${endpoint}/000000000000/q` }))),
        settles(() => s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))),
        settles(() => scheduler.send(new GetScheduleCommand({ Name: 'n' }))),
      ]);
      for (const { error, ms } of results) {
        expect((error as Error | null)?.name).toBe('TimeoutError');
        expect(ms).toBeLessThan((SDK_REQUEST_HANDLER.requestTimeout ?? 0) + 5_000);
      }
    } finally {
      for (const client of [dynamo, sqs, s3, scheduler]) client.destroy();
    }
  }, 30_000);
});
