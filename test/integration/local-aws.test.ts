import { PutItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent, ScheduledEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchedulerClient, createSqsClient } from '#shared/adapters/aws-clients.ts';
import { createEventBridgeScheduler } from '#shared/adapters/scheduler/eventbridge-scheduler.ts';
import { createSqsQueue } from '#shared/adapters/sqs/sqs-queue.ts';
import { ENV } from '#shared/config/env-names.ts';
import { ensureTable } from '#shared/adapters/dynamodb/table.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/emulators/dynamodb-local.ts';
import { localFunctionArn, type FunctionHandler } from '#infra/local/functions/invoke.ts';
import { startLocalAws, type LocalAws } from '#infra/local/local-aws.ts';
import { applyEnvironment, LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '#infra/local/functions/local-env.ts';
import { SCHEDULER, type FunctionName } from '#infra/wiring.ts';
import { sleep, until } from '../helpers/wait.ts';

/**
 * startLocalAws as a whole: the environment it hands the functions, and each trigger of the wiring
 * reaching its function, with small test handlers and clients built from that environment alone.
 */

const TABLE = 'local-aws-test';
let dynamo: DynamoDbLocal;
let local: LocalAws;
const calls: Record<string, unknown[]> = {};
let sweeperLive = 0;
let sweeperOverlap = false;
let startFailures = 0;

const record =
  (name: FunctionName, run?: (event: unknown) => Promise<void>): FunctionHandler =>
  async (event: unknown) => {
    (calls[name] ??= []).push(event);
    await run?.(event);
    return undefined;
  };

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_SDK_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await ensureTable(client, TABLE);
  client.destroy();
  local = await startLocalAws({
    dynamodbEndpoint: dynamo.endpoint,
    tableName: TABLE,
    sweeperIntervalMs: 150,
    retryBaseMs: 20,
    idlePollMs: 30,
    log: () => undefined,
    handlers: {
      tableStream: record('tableStream'),
      dial: record('dial'),
      deliverWebhook: record('deliverWebhook'),
      startBatch: record('startBatch', async (event) => {
        if ((event as { fail?: boolean }).fail) {
          startFailures++;
          throw new Error('cannot start');
        }
      }),
      sweeper: record('sweeper', async () => {
        if (sweeperLive > 0) sweeperOverlap = true;
        sweeperLive++;
        await new Promise((resolve) => setTimeout(resolve, 250));
        sweeperLive--;
      }),
    },
  });
  applyEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: LOCAL_SDK_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    ...local.env,
  });
  await local.startTriggers();
});

afterAll(async () => {
  await local?.stop();
  await dynamo?.stop();
});

const env = (name: string) => process.env[name] ?? '';

describe('startLocalAws', () => {
  it('hands the functions every setting they need', () => {
    expect(local.env).toMatchObject({
      AWS_ENDPOINT_URL_SQS: local.sqs.endpoint,
      AWS_ENDPOINT_URL_S3: local.s3.endpoint,
      AWS_ENDPOINT_URL_SCHEDULER: local.scheduler.endpoint,
      [ENV.dialQueueUrl]: local.sqs.queues.dial.url,
      [ENV.webhookQueueUrl]: local.sqs.queues.webhook.url,
      [ENV.transcriptsBucket]: local.s3.bucket,
      [ENV.schedulerGroupName]: 'batch-calls',
      [ENV.schedulerTargetArn]: localFunctionArn('startBatch'),
      [ENV.schedulerDlqArn]: local.sqs.schedulerDeadLetter.arn,
    });
    expect(env(ENV.schedulerRoleArn)).toMatch(/^arn:aws:iam::\d{12}:role\//);
  });

  it('delivers dial and webhook messages sent through the env to their functions', async () => {
    const client = createSqsClient();
    await createSqsQueue<{ n: number }>({ client, queueUrl: env(ENV.dialQueueUrl) }).send([
      { n: 1 },
      { n: 2 },
    ]);
    await createSqsQueue<{ w: number }>({ client, queueUrl: env(ENV.webhookQueueUrl) }).send([{ w: 1 }]);
    client.destroy();
    await until(
      () =>
        (calls.dial ?? []).flatMap((e) => (e as SQSEvent).Records).length === 2 &&
        (calls.deliverWebhook ?? []).length === 1,
      3_000,
      'the queue functions',
    );
    const bodies = (calls.dial ?? []).flatMap((e) => (e as SQSEvent).Records.map((r) => r.body)).sort();
    expect(bodies).toEqual(['{"n":1}', '{"n":2}']);
  });

  it('starts a scheduled batch at its time through the scheduler named in the env', async () => {
    const client = createSchedulerClient();
    const scheduler = createEventBridgeScheduler({
      client,
      groupName: env(ENV.schedulerGroupName),
      targetArn: env(ENV.schedulerTargetArn),
      roleArn: env(ENV.schedulerRoleArn),
      deadLetterArn: env(ENV.schedulerDlqArn),
      retryPolicy: SCHEDULER.retryPolicy,
    });
    const at = new Date(Date.now() + 500);
    await scheduler.scheduleStart({ workspaceId: 'ws_1', batchId: 'b_1', at: at.toISOString() });
    client.destroy();
    await until(() => (calls.startBatch ?? []).length === 1, 3_000, 'the start');
    expect(calls.startBatch?.[0]).toEqual({ workspaceId: 'ws_1', batchId: 'b_1' });
  });

  it('sends a start whose retries are spent to the scheduler dead-letter queue', async () => {
    const client = createSchedulerClient();
    await client.send(
      new CreateScheduleCommand({
        Name: 'start-failing',
        GroupName: env(ENV.schedulerGroupName),
        ScheduleExpression: `at(${new Date().toISOString().slice(0, 19)})`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: env(ENV.schedulerTargetArn),
          RoleArn: env(ENV.schedulerRoleArn),
          Input: '{"fail":true}',
          RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: env(ENV.schedulerDlqArn) },
        },
      }),
    );
    client.destroy();
    let body: string | undefined;
    let attributes: Record<string, string | undefined> = {};
    const deadline = Date.now() + 4_000;
    while (body === undefined && Date.now() < deadline) {
      const out = await local.sqs.client.send(
        new ReceiveMessageCommand({
          QueueUrl: local.sqs.schedulerDeadLetter.url,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      const message = out.Messages?.[0];
      body = message?.Body;
      attributes = Object.fromEntries(
        Object.entries(message?.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]),
      );
      if (body === undefined) await sleep(50);
    }
    expect(body).toBe('{"fail":true}');
    expect(attributes.ERROR_MESSAGE).toMatch(/cannot start/);
    expect(startFailures).toBe(2);
  });

  it('runs the table stream function for the records the wiring’s filters pass', async () => {
    const client = new DynamoDBClient({});
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { PK: { S: 'WS#1' }, SK: { S: 'AGENT#1' }, entity: { S: 'agent' } },
      }),
    );
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { PK: { S: 'WS#1' }, SK: { S: 'BATCH#1' }, entity: { S: 'batch' } },
      }),
    );
    client.destroy();
    await until(() => (calls.tableStream ?? []).length >= 1, 4_000, 'the stream function');
    await sleep(300);
    const keys = (calls.tableStream ?? []).flatMap((e) =>
      (e as DynamoDBStreamEvent).Records.map((r) => r.dynamodb?.Keys?.SK?.S),
    );
    expect(keys).toEqual(['BATCH#1']);
  });

  it('runs the sweeper on its interval, never overlapping itself', async () => {
    await until(() => (calls.sweeper ?? []).length >= 3, 3_000, 'three sweeps');
    expect(sweeperOverlap).toBe(false);
    const event = calls.sweeper?.[0] as ScheduledEvent;
    expect(event['detail-type']).toBe('Scheduled Event');
    expect(event.source).toBe('aws.events');
  });
});
