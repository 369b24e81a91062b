import { Logger } from '@aws-lambda-powertools/logger';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import { createKeyAuthenticator } from '#shared/http/authenticate.ts';
import { serveBatchEvents } from '#shared/http/batch-events.ts';
import { composeEventLog } from '../lib/compose.ts';
import { streamify, streamingResponse } from '../lib/streaming.ts';
import { traced } from '../lib/tracing.ts';
import { composeDocumentClient } from '../lib/compose-dynamo.ts';

/**
 * Live progress of a batch as Server-Sent Events (`GET /v1/agents/batch-calls/{id}/events`). API
 * Gateway's HTTP API does not stream, so in AWS this function has a URL of its own with response
 * streaming (the URL is open: the function checks the API key itself, as every API function does);
 * locally the gateway streams it. Design and costs: docs/live-progress.md.
 */
const config = loadRuntimeConfig();
const logger = new Logger({ serviceName: 'batch-calls-events' });
// One document client for the store and the event log.
const dynamo = composeDocumentClient();
const store = createDynamoStore({ client: dynamo, tableName: config.tableName });
const deps = {
  store,
  eventLog: composeEventLog(config, dynamo),
  authenticate: createKeyAuthenticator(store, config.authCacheTtlSeconds),
  logger,
};

/** The stream ends itself this long before the function's timeout, so it always closes cleanly. */
const STOP_MARGIN_MS = 5_000;

export const handler = streamify<LambdaFunctionURLEvent>(
  traced('events', async (event, responseStream, context) => {
    logger.addContext(context);
    await serveBatchEvents(
      deps,
      {
        method: event.requestContext.http.method,
        rawPath: event.rawPath,
        headers: event.headers,
        gatewayRequestId: event.requestContext.requestId,
      },
      streamingResponse(responseStream),
      {
        now: Date.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        heartbeatMs: config.eventsHeartbeatSeconds * 1000,
        stopAt: Date.now() + context.getRemainingTimeInMillis() - STOP_MARGIN_MS,
      },
    );
  }),
);
