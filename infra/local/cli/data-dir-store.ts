import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { createDynamoRunStore } from '#shared/adapters/dynamodb/run-store.ts';
import { ensureTable } from '#shared/adapters/dynamodb/table.ts';
import type { RunStore } from '#shared/ports/run-store.ts';
import type { Store } from '#shared/ports/store.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../emulators/dynamodb-local.ts';
import { LOCAL_SDK_REGION } from '../functions/local-env.ts';
import type { DataDirClaim } from './runtime-file.ts';

/** The table `npm start` and the admin command use in DATA_DIR's DynamoDB Local. */
export const LOCAL_TABLE_NAME = 'batch-calls-local';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function resolveDataDir(value: string | undefined): string {
  return resolve(value && value.trim() !== '' ? value : '.data');
}

/**
 * Starts DynamoDB Local persisting under DATA_DIR/dynamodb. The caller must hold DATA_DIR; the JVM's
 * pid goes into its claim at once, so a successor can stop that JVM if it outlives the caller.
 */
export async function startDataDirDynamoDb(dataDir: string, claim?: DataDirClaim): Promise<DynamoDbLocal> {
  const dbPath = join(dataDir, 'dynamodb');
  await mkdir(dbPath, { recursive: true });
  return startDynamoDbLocal({ dbPath, onSpawn: (pid) => claim?.update({ dynamodbPid: pid }) });
}

export interface OpenedStore {
  store: Store;
  /** The run's view of the same table (the admin command's force-finish). */
  runStore: RunStore;
  close(): void;
}

/** A Store on a DynamoDB Local endpoint, with the table ensured. */
export async function openLocalStore(
  endpoint: string,
  tableName: string = LOCAL_TABLE_NAME,
): Promise<OpenedStore> {
  const client = createDynamoDbClient({ endpoint, region: LOCAL_SDK_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(client, tableName);
  const documentClient = createDocumentClient({ client });
  return {
    store: createDynamoStore({ client: documentClient, tableName }),
    runStore: createDynamoRunStore({ client: documentClient, tableName }),
    close: () => client.destroy(),
  };
}
