import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SDK_REQUEST_HANDLER } from './sdk-http.ts';

/**
 * The SDK clients of the running-batches adapters. Endpoints come from the SDK's own resolution
 * (AWS_ENDPOINT_URL_SQS, _SCHEDULER, _S3 locally; the regional endpoints in AWS), so the same code
 * runs in both places; `endpoint` is for tests that talk to an emulator without touching process.env.
 */
export interface AwsClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The SDK's attempts per call (3 unless given). */
  maxAttempts?: number;
}

function common(options: AwsClientOptions) {
  return {
    requestHandler: SDK_REQUEST_HANDLER,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
}

export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  return new SQSClient(common(options));
}

export function createSchedulerClient(options: AwsClientOptions = {}): SchedulerClient {
  return new SchedulerClient(common(options));
}

export function createS3Client(
  options: AwsClientOptions = {},
  env: Record<string, string | undefined> = process.env,
): S3Client {
  // An S3 emulator serves buckets under its path, not as <bucket>.<host> subdomains.
  const emulated = options.endpoint !== undefined || Boolean(env.AWS_ENDPOINT_URL_S3);
  return new S3Client({
    ...common(options),
    ...(emulated ? { forcePathStyle: true } : {}),
    // Without this the SDK streams uploads with aws-chunked framing, which s3rver stores verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}
