import { SDK_REQUEST_HANDLER } from '../sdk-http.ts';

/**
 * What every SDK client of the adapters shares. Endpoints come from the SDK's own resolution
 * (AWS_ENDPOINT_URL_SQS, _SCHEDULER, _S3 locally; the regional endpoints in AWS), so the same code
 * runs in both places; `endpoint` is for tests that talk to an emulator without touching process.env.
 *
 * Each client is built in its own module (../sqs/sqs-client.ts, ../s3/s3-client.ts,
 * ../scheduler/scheduler-client.ts): a bundle keeps every SDK package a module it includes imports,
 * used or not, and each loads at the function's cold start (tens of milliseconds apiece).
 */
export interface AwsClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The SDK's attempts per call (3 unless given). */
  maxAttempts?: number;
}

export function commonClientConfig(options: AwsClientOptions) {
  return {
    requestHandler: SDK_REQUEST_HANDLER,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
}
