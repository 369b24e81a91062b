import { S3Client } from '@aws-sdk/client-s3';
import { commonClientConfig, type AwsClientOptions } from '../aws/client-options.ts';

export function createS3Client(
  options: AwsClientOptions = {},
  env: Record<string, string | undefined> = process.env,
): S3Client {
  // An S3 emulator serves buckets under its path, not as <bucket>.<host> subdomains.
  const emulated = options.endpoint !== undefined || Boolean(env.AWS_ENDPOINT_URL_S3);
  return new S3Client({
    ...commonClientConfig(options),
    ...(emulated ? { forcePathStyle: true } : {}),
    // Without this the SDK streams uploads with aws-chunked framing, which s3rver stores verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}
