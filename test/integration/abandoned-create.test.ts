import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { creationMarkerItem } from '#shared/adapters/dynamodb/entities/creation-marker.ts';
import { recipientToItem } from '#shared/adapters/dynamodb/entities/recipient.ts';
import { newId } from '#shared/domain/ids.ts';
import type { Recipient } from '#shared/domain/recipient.ts';
import { recipientFixture } from '../helpers/domain-fixtures.ts';
import { pollUntil } from '../helpers/wait.ts';
import { client } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { seedAgent } from '../helpers/seed.ts';
import { countItems } from '../helpers/table-count.ts';

/**
 * Issue 11, item 3, end to end: what a create abandoned mid-way leaves (its creation marker and some
 * recipients, as after a crash of the API function) is removed by the sweeper the local runtime runs,
 * with the permissions and environment the wiring gives it, once older than any request can run — and
 * a create still in progress is left alone.
 */

let service: Awaited<ReturnType<typeof startLocalService>>;

beforeAll(async () => {
  service = await startLocalService({ simCallMs: 300, sweeperIntervalMs: 500 });
});
afterAll(async () => {
  await service?.stop();
});

function recipients(batchId: string, count: number): Recipient[] {
  return Array.from({ length: count }, (_, index) =>
    recipientFixture(
      { batchId, workspaceId: service.workspaceId },
      { index, dynamicVars: { first_name: 'Alice' } },
    ),
  );
}

describe('abandoned batch creations', () => {
  it('the sweeper removes an abandoned create and keeps one still running and every real batch', async () => {
    const c = client(service.baseUrl, service.apiKey);
    const { agentId } = await seedAgent(c);
    const real = await c.post('/v1/agents/batch-calls', {
      name: 'Real',
      agent_id: agentId,
      recipients: [{ phone: '+14155551234', first_name: 'Bob', appointment_date: 'Monday' }],
      scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(real.status, real.text).toBe(202);
    const baseline = await countItems(service.dynamodbEndpoint, service.tableName);

    const doc = createDocumentClient({
      endpoint: service.dynamodbEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const write = async (batchId: string, startedAt: string, count: number) => {
      // The marker last: the sweeper (every 500 ms) must not find it while its recipients are still
      // being written (in real life the marker is minutes old only once its writer is long gone).
      const items = [
        ...recipients(batchId, count).map(recipientToItem),
        creationMarkerItem(service.workspaceId, batchId, startedAt),
      ];
      for (let i = 0; i < items.length; i += 25) {
        await doc.send(
          new BatchWriteCommand({
            RequestItems: {
              [service.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
            },
          }),
        );
      }
    };
    // Abandoned ten minutes ago, and one that started just now (a request may still be writing it).
    await write(newId('batch'), new Date(Date.now() - 10 * 60_000).toISOString(), 60);
    await write(newId('batch'), new Date().toISOString(), 5);
    const inProgress = 6;

    const count = await pollUntil(
      () => countItems(service.dynamodbEndpoint, service.tableName),
      (n) => n === baseline + inProgress,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(count).toBe(baseline + inProgress);
    // The real batch is untouched.
    const detail = await c.get(`/v1/agents/batch-calls/${real.body.id}`);
    expect(detail.body.recipients).toHaveLength(1);
    doc.destroy();
  }, 60_000);
});
