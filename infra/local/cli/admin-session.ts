import { mkdir } from 'node:fs/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '#shared/adapters/sqs/sqs-client.ts';
import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { createDynamoRunStore } from '#shared/adapters/dynamodb/run-store.ts';
import type { RunStore } from '#shared/ports/run-store.ts';
import type { Store } from '#shared/ports/store.ts';
import type { DynamoDbLocal } from '../emulators/dynamodb-local.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '../functions/local-env.ts';
import { findStageTable } from './admin-resources.ts';
import { LOCAL_TABLE_NAME, openLocalStore, startDataDirDynamoDb } from './data-dir-store.ts';
import { claimDataDir, DataDirBusyError, readRuntime } from './runtime-file.ts';

/**
 * What an admin command works on: DATA_DIR's local store (through a running `npm start`, or with a
 * DynamoDB Local started for the command) or a deployed stage (the default AWS credential chain).
 */

export type Target =
  | { kind: 'local'; dataDir: string }
  /** `table` names the table; without it, `stage` finds it (admin-resources.ts). */
  | { kind: 'deployed'; region: string; stage: string | null; table: string | null };

export interface Database {
  store: Store;
  runStore: RunStore;
  /** SQS of the target where it runs: AWS, or a running `npm start`'s emulator; else null. */
  sqs: SQSClient | null;
  /** The stage whose queue names apply (null: local mode's short names). */
  stage: string | null;
}

/** The target's queues alone (a redrive): a deployed stage's, or a running `npm start`'s. */
export async function withQueues<T>(
  target: Target,
  work: (sqs: SQSClient | null, stage: string | null) => Promise<T>,
): Promise<T> {
  let sqs: SQSClient | null = null;
  if (target.kind === 'deployed') {
    sqs = createSqsClient({ region: target.region });
  } else {
    const holder = await readRuntime(target.dataDir);
    if (holder?.kind === 'start' && holder.sqsEndpoint) {
      sqs = createSqsClient({
        endpoint: holder.sqsEndpoint,
        region: LOCAL_SDK_REGION,
        credentials: LOCAL_CREDENTIALS,
      });
    }
  }
  try {
    return await work(sqs, target.kind === 'deployed' ? target.stage : null);
  } finally {
    sqs?.destroy();
  }
}

export async function withDatabase<T>(target: Target, work: (db: Database) => Promise<T>): Promise<T> {
  if (target.kind === 'deployed') {
    const dynamo = createDynamoDbClient({ region: target.region });
    const sqs = createSqsClient({ region: target.region });
    try {
      const tableName = target.table ?? (await findStageTable(dynamo, target.stage ?? ''));
      const client = createDocumentClient({ client: dynamo });
      return await work({
        store: createDynamoStore({ client, tableName }),
        runStore: createDynamoRunStore({ client, tableName }),
        sqs: target.stage ? sqs : null,
        stage: target.stage,
      });
    } finally {
      dynamo.destroy();
      sqs.destroy();
    }
  }

  const holder = await readRuntime(target.dataDir);
  if (holder?.kind === 'start' && holder.dynamodbEndpoint) {
    // `npm start` owns the database file; go through its DynamoDB Local instead of a second JVM.
    const opened = await openLocalStore(holder.dynamodbEndpoint, holder.tableName ?? LOCAL_TABLE_NAME);
    const sqs = holder.sqsEndpoint
      ? createSqsClient({
          endpoint: holder.sqsEndpoint,
          region: LOCAL_SDK_REGION,
          credentials: LOCAL_CREDENTIALS,
        })
      : null;
    try {
      return await work({ store: opened.store, runStore: opened.runStore, sqs, stage: null });
    } finally {
      sqs?.destroy();
      opened.close();
    }
  }
  if (holder) throw new DataDirBusyError(holder, target.dataDir);

  await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
  const claim = await claimDataDir(target.dataDir, 'admin');
  // stderr: stdout's last line is the command's answer (a key), which scripts read.
  for (const notice of claim.notices) console.error(notice);
  let dynamo: DynamoDbLocal | undefined;
  const cleanUp = async () => {
    await dynamo?.stop();
    await claim.release();
  };
  // Without this, Ctrl-C would leave the JVM and runtime.json behind.
  const onSignal = () => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    dynamo = await startDataDirDynamoDb(target.dataDir, claim);
    await claim.update({ dynamodbEndpoint: dynamo.endpoint });
    const opened = await openLocalStore(dynamo.endpoint);
    try {
      // No service runs: its queues (in npm start's memory) do not exist.
      return await work({ store: opened.store, runStore: opened.runStore, sqs: null, stage: null });
    } finally {
      opened.close();
    }
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
