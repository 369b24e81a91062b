import type { Context } from 'aws-lambda';
import { ENV } from '#shared/config/env-names.ts';
import { LOCAL_ACCOUNT_ID } from '#infra/local/gateway/http-event.ts';
import type { FunctionHandler } from '#infra/local/functions/invoke.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import {
  startLocalService,
  type LocalService,
  type LocalServiceOptions,
} from '../../test/helpers/local-service.ts';
import { startCountingProxies, type CountedService, type CountingProxy } from './counting-proxy.ts';

/**
 * The local service (test/helpers/local-service.ts, what `npm start` runs) with its functions'
 * AWS requests counted by operation (counting proxies in front of DynamoDB Local and the SQS, S3 and
 * Scheduler emulators, on a worker thread of their own) and every function invocation counted and
 * timed (the real handlers, wrapped).
 */

export interface InvocationStats {
  count: number;
  totalMs: number;
}

export interface BenchService {
  service: LocalService;
  proxies: Record<CountedService, CountingProxy>;
  invocations(): Record<FunctionName, InvocationStats>;
  /** Clears the request and invocation counts (e.g. after setting up agents and numbers). */
  resetCounts(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchService(options: LocalServiceOptions = {}): Promise<BenchService> {
  const services: CountedService[] = ['dynamodb', 'sqs', 's3', 'scheduler'];
  const counting = await startCountingProxies(services);
  const { proxies } = counting;

  let stats = {} as Record<FunctionName, InvocationStats>;
  const reset = () => {
    stats = Object.fromEntries(
      (Object.keys(FUNCTIONS) as FunctionName[]).map((name) => [name, { count: 0, totalMs: 0 }]),
    ) as Record<FunctionName, InvocationStats>;
  };
  reset();
  // Every real function (in its worker) counted and timed from the runtime's side.
  const wrap = (name: FunctionName, real: FunctionHandler): FunctionHandler => {
    return async (event: unknown, context: Context) => {
      const started = performance.now();
      try {
        return await real(event, context);
      } finally {
        stats[name].count++;
        stats[name].totalMs += performance.now() - started;
      }
    };
  };

  let service: LocalService;
  try {
    service = await startLocalService({
      ...options,
      wrap,
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: proxies.dynamodb.url,
        AWS_ENDPOINT_URL_SQS: proxies.sqs.url,
        // The SQS client sends to the queue URL's host, so the queue URLs name the proxy too.
        [ENV.dialQueueUrl]: `${proxies.sqs.url}/${LOCAL_ACCOUNT_ID}/dial`,
        [ENV.webhookQueueUrl]: `${proxies.sqs.url}/${LOCAL_ACCOUNT_ID}/webhook`,
        AWS_ENDPOINT_URL_S3: proxies.s3.url,
        AWS_ENDPOINT_URL_SCHEDULER: proxies.scheduler.url,
        ...options.env,
      },
    });
  } catch (error) {
    await counting.close();
    throw error;
  }
  // In front of the authorizing proxies, which the functions reach in local mode.
  proxies.dynamodb.setTarget(service.aws.functionEndpoints.dynamodb);
  proxies.sqs.setTarget(service.aws.functionEndpoints.sqs);
  proxies.s3.setTarget(service.aws.functionEndpoints.s3);
  proxies.scheduler.setTarget(service.aws.functionEndpoints.scheduler);

  return {
    service,
    proxies,
    invocations: () => structuredClone(stats),
    async resetCounts() {
      reset();
      await Promise.all(Object.values(proxies).map((proxy) => proxy.reset()));
    },
    async stop() {
      await service.stop();
      await counting.close();
    },
  };
}
