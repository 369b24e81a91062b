import { BroadcastChannel } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { ENV } from '#shared/config/env-names.ts';
import { LOCAL_ACCOUNT_ID } from '#infra/local/gateway/http-event.ts';
import type { FunctionHandler } from '#infra/local/functions/invoke.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { functionEnvironment } from '#infra/function-environment.ts';
import {
  LOCAL_SECRET_CALLS_CHANNEL,
  type LocalSecretCall,
} from '#shared/adapters/secrets/file-secret-store.ts';
import {
  startLocalService,
  type LocalService,
  type LocalServiceOptions,
} from '../../test/helpers/local-service.ts';
import type { Batch } from '#shared/domain/batch.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { startCountingProxies, type CountedService, type CountingProxy } from './counting-proxy.ts';

/**
 * The local service (test/helpers/local-service.ts, what `npm start` runs) with its functions'
 * AWS requests counted by operation (counting proxies in front of DynamoDB Local and the SQS, S3 and
 * Scheduler emulators, on a worker thread of their own), every function invocation counted and
 * timed (the real handlers, wrapped), the bytes each function logs at the deployed log level (its
 * worker's stdout and stderr) and the Secrets Manager calls local mode's file store stands in for
 * (announced on a BroadcastChannel, file-secret-store.ts).
 */

/** What a function wrote to its log: bytes (newlines left out) and events (lines). */
export interface LogStats {
  bytes: number;
  events: number;
}

export interface InvocationStats {
  count: number;
  totalMs: number;
}

export interface BenchService {
  service: LocalService;
  proxies: Record<CountedService, CountingProxy>;
  invocations(): Record<FunctionName, InvocationStats>;
  logs(): Record<FunctionName, LogStats>;
  /** Secrets Manager calls by action (GetSecretValue, PutSecretValue, DeleteSecret). */
  secretCalls(): Record<string, number>;
  /** Clears the request and invocation counts (e.g. after setting up agents and numbers). */
  resetCounts(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchService(options: LocalServiceOptions = {}): Promise<BenchService> {
  const services: CountedService[] = ['dynamodb', 'sqs', 's3', 'scheduler'];
  const counting = await startCountingProxies(services);
  const { proxies } = counting;

  const names = Object.keys(FUNCTIONS) as FunctionName[];
  let stats = {} as Record<FunctionName, InvocationStats>;
  let logs = {} as Record<FunctionName, LogStats>;
  let secretCalls: Record<string, number> = {};
  const reset = () => {
    stats = Object.fromEntries(names.map((name) => [name, { count: 0, totalMs: 0 }])) as typeof stats;
    logs = Object.fromEntries(names.map((name) => [name, { bytes: 0, events: 0 }])) as typeof logs;
    secretCalls = {};
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

  // Each line a function writes is one CloudWatch Logs event (Powertools writes one JSON line each).
  const output = (name: FunctionName, stream: 'stdout' | 'stderr', chunk: Buffer) => {
    let lines = 0;
    for (const byte of chunk) if (byte === 0x0a) lines++;
    logs[name].bytes += chunk.length - lines;
    logs[name].events += lines;
    // The INFO lines would bury the bench's own output; warnings and errors still show.
    return stream === 'stderr';
  };
  const secrets = new BroadcastChannel(LOCAL_SECRET_CALLS_CHANNEL);
  secrets.onmessage = (message) => {
    const call = (message as { data: LocalSecretCall }).data;
    secretCalls[call] = (secretCalls[call] ?? 0) + 1;
  };

  let service: LocalService;
  try {
    service = await startLocalService({
      ...options,
      wrap,
      output,
      env: {
        // The level the stack deploys (local mode runs WARN, the tests ERROR): its log bytes are billed.
        [ENV.logLevel]: deployedLogLevel(),
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
    secrets.close();
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
    logs: () => structuredClone(logs),
    secretCalls: () => ({ ...secretCalls }),
    async resetCounts() {
      reset();
      await Promise.all(Object.values(proxies).map((proxy) => proxy.reset()));
    },
    async stop() {
      await service.stop();
      secrets.close();
      await counting.close();
    },
  };
}

/** POWERTOOLS_LOG_LEVEL as the CDK stack sets it (the same derivation, with placeholder targets). */
function deployedLogLevel(): string {
  const level = functionEnvironment('apiBatches', {
    tableName: 'table',
    publicBaseUrl: 'https://example.com',
    queueUrls: { dial: 'dial', webhook: 'webhook' },
    filesBucket: 'files',
    scheduler: { groupName: 'group', targetArn: 'arn', roleArn: 'arn', deadLetterArn: 'arn' },
    authCacheTtlSeconds: 60,
    secretsPrefix: 'batch-calls/bench/',
    retentionDays: 90,
  })[ENV.logLevel];
  if (!level) throw new Error('the stack sets no log level for the api functions');
  return level;
}

/**
 * Waits for a batch to complete, polling the table directly (the benchmark adds no API requests to
 * the counts); throws when it ends otherwise or outlasts `timeoutMs`. Answers the completed batch.
 */
export async function waitForCompletedBatch(
  service: LocalService,
  batchId: string,
  timeoutMs: number,
): Promise<Batch & { startedAt: string; completedAt: string }> {
  const deadline = Date.now() + timeoutMs;
  let batch = await service.store.getBatch(service.workspaceId, batchId);
  while (batch && (batch.status === 'pending' || batch.status === 'running')) {
    if (Date.now() > deadline) throw new Error(`batch still ${batch.status} after ${timeoutMs} ms`);
    await sleep(250);
    batch = await service.store.getBatch(service.workspaceId, batchId);
  }
  if (batch?.status !== 'completed' || !batch.startedAt || !batch.completedAt) {
    throw new Error(`the batch ended as ${batch?.status ?? 'missing'}`);
  }
  return { ...batch, startedAt: batch.startedAt, completedAt: batch.completedAt };
}
