import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { dnsHostResolver } from '#shared/adapters/net/dns-host-resolver.ts';
import { createFileSecretStore } from '#shared/adapters/secrets/file-secret-store.ts';
import { createSecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import type { AppDeps } from '#shared/app/deps.ts';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import { handleApiRequest } from '#shared/http/handle-api-request.ts';
import type { ApiEvent } from '#shared/http/api-request.ts';
import type { HttpResponse } from '#shared/http/respond.ts';

/**
 * The API function: every route of the public API (infra/wiring.ts). Dependencies are built once per
 * cold start; `handleApiRequest` is the testable core.
 */
const config = loadRuntimeConfig();
const logger = new Logger({ serviceName: 'batch-calls-api' });
const deps: AppDeps = {
  store: createDynamoStore({ client: createDocumentClient(), tableName: config.tableName }),
  secrets: config.localSecretsFile
    ? createFileSecretStore(config.localSecretsFile)
    : createSecretsManagerStore(),
  resolveHost: dnsHostResolver,
  clock: () => new Date(),
  webhookAllowLoopback: config.webhookAllowLoopback,
};

export async function handler(event: ApiEvent, context: Context): Promise<HttpResponse> {
  logger.addContext(context);
  return handleApiRequest(event, deps, logger);
}
