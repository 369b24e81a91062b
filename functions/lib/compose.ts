import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { createDynamoRunStore } from '#shared/adapters/dynamodb/run-store.ts';
import { createDynamoEventLog } from '#shared/adapters/dynamodb/entities/live-events.ts';
import { createPowertoolsMetrics } from '#shared/adapters/metrics/powertools-metrics.ts';
import { CONFIG_CACHE_MS, cachedConfig } from '#shared/app/run/cached-config.ts';
import { meteredDialerFor, meteredRunStore, meteredWebhookSender } from '#shared/app/run/metered.ts';
import { sleep, type RunDeps } from '#shared/app/run/run-deps.ts';
import { loadRuntimeConfig, type RuntimeConfig } from '#shared/config/runtime-config.ts';
import type { EventLog } from '#shared/ports/event-log.ts';
import type { OperationalMetrics } from '#shared/ports/metrics.ts';
import { composeDocumentClient } from './compose-dynamo.ts';
import { notComposed, notComposedError } from './not-composed.ts';

/**
 * The composition root's core: the table, the logger, the metrics and the settings every running
 * function has. Everything else a function is given by its handler, built by the compose-*.ts module
 * of that adapter (queues, scheduler, secrets, files), so a function bundles and loads only the SDK
 * clients it uses: each builder requires the setting infra/function-environment.ts derives from the
 * function's grants in infra/wiring.ts, so a handler that composes an adapter its wiring does not
 * grant fails at its first start (locally too), instead of at its first use.
 */

export function required(value: string | null, name: string): string {
  if (value === null || value === '')
    throw new Error(`${name} is not set: this function cannot start without it`);
  return value;
}

/** The adapters a handler may add; the ones it leaves out fail on use, naming what is missing. */
export type RunParts = Partial<
  Pick<
    RunDeps,
    'dialQueue' | 'webhookQueue' | 'scheduler' | 'dialerFor' | 'secrets' | 'transcripts' | 'sendWebhook'
  >
>;

export type ComposedRunDeps = RunDeps & { logger: Logger; metrics: OperationalMetrics };

const rejectUse = (what: string) => async (): Promise<never> => {
  throw notComposedError(what);
};

export function composeRunDeps(
  config: RuntimeConfig = loadRuntimeConfig(),
  serviceName = 'batch-calls',
  parts: RunParts = {},
): ComposedRunDeps {
  const dynamo = composeDocumentClient();
  const metrics = createPowertoolsMetrics();
  return {
    // Agents and numbers read by the run path are kept for a bounded time (shared/app/run/cached-config.ts).
    store: cachedConfig(
      createDynamoStore({ client: dynamo, tableName: config.tableName, retentionDays: config.retentionDays }),
      { ttlMs: CONFIG_CACHE_MS },
    ),
    runStore: meteredRunStore(
      createDynamoRunStore({
        client: dynamo,
        tableName: config.tableName,
        retentionDays: config.retentionDays,
      }),
      metrics,
    ),
    dialQueue: parts.dialQueue ?? notComposed('the dial queue'),
    webhookQueue: parts.webhookQueue ?? notComposed('the webhook queue'),
    scheduler: parts.scheduler ?? notComposed('the scheduler'),
    dialerFor: parts.dialerFor
      ? meteredDialerFor(parts.dialerFor, metrics)
      : () => {
          throw notComposedError('placing calls');
        },
    secrets: parts.secrets ?? notComposed('the secret store'),
    transcripts: parts.transcripts ?? notComposed('the transcript store'),
    sendWebhook: parts.sendWebhook
      ? meteredWebhookSender(parts.sendWebhook, metrics)
      : rejectUse('webhook delivery'),
    clock: () => new Date(),
    sleep,
    random: Math.random,
    logger: new Logger({ serviceName }),
    metrics,
    publicBaseUrl: config.publicBaseUrl ?? '',
    webhookAllowLoopback: config.webhookAllowLoopback,
    maxCallSeconds: config.maxCallSeconds,
    sweepGraceMs: config.sweepGraceSeconds * 1000,
  };
}

/**
 * A batch's live event log, as the events function reads it (the run path's transactions write it),
 * over the function's document client.
 */
export function composeEventLog(
  config: RuntimeConfig = loadRuntimeConfig(),
  client: DynamoDBDocumentClient = composeDocumentClient(),
): EventLog {
  return createDynamoEventLog({ client, tableName: config.tableName });
}
