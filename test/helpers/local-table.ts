import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { ensureTable } from '#shared/adapters/dynamodb/table.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/emulators/dynamodb-local.ts';

export interface LocalTable {
  tableName: string;
  endpoint: string;
  raw: DynamoDBClient;
  /** One document client for the file: stores are built on it, and tests write raw items with it. */
  doc: DynamoDBDocumentClient;
}

/**
 * A store test file's DynamoDB Local with the service's table (keys, GSI1, stream, TTL): started
 * before its tests (fields filled in then), stopped after them.
 */
export function useLocalTable(tableName: string): LocalTable {
  const table = { tableName } as LocalTable;
  let db: DynamoDbLocal | undefined;
  beforeAll(async () => {
    db = await startDynamoDbLocal();
    table.endpoint = db.endpoint;
    table.raw = createDynamoDbClient({
      endpoint: db.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(table.raw, tableName);
    table.doc = createDocumentClient({ client: table.raw });
  });
  afterAll(async () => {
    table.raw?.destroy();
    await db?.stop();
  });
  return table;
}
