import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { dnsHostResolver } from '#shared/adapters/net/dns-host-resolver.ts';
import type { AppDeps } from '#shared/app/deps.ts';
import { loadRuntimeConfig, type RuntimeConfig } from '#shared/config/runtime-config.ts';
import type { ApiFunction } from '#shared/contracts/route-paths.ts';
import { createKeyAuthenticator } from '#shared/http/authenticate.ts';
import type { ApiEvent } from '#shared/http/api-request.ts';
import { handleApiRequest, type ApiFunctionDeps } from '#shared/http/handle-api-request.ts';
import type { HttpResponse } from '#shared/http/respond.ts';
import type { ApiRouter } from '#shared/http/routes/route-kit.ts';
import { traced } from './tracing.ts';
import { composeDocumentClient } from './compose-dynamo.ts';
import { notComposed } from './not-composed.ts';

/**
 * The composition root of the api functions (apiCreate, apiBatches, apiSettings, apiSuppressions):
 * the table, the API key check, the logger, and the adapters its routes use, given by its handler (each
 * built by the compose-*.ts module of that adapter, so a function bundles only the clients its
 * wiring grants). What a handler leaves out fails on use, naming what is missing. No Powertools
 * Metrics: the operational figures (outcomes, hand-overs, providers, webhooks) come from the run.
 */

/** The adapters an api function may add. */
export type ApiParts = Partial<
  Pick<
    AppDeps,
    | 'runStore'
    | 'scheduler'
    | 'webhookQueue'
    | 'transcripts'
    | 'uploads'
    | 'exports'
    | 'secrets'
    | 'phoneTimezones'
  >
>;

/** What the handler's part builders get: the settings and the one table client of the function. */
export interface ApiCore {
  config: RuntimeConfig;
  dynamo: DynamoDBDocumentClient;
}

export interface ComposedApi extends ApiFunctionDeps {
  logger: Logger;
}

export function composeApi(name: ApiFunction, parts: (core: ApiCore) => ApiParts = () => ({})): ComposedApi {
  const config = loadRuntimeConfig();
  const dynamo = composeDocumentClient();
  const store = createDynamoStore({
    client: dynamo,
    tableName: config.tableName,
    retentionDays: config.retentionDays,
  });
  const logger = new Logger({ serviceName: `batch-calls-${name}` });
  const given = parts({ config, dynamo });
  const app: AppDeps = {
    store,
    runStore: given.runStore ?? notComposed('the run store'),
    scheduler: given.scheduler ?? notComposed('the scheduler'),
    webhookQueue: given.webhookQueue ?? notComposed('the webhook queue'),
    transcripts: given.transcripts ?? notComposed('the transcript store'),
    uploads: given.uploads ?? notComposed('the upload store'),
    exports: given.exports ?? notComposed('the export store'),
    secrets: given.secrets ?? notComposed('the secret store'),
    resolveHost: dnsHostResolver,
    phoneTimezones: given.phoneTimezones ?? notComposed('the phone time-zone data'),
    clock: () => new Date(),
    webhookAllowLoopback: config.webhookAllowLoopback,
    logger,
  };
  return { app, authenticate: createKeyAuthenticator(store, config.authCacheTtlSeconds), logger };
}

/** The Lambda entry of an api function: its router over its composed dependencies. */
export function apiHandler(router: ApiRouter, api: ComposedApi) {
  return traced(
    'apiHandler',
    async function handler(event: ApiEvent, context: Context): Promise<HttpResponse> {
      api.logger.addContext(context);
      return handleApiRequest(event, router, api, api.logger);
    },
  );
}
