import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { commonClientConfig, type AwsClientOptions } from '../aws/client-options.ts';

export function createSchedulerClient(options: AwsClientOptions = {}): SchedulerClient {
  return new SchedulerClient(commonClientConfig(options));
}
