import { SQSClient } from '@aws-sdk/client-sqs';
import { commonClientConfig, type AwsClientOptions } from '../aws/client-options.ts';

export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  return new SQSClient(commonClientConfig(options));
}
