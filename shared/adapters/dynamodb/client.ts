import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SDK_REQUEST_HANDLER } from '../sdk-http.ts';

export interface DynamoClientOptions {
  /** Omitted → the SDK's own resolution (AWS_ENDPOINT_URL_DYNAMODB, then the regional endpoint). */
  endpoint?: string;
  /** Omitted → AWS_REGION and the rest of the SDK's default chain. */
  region?: string;
  /** Omitted → the default credential chain; DynamoDB Local accepts any static pair. */
  credentials?: DynamoDBClientConfig['credentials'];
  /** The SDK's attempts per call (3 unless given). */
  maxAttempts?: number;
}

export function createDynamoDbClient(options: DynamoClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    requestHandler: SDK_REQUEST_HANDLER,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
}

/**
 * The document client the store uses. `removeUndefinedValues` lets optional fields be left out
 * instead of failing the write; class instances are refused rather than silently flattened.
 */
export function createDocumentClient(
  options: DynamoClientOptions | { client: DynamoDBClient } = {},
): DynamoDBDocumentClient {
  const client = 'client' in options ? options.client : createDynamoDbClient(options);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
