import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  listensOn,
  PortTakenError,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '#infra/local/emulators/dynamodb-local.ts';

/**
 * Two local instances on one machine (issue 11): DynamoDB Local's port is picked free and released
 * before its JVM binds it, so another instance may take it in between. The instance that lost the race
 * must neither run on the other's database (its readiness probe was answered by the winner's JVM)
 * nor fail: it starts on another port.
 */

let other: DynamoDbLocal;
const client = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

beforeAll(async () => {
  other = await startDynamoDbLocal();
  // Something only the other instance has.
  const c = client(other.endpoint);
  await c.send(
    new CreateTableCommand({
      TableName: 'the-other-instance',
      AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  c.destroy();
}, 60_000);
afterAll(async () => other?.stop());

describe('DynamoDB Local ports', () => {
  it('tells our JVM listening on a port from another process', async () => {
    expect(await listensOn(process.pid, other.port)).toBe(false);
    expect(await listensOn(undefined, other.port)).toBe(false);
  });

  it('a fixed port taken by another instance fails instead of borrowing its database', async () => {
    await expect(startDynamoDbLocal({ port: other.port })).rejects.toThrow(PortTakenError);
  }, 60_000);

  it('a picked port taken before the JVM binds it is picked again', async () => {
    const picks: number[] = [];
    const mine = await startDynamoDbLocal({
      pickPort: async () => {
        const port = picks.length === 0 ? other.port : await freePort();
        picks.push(port);
        return port;
      },
    });
    try {
      expect(picks[0]).toBe(other.port);
      expect(picks).toHaveLength(2);
      expect(mine.port).toBe(picks[1]);
      const c = client(mine.endpoint);
      const tables = await c.send(new ListTablesCommand({}));
      c.destroy();
      expect(tables.TableNames ?? []).not.toContain('the-other-instance');
    } finally {
      await mine.stop();
    }
  }, 60_000);
});
