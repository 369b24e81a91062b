import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { traceClient } from './tracing.ts';

/** The table's document client, its calls subsegments of the trace when the Tracer is on. */
export function composeDocumentClient(): DynamoDBDocumentClient {
  return createDocumentClient({ client: traceClient(createDynamoDbClient()) });
}
