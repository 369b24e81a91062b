import { S3Client } from '@aws-sdk/client-s3';
import type { AwsClientOptions } from '../aws/client-options.ts';
import { s3ClientConfig } from './s3-client.ts';

/**
 * An S3 client built at once, for tests and local tools. The functions' adapters load the SDK on
 * first use instead (./s3-client.ts says why): importing this module loads it.
 */
export function createS3Client(
  options: AwsClientOptions = {},
  env: Record<string, string | undefined> = process.env,
): S3Client {
  return new S3Client(s3ClientConfig(options, env));
}
