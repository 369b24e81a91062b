import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import type { AuthorizerContext } from '#shared/http/api-request.ts';
import { createAuthorizer } from '#shared/http/authorize.ts';
import { traceInvocation } from '../lib/tracing.ts';

/** The HTTP API's Lambda authorizer (simple responses): resolves the API key to its workspace. */
const config = loadRuntimeConfig();
const logger = new Logger({ serviceName: 'batch-calls-authorizer' });
// Every API request waits for this function: its key lookups are traced (X-Ray subsegments).
const tracer = new Tracer({ serviceName: 'batch-calls-authorizer' });
const dynamo = createDocumentClient({ client: tracer.captureAWSv3Client(createDynamoDbClient()) });
const authorize = createAuthorizer(
  createDynamoStore({ client: dynamo, tableName: config.tableName }),
  config.authCacheTtlSeconds,
);

export async function handler(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> {
  return traceInvocation(tracer, 'authorizer', async () => {
    const context = await authorize(event.headers?.authorization);
    // The key itself is never logged; the outcome is enough to investigate.
    if (context.authError) logger.info('unauthenticated request', { authError: context.authError });
    return { isAuthorized: true, context };
  });
}
