import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { keys, recipientPartition } from '#shared/adapters/dynamodb/keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '#infra/local/functions/local-env.ts';
import { waitForBatchEnd } from '../helpers/batch-run.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { seedAgent } from '../helpers/seed.ts';
import { pollUntil } from '../helpers/wait.ts';

/**
 * Retention (docs/deploy.md): a finished batch's item carries `expiresAt` = its end + 90 days (the
 * default) from the write that finished it; when DynamoDB's TTL removes it, the stream function
 * removes what it left in its partition. DynamoDB Local does not run TTL deletions on a schedule, so
 * the test deletes the expired item itself, as the TTL process would; the stream record is the same
 * REMOVE of a batch item.
 */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
const dynamo = () =>
  createDocumentClient({
    client: createDynamoDbClient({
      endpoint: service.dynamodbEndpoint,
      region: LOCAL_SDK_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  });

beforeAll(async () => {
  service = await startLocalService({ simCallMs: 200, sweeperIntervalMs: 1_000 });
  c = client(service.baseUrl, service.apiKey);
}, 120_000);

afterAll(async () => {
  await service?.stop();
});

it('a finished batch carries expiresAt; once it expires, what it left in the table goes too', async () => {
  const { agentId } = await seedAgent(c);
  const created = await c.post('/v1/agents/batch-calls', {
    name: 'Kept 90 days',
    agent_id: agentId,
    recipients: [
      { phone: '+14155551301', first_name: 'Ann', appointment_date: 'Monday' },
      { phone: '+14155550001', first_name: 'Busy', appointment_date: 'Monday' },
    ],
  });
  expect(created.status, created.text).toBe(202);
  const batchId = created.body.id as string;
  const done = await waitForBatchEnd(c, batchId, { timeoutMs: 45_000 });
  expect(done.batch.status).toBe('completed');

  const db = dynamo();
  try {
    const batch = (
      await db.send(
        new GetCommand({ TableName: service.tableName, Key: keys.batch(service.workspaceId, batchId) }),
      )
    ).Item;
    const completedAt = Date.parse(String(batch?.completedAt)) / 1000;
    expect(typeof batch?.expiresAt).toBe('number');
    // 90 days after it finished (the finishing write's own clock, within a minute of completedAt).
    expect(Math.abs(Number(batch?.expiresAt) - (completedAt + 90 * 86_400))).toBeLessThan(60);

    const partition = async () =>
      (
        await db.send(
          new QueryCommand({
            TableName: service.tableName,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': recipientPartition(batchId) },
          }),
        )
      ).Items ?? [];
    const left = await partition();
    // Recipients, the live event log, webhook outbox records if any.
    expect(left.filter((item) => item.entity === 'recipient')).toHaveLength(2);

    // What DynamoDB's TTL does once expiresAt passed.
    await db.send(
      new DeleteCommand({ TableName: service.tableName, Key: keys.batch(service.workspaceId, batchId) }),
    );
    await pollUntil(partition, (items) => items.length === 0, { timeoutMs: 30_000, intervalMs: 250 });
    expect((await c.get(`/v1/agents/batch-calls/${batchId}`)).status).toBe(404);
  } finally {
    db.destroy();
  }
}, 90_000);
