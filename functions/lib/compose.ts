import { Logger } from '@aws-lambda-powertools/logger';
import { createDynamoDbClient, createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { createDynamoRunStore } from '#shared/adapters/dynamodb/run-store.ts';
import { createDynamoEventLog } from '#shared/adapters/dynamodb/entities/live-events.ts';
import type { EventLog } from '#shared/ports/event-log.ts';
import { createS3Client, createSchedulerClient, createSqsClient } from '#shared/adapters/aws-clients.ts';
import { dnsHostResolver } from '#shared/adapters/net/dns-host-resolver.ts';
import { createS3TranscriptStore } from '#shared/adapters/s3/s3-transcript-store.ts';
import { createS3ExportStore } from '#shared/adapters/s3/s3-export-store.ts';
import { createS3UploadStore } from '#shared/adapters/s3/s3-upload-store.ts';
import { createEventBridgeScheduler } from '#shared/adapters/scheduler/eventbridge-scheduler.ts';
import { createFileSecretStore } from '#shared/adapters/secrets/file-secret-store.ts';
import { cachedSecretStore } from '#shared/adapters/secrets/cached-secret-store.ts';
import { createSecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import { prefixedSecretStore } from '#shared/adapters/secrets/prefixed-secret-store.ts';
import { createSqsQueue } from '#shared/adapters/sqs/sqs-queue.ts';
import { dialerFor } from '#shared/adapters/telephony/registry.ts';
import { createHttpWebhookSender } from '#shared/adapters/webhooks/http-webhook-sender.ts';
import type { AppDeps } from '#shared/app/deps.ts';
import { sleep, type RunDeps } from '#shared/app/run/run-deps.ts';
import { ENV } from '#shared/config/env-names.ts';
import { loadRuntimeConfig, type RuntimeConfig } from '#shared/config/runtime-config.ts';
import type { BatchScheduler } from '#shared/ports/scheduler.ts';
import { SCHEDULER } from '#infra/wiring.ts';

/** How long a container keeps provider credentials it read (./cached-secret-store.ts explains why it may). */
const SECRET_CACHE_TTL_MS = 5 * 60_000;

/**
 * The composition root: the one place that turns configuration into adapters. Every function
 * builds its dependencies here once, at cold start. SDK clients connect lazily, so building an
 * adapter a function never uses costs nothing but an object.
 */

export function required(value: string | null, name: string): string {
  if (value === null || value === '')
    throw new Error(`${name} is not set: this function cannot start without it`);
  return value;
}

export function composeRunDeps(
  config: RuntimeConfig = loadRuntimeConfig(),
  serviceName = 'batch-calls',
): RunDeps & { logger: Logger } {
  const dynamo = createDocumentClient({ client: createDynamoDbClient() });
  const sqs = createSqsClient();
  const lazyQueue = <T>(url: string | null, name: string) => {
    // Not every function sends to every queue; fail on first use with the variable's name.
    const queue = url ? createSqsQueue<T>({ client: sqs, queueUrl: url }) : null;
    return {
      send: (messages: T[], options?: { delaySeconds?: number }) => {
        if (!queue) throw new Error(`${name} is not set: this function cannot send to that queue`);
        return queue.send(messages, options);
      },
    };
  };
  return {
    store: createDynamoStore({
      client: dynamo,
      tableName: config.tableName,
      retentionDays: config.retentionDays,
    }),
    runStore: createDynamoRunStore({
      client: dynamo,
      tableName: config.tableName,
      retentionDays: config.retentionDays,
    }),
    dialQueue: lazyQueue(config.dialQueueUrl, ENV.dialQueueUrl),
    webhookQueue: lazyQueue(config.webhookQueueUrl, ENV.webhookQueueUrl),
    scheduler: composeScheduler(config),
    dialerFor: (provider) => dialerFor(provider),
    // Cached in both modes, so local mode runs the path AWS runs.
    secrets: cachedSecretStore(
      prefixedSecretStore(
        config.localSecretsFile
          ? createFileSecretStore(config.localSecretsFile, { access: config.localSecretsAccess })
          : createSecretsManagerStore(),
        config.secretsPrefix,
      ),
      { ttlMs: SECRET_CACHE_TTL_MS },
    ),
    transcripts: createS3TranscriptStore({
      client: createS3Client(),
      bucket: config.transcriptsBucket ?? '',
    }),
    sendWebhook: createHttpWebhookSender({ resolveHost: dnsHostResolver }),
    clock: () => new Date(),
    sleep,
    random: Math.random,
    logger: new Logger({ serviceName }),
    publicBaseUrl: config.publicBaseUrl ?? '',
    webhookAllowLoopback: config.webhookAllowLoopback,
    maxCallSeconds: config.maxCallSeconds,
    sweepGraceMs: config.sweepGraceSeconds * 1000,
  };
}

/** A batch's live event log (the table stream function writes it, the events function reads it). */
export function composeEventLog(config: RuntimeConfig = loadRuntimeConfig()): EventLog {
  return createDynamoEventLog({ client: createDocumentClient(), tableName: config.tableName });
}

function composeScheduler(config: RuntimeConfig): BatchScheduler {
  const s = config.scheduler;
  if (!s) {
    const missing = (): never => {
      throw new Error(`${ENV.schedulerTargetArn} and the other scheduler settings are not set`);
    };
    return {
      scheduleStart: async () => missing(),
      cancelStart: async () => missing(),
      scheduleWake: async () => missing(),
    };
  }
  return createEventBridgeScheduler({
    client: createSchedulerClient(),
    groupName: s.groupName,
    targetArn: s.targetArn,
    roleArn: s.roleArn,
    deadLetterArn: s.deadLetterArn,
    retryPolicy: SCHEDULER.retryPolicy,
  });
}

/**
 * The use cases' dependencies. Reference data that only some functions need (the phone → time zones
 * map: the api function) is passed in by that function, so no other function bundles it.
 */
export function composeAppDeps(
  runDeps: RunDeps,
  config: RuntimeConfig,
  only: Pick<AppDeps, 'phoneTimezones'>,
): AppDeps {
  return {
    store: runDeps.store,
    runStore: runDeps.runStore,
    scheduler: runDeps.scheduler,
    webhookQueue: runDeps.webhookQueue,
    transcripts: runDeps.transcripts,
    uploads: createS3UploadStore({ client: createS3Client(), bucket: config.uploadsBucket ?? '' }),
    exports: createS3ExportStore({ client: createS3Client(), bucket: config.exportsBucket ?? '' }),
    secrets: runDeps.secrets,
    resolveHost: dnsHostResolver,
    phoneTimezones: only.phoneTimezones,
    clock: runDeps.clock,
    webhookAllowLoopback: config.webhookAllowLoopback,
    logger: runDeps.logger,
  };
}
