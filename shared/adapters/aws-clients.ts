/**
 * Every SDK client of the running-batches adapters, for tests and local tools that want several.
 * Functions import the one module of each client they use (./aws/client-options.ts says why).
 */
export type { AwsClientOptions } from './aws/client-options.ts';
export { createS3Client } from './s3/s3-client-eager.ts';
export { createSchedulerClient } from './scheduler/scheduler-client.ts';
export { createSqsClient } from './sqs/sqs-client.ts';
