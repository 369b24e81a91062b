import type { NodeHttpHandlerOptions } from '@smithy/types';

/**
 * The bound on every AWS SDK request of the service. The SDK's defaults have none: a connection that
 * never completes, or a request whose answer never comes (a half-open keep-alive socket, a stalled
 * emulator), is awaited forever — in Lambda until the function's timeout, which on a stream source
 * blocks the shard. Locally it stalled the table-stream pipeline with nothing logged (issue 11).
 * With these the request fails with a TimeoutError, which the SDK's retry strategy retries (3
 * attempts in all) and the function's own error handling then sees.
 *
 * DynamoDB, SQS, S3, Scheduler and Secrets Manager answer in milliseconds; 10 s leaves room for a
 * loaded DynamoDB Local (a 25-item BatchWriteItem took up to 12 s on a 2-core machine at load 12, see
 * docs/reliability.md) without letting a dead socket hold a function for its whole timeout.
 * `throwOnRequestTimeout` is needed: without it this SDK version only logs a breached requestTimeout.
 */
export const SDK_REQUEST_HANDLER: NodeHttpHandlerOptions = {
  connectionTimeout: 3_000,
  requestTimeout: 10_000,
  throwOnRequestTimeout: true,
};
