import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ENV } from '#shared/config/env-names.ts';
import { DEFAULT_RETENTION_DAYS } from '#shared/config/runtime-config.ts';
import type { EnvironmentTargets } from '../function-environment.ts';
import {
  FUNCTIONS,
  QUEUE_SOURCES,
  RECURRING,
  SCHEDULER,
  SCHEDULER_TARGET,
  secretsPrefix,
  LOCAL_STAGE,
  STREAM_SOURCES,
  type FunctionName,
  type FunctionSpec,
  type QueueName,
  type QueueSpec,
} from '../wiring.ts';
import { LOCAL_ACCOUNT_ID } from './gateway/http-event.ts';
import { describeError } from './http-helpers.ts';
import type { FunctionPool } from './functions/function-pool.ts';
import { startIamProxy } from './functions/iam-proxy.ts';
import type { LocalEndpoints } from './functions/local-env.ts';
import type { LocalResources, Request } from './functions/local-iam.ts';
import {
  functionNameFromArn,
  invokeFunction,
  localFunctionArn,
  type FunctionHandler,
} from './functions/invoke.ts';
import { createDynamoDbStreamsApi, type DynamoDbStreamsApi } from './triggers/stream-reader.ts';
import { startRecurring } from './triggers/recurring.ts';
import { startSqsPoller } from './triggers/sqs-poller.ts';
import {
  createFileCheckpoints,
  createMemoryCheckpoints,
  type StreamCheckpoints,
} from './triggers/stream-checkpoints.ts';
import { startStreamPoller } from './triggers/stream-poller.ts';
import { startS3Emulator, type S3Emulator } from './emulators/s3-emulator.ts';
import { startSchedulerEmulator, type SchedulerEmulator } from './emulators/scheduler/scheduler-emulator.ts';
import { startSqsEmulator, type SqsEmulator } from './emulators/sqs-emulator.ts';

/**
 * The AWS side of running batches on one machine, driven by infra/wiring.ts: SQS, S3 and
 * EventBridge Scheduler emulators, and the triggers Lambda would run — the queue and stream event
 * source mappings, the one-time start schedules and the recurring rules — invoking the functions in
 * their workers (function-pool.ts). The functions reach the emulators through authorizing proxies
 * (iam-proxy.ts) that allow only what their grants in the wiring allow.
 */

export const LOCAL_TRANSCRIPTS_BUCKET = 'batch-calls-transcripts';
/** FILES_PREFIX of the stateful stack (not imported: that would load the CDK); parity.test.ts compares. */
export const LOCAL_FILE_PREFIXES = {
  uploads: 'uploads/',
  transcripts: 'transcripts/',
  exports: 'exports/',
} as const;
export const LOCAL_SCHEDULER_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/batch-calls-local-scheduler`;

export interface LocalAwsOptions {
  /** DATA_DIR: objects, schedules and stream checkpoints persist under it; omitted → in memory / temporary. */
  dataDir?: string;
  dynamodbEndpoint: string;
  tableName: string;
  /** Handlers given here are used as they are (tests); the others run in `functions`' workers. */
  handlers?: Partial<Record<FunctionName, FunctionHandler>>;
  /** The functions, each in its own worker with its own environment (function-pool.ts). */
  functions?: FunctionPool;
  /** Overrides of the wiring's function settings (tests shorten timeouts). */
  functionSpecs?: Partial<Record<FunctionName, Partial<FunctionSpec>>>;
  /** How often the sweeper runs locally (defaults to the wiring's localIntervalMs). */
  sweeperIntervalMs?: number;
  /** Intervals of other recurring functions. */
  recurringIntervalsMs?: Partial<Record<FunctionName, number>>;
  /** Queue settings for tests (e.g. a 1 s visibility timeout). */
  queueOverrides?: Partial<Record<QueueName, Partial<QueueSpec>>>;
  /** First retry backoff of the scheduler and the stream poller (tests make it short). */
  retryBaseMs?: number;
  /** Pause of the pollers after an empty read. */
  idlePollMs?: number;
  log?: (message: string) => void;
}

export interface LocalAws {
  /**
   * The emulators' addresses, queue URLs, bucket and scheduler settings as variables, for the
   * operator's own SDK clients (tests); the functions get theirs from local-env.ts.
   */
  env: Record<string, string>;
  /** What the grants point at, for infra/function-environment.ts. */
  targets: Pick<
    EnvironmentTargets,
    'queueUrls' | 'filesBucket' | 'scheduler' | 'secretsPrefix' | 'retentionDays'
  >;
  /**
   * Where the functions reach DynamoDB, SQS, S3 and the Scheduler: the authorizing proxies
   * (iam-proxy.ts), which refuse what a function's grants in infra/wiring.ts do not allow.
   */
  functionEndpoints: LocalEndpoints;
  /** Every refusal of the authorizing proxies, newest last (tests look here). */
  denials: Array<{ function: FunctionName; request: Request }>;
  sqs: SqsEmulator;
  s3: S3Emulator;
  scheduler: SchedulerEmulator;
  /** Starts the trigger functions' workers (a broken module fails here), then every trigger. */
  startTriggers(): Promise<void>;
  /**
   * Stops the queue and stream pollers and the recurring timers, as a crash of the workers would
   * (the scheduler keeps firing); startTriggers() runs them again, from the stream positions reached.
   * Messages taken but not finished come back after their visibility timeout. The chaos test uses it.
   */
  stopTriggers(): Promise<void>;
  /** Stops the triggers, then the emulators; running invocations get a bounded time to finish. */
  stop(): Promise<void>;
}

interface Stoppable {
  stop(): Promise<void>;
}

export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  const log = options.log ?? ((message: string) => console.error(message));
  const started: Stoppable[] = [];
  const stopAll = async (list: Stoppable[]) => {
    for (const item of list.splice(0).reverse()) {
      await item.stop().catch((error: unknown) => log(`[local-aws] stop failed: ${describeError(error)}`));
    }
  };

  let sqs: SqsEmulator;
  let s3: S3Emulator;
  let scheduler: SchedulerEmulator;
  try {
    sqs = await startSqsEmulator({ queueOverrides: options.queueOverrides });
    started.push(sqs);
    s3 = await startS3Emulator({
      bucket: LOCAL_TRANSCRIPTS_BUCKET,
      ...(options.dataDir ? { directory: join(options.dataDir, 's3') } : {}),
    });
    started.push(s3);
    scheduler = await startSchedulerEmulator({
      ...(options.dataDir ? { file: join(options.dataDir, 'schedules.json') } : {}),
      groups: [SCHEDULER.groupName],
      retryBaseMs: options.retryBaseMs,
      log,
    });
    started.push(scheduler);
  } catch (error) {
    await stopAll(started);
    throw error;
  }

  const denials: LocalAws['denials'] = [];
  const resources: LocalResources = {
    tableName: options.tableName,
    queueNames: { dial: sqs.queues.dial.name, webhook: sqs.queues.webhook.name },
    bucket: LOCAL_TRANSCRIPTS_BUCKET,
    prefixes: LOCAL_FILE_PREFIXES,
    scheduleGroup: SCHEDULER.groupName,
  };
  const proxyTargets: LocalEndpoints = {
    dynamodb: options.dynamodbEndpoint,
    sqs: sqs.endpoint,
    s3: s3.endpoint,
    scheduler: scheduler.endpoint,
  };
  const functionEndpoints = {} as LocalEndpoints;
  try {
    for (const service of ['dynamodb', 'sqs', 's3', 'scheduler'] as const) {
      const proxy = await startIamProxy({
        service,
        target: proxyTargets[service],
        resources,
        onDenied: (denial) => {
          denials.push(denial);
          if (denials.length > 1_000) denials.shift();
          log(
            `[local-iam] ${denial.function} may not ${denial.request.action} on ${denial.request.resource}`,
          );
        },
      });
      started.push({ stop: () => proxy.close() });
      functionEndpoints[service] = proxy.url;
    }
  } catch (error) {
    await stopAll(started);
    throw error;
  }

  const targets: LocalAws['targets'] = {
    // The SQS client sends to the queue URL's host: the functions' URLs name the proxy.
    queueUrls: {
      dial: new URL(new URL(sqs.queues.dial.url).pathname, functionEndpoints.sqs).href,
      webhook: new URL(new URL(sqs.queues.webhook.url).pathname, functionEndpoints.sqs).href,
    },
    filesBucket: LOCAL_TRANSCRIPTS_BUCKET,
    scheduler: {
      groupName: SCHEDULER.groupName,
      targetArn: localFunctionArn(SCHEDULER_TARGET),
      roleArn: LOCAL_SCHEDULER_ROLE_ARN,
      deadLetterArn: sqs.schedulerDeadLetter.arn,
    },
    secretsPrefix: secretsPrefix(LOCAL_STAGE),
    retentionDays: DEFAULT_RETENTION_DAYS,
  };
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
    [ENV.dialQueueUrl]: sqs.queues.dial.url,
    [ENV.webhookQueueUrl]: sqs.queues.webhook.url,
    [ENV.transcriptsBucket]: targets.filesBucket,
    [ENV.uploadsBucket]: targets.filesBucket,
    [ENV.exportsBucket]: targets.filesBucket,
    [ENV.schedulerGroupName]: targets.scheduler.groupName,
    [ENV.schedulerTargetArn]: targets.scheduler.targetArn,
    [ENV.schedulerRoleArn]: targets.scheduler.roleArn,
    [ENV.schedulerDlqArn]: targets.scheduler.deadLetterArn,
  };

  const specOf = (name: FunctionName): FunctionSpec => ({
    ...FUNCTIONS[name],
    ...options.functionSpecs?.[name],
  });
  const handlerOf = (name: FunctionName): FunctionHandler => {
    const handler = options.handlers?.[name] ?? options.functions?.handler(name);
    if (!handler) throw new Error(`No handler for function ${name}: give one, or the local functions`);
    return handler;
  };
  const call = (name: FunctionName) => async (event: unknown) =>
    invokeFunction(name, handlerOf(name), event, specOf(name));
  const triggers: Stoppable[] = [];
  let triggersStarted = false;
  let schedulerFiring = false;
  let checkpoints: StreamCheckpoints | undefined;
  let streamsApi: DynamoDbStreamsApi | undefined;

  async function startTriggers(): Promise<void> {
    if (triggersStarted) throw new Error('The local triggers are already running');
    triggersStarted = true;
    // Every handler first, so a missing module fails the start before anything runs.
    const names = new Set<FunctionName>([
      ...QUEUE_SOURCES.map((s) => s.function),
      ...STREAM_SOURCES.map((s) => s.function),
      ...RECURRING.map((s) => s.function),
      SCHEDULER_TARGET,
    ]);
    for (const name of names) handlerOf(name);
    await options.functions?.warm([...names].filter((name) => !options.handlers?.[name]));

    try {
      for (const source of QUEUE_SOURCES) {
        const queue = sqs.queues[source.queue];
        triggers.push(
          startSqsPoller({
            source,
            client: sqs.client,
            queueUrl: queue.url,
            queueArn: queue.arn,
            invoke: call(source.function),
            idlePollMs: options.idlePollMs,
            subscribe: (wake) =>
              sqs.onMessageVisible((queueName) => {
                if (queueName === queue.name) wake();
              }),
            log,
          }),
        );
      }

      // Kept across stopTriggers(), as Lambda keeps an event source's position when a worker dies.
      checkpoints ??= options.dataDir
        ? await createFileCheckpoints(join(options.dataDir, 'stream-checkpoints.json'))
        : createMemoryCheckpoints();
      streamsApi ??= createDynamoDbStreamsApi(options.dynamodbEndpoint);
      for (const source of STREAM_SOURCES) {
        triggers.push(
          startStreamPoller({
            source,
            api: streamsApi,
            tableName: options.tableName,
            checkpoints,
            invoke: call(source.function),
            functionArn: localFunctionArn(source.function),
            sendFailure: async (description) => {
              await sqs.client.send(
                new SendMessageCommand({
                  QueueUrl: sqs.streamFailures.url,
                  MessageBody: JSON.stringify(description),
                }),
              );
            },
            idlePollMs: options.idlePollMs,
            retryBaseMs: options.retryBaseMs,
            log,
          }),
        );
      }

      for (const spec of RECURRING) {
        const intervalMs =
          options.recurringIntervalsMs?.[spec.function] ??
          (spec.function === 'sweeper' ? options.sweeperIntervalMs : undefined);
        triggers.push(startRecurring({ spec, intervalMs, invoke: call(spec.function), log }));
      }

      // The scheduler is not stopped by stopTriggers(), so it starts firing once.
      if (!schedulerFiring) startSchedulerFiring();
    } catch (error) {
      await stopAll(triggers);
      triggersStarted = false;
      throw error;
    }
  }

  function startSchedulerFiring(): void {
    schedulerFiring = true;
    scheduler.startFiring({
      invoke: async (targetArn, event) => {
        const name = functionNameFromArn(targetArn);
        if (!name) throw new Error(`No local function has the ARN ${targetArn}`);
        await call(name)(event);
      },
      deadLetter: async (queueArn, message) => {
        const queue = sqs.queueByArn(queueArn);
        if (!queue) throw new Error(`No local queue has the ARN ${queueArn}`);
        await sqs.client.send(
          new SendMessageCommand({
            QueueUrl: queue.url,
            MessageBody: message.body,
            MessageAttributes: Object.fromEntries(
              Object.entries(message.attributes).map(([key, value]) => [
                key,
                { DataType: 'String', StringValue: value },
              ]),
            ),
          }),
        );
      },
    });
  }

  async function stopTriggers(): Promise<void> {
    await Promise.all(triggers.splice(0).map((t) => t.stop().catch((e: unknown) => log(describeError(e)))));
    // The pollers are done with the stream client; startTriggers() makes a new one.
    streamsApi?.destroy();
    streamsApi = undefined;
    triggersStarted = false;
  }

  let stopping: Promise<void> | undefined;
  return {
    env,
    targets,
    functionEndpoints,
    denials,
    sqs,
    s3,
    scheduler,
    startTriggers,
    stopTriggers,
    stop() {
      // Triggers first (they use the emulators), then the emulators in reverse order of start.
      stopping ??= (async () => {
        await stopTriggers();
        await stopAll(started);
      })();
      return stopping;
    },
  };
}
