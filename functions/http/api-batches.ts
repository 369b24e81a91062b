import { createDynamoRunStore } from '#shared/adapters/dynamodb/run-store.ts';
import { BATCH_ROUTER } from '#shared/http/routes/batch-routes.ts';
import { apiHandler, composeApi } from '../lib/compose-api.ts';
import { composeExports, composeTranscripts, composeUploads } from '../lib/compose-files.ts';
import { composeWebhookQueue } from '../lib/compose-queues.ts';
import { composeScheduler } from '../lib/compose-scheduler.ts';

/**
 * The apiBatches function: reads, controls and results of existing batches, and CSV upload tickets
 * (infra/wiring.ts). Dependencies are built once per cold start.
 */
export const handler = apiHandler(
  BATCH_ROUTER,
  composeApi('apiBatches', ({ config, dynamo }) => ({
    runStore: createDynamoRunStore({
      client: dynamo,
      tableName: config.tableName,
      retentionDays: config.retentionDays,
    }),
    // Cancelling a scheduled batch removes its start schedule.
    scheduler: composeScheduler(config),
    // A redelivery queues the webhook again.
    webhookQueue: composeWebhookQueue(config),
    transcripts: composeTranscripts(config),
    uploads: composeUploads(config),
    exports: composeExports(config),
  })),
);
