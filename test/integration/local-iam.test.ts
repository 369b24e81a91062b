import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { createS3Client, createSchedulerClient, createSqsClient } from '#shared/adapters/aws-clients.ts';
import { ENV } from '#shared/config/env-names.ts';
import { LOCAL_SDK_REGION, localFunctionCredentials } from '#infra/local/functions/local-env.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { startLocalService, type LocalService } from '../helpers/local-service.ts';

/**
 * Local mode gives each function exactly what infra/wiring.ts gives it in AWS (issue 11, item 4):
 * its own environment inside its own worker, and through the authorizing proxies only the actions
 * its grants allow, refused with each service's AccessDenied as the SDK would see it in AWS.
 */

let service: LocalService;
const SENTINEL = 'BATCH_CALLS_TEST_SENTINEL';
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];

beforeAll(async () => {
  // In this (the operator's) process only: no function may see it.
  process.env[SENTINEL] = 'visible-to-the-operator-only';
  service = await startLocalService({ triggers: false });
}, 120_000);

afterAll(async () => {
  delete process.env[SENTINEL];
  await service?.stop();
});

/** SDK clients signed as one function, through the endpoints the functions use. */
function as(name: FunctionName) {
  const options = { region: LOCAL_SDK_REGION, credentials: localFunctionCredentials(name) };
  const endpoints = service.aws.functionEndpoints;
  return {
    dynamodb: createDynamoDbClient({ ...options, endpoint: endpoints.dynamodb }),
    sqs: createSqsClient({ ...options, endpoint: endpoints.sqs }),
    s3: createS3Client({ ...options, endpoint: endpoints.s3 }),
    scheduler: createSchedulerClient({ ...options, endpoint: endpoints.scheduler }),
  };
}

const queueUrl = (queue: 'dial' | 'webhook') =>
  new URL(new URL(service.queues[queue]).pathname, service.aws.functionEndpoints.sqs).href;
const key = { PK: { S: 'IAMTEST' }, SK: { S: 'IAMTEST' } };

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(error, 'the request was allowed').not.toBeNull();
  expect(error?.message).toContain('is not authorized to perform');
  return error?.name ?? '';
}

describe('each function sees exactly its environment', () => {
  it.each(NAMES)('%s: inside its worker, nothing but what it was given', async (name) => {
    const inside = await service.functions.environmentInside(name);
    const given = service.functions.environmentOf(name);
    expect(inside[SENTINEL]).toBeUndefined();
    // Libraries may add their own settings once loaded (the SDK's user agent id); nothing else.
    const added = new Set(['AWS_SDK_UA_APP_ID']);
    const extra = Object.keys(inside).filter((n) => !(n in given));
    expect(extra.filter((n) => !added.has(n))).toEqual([]);
    for (const [variable, value] of Object.entries(given)) expect(inside[variable]).toBe(value);
  });

  it('undeclared settings are absent: the events function has no queue, bucket, secrets or network', async () => {
    const inside = await service.functions.environmentInside('events');
    for (const variable of [
      ENV.dialQueueUrl,
      ENV.webhookQueueUrl,
      ENV.transcriptsBucket,
      ENV.uploadsBucket,
      ENV.localSecretsFile,
      ENV.simulatedProviderUrl,
      ENV.schedulerTargetArn,
      'AWS_ENDPOINT_URL_SQS',
      'AWS_ENDPOINT_URL_S3',
    ]) {
      expect(inside[variable], variable).toBeUndefined();
    }
    expect(inside[ENV.tableName]).toBe(service.tableName);
    expect(inside.AWS_ACCESS_KEY_ID).toBe(localFunctionCredentials('events').accessKeyId);
  });

  it('the stream function cannot build a dialer or read secrets; the dial function can', async () => {
    const stream = await service.functions.environmentInside('tableStream');
    expect(stream[ENV.localSecretsFile]).toBeUndefined();
    expect(stream[ENV.simulatedProviderSecret]).toBeUndefined();
    const dial = await service.functions.environmentInside('dial');
    expect(dial[ENV.localSecretsFile]).toBeDefined();
    expect(dial[ENV.simulatedProviderUrl]).toBe(service.network.url);
    expect(dial[ENV.transcriptsBucket]).toBeUndefined();
    // The file store enforces the grant: read for the dial function, read-write for the settings api.
    expect(dial[ENV.localSecretsAccess]).toBe('read');
    expect((await service.functions.environmentInside('apiSettings'))[ENV.localSecretsAccess]).toBe(
      'readWrite',
    );
  });
});

describe('undeclared actions are refused', () => {
  it('the events function may read the table but not write it, alone or in a transaction', async () => {
    const { dynamodb } = as('events');
    await dynamodb.send(new GetItemCommand({ TableName: service.tableName, Key: key }));
    const put = new PutItemCommand({ TableName: service.tableName, Item: key });
    expect(await refusal(dynamodb.send(put))).toBe('AccessDeniedException');
    const transaction = new TransactWriteItemsCommand({
      TransactItems: [{ Put: { TableName: service.tableName, Item: key } }],
    });
    expect(await refusal(dynamodb.send(transaction))).toBe('AccessDeniedException');
    expect(service.aws.denials.at(-1)).toMatchObject({
      function: 'events',
      request: { action: 'dynamodb:PutItem' },
    });
    // The create function holds the write grant.
    await as('apiCreate').dynamodb.send(put);
  });

  it('the dial function may not write S3; the sweeper may put transcripts, not uploads', async () => {
    const object = (Key: string) =>
      new PutObjectCommand({ Bucket: service.s3.bucket, Key, Body: '{}', ContentType: 'application/json' });
    expect(await refusal(as('dial').s3.send(object('transcripts/ws/b/r.json')))).toBe('AccessDenied');
    await as('sweeper').s3.send(object('transcripts/ws/b/r.json'));
    expect(await refusal(as('sweeper').s3.send(object('uploads/ws/u.csv')))).toBe('AccessDenied');
  });

  it('a function without sendTo: webhook cannot send there, only to its own queue', async () => {
    const { sqs } = as('startBatch');
    const send = (queue: 'dial' | 'webhook') =>
      sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(queue), MessageBody: '{"iam":"test"}' }));
    expect(await refusal(send('webhook'))).toMatch(/AccessDenied/);
    await send('dial');
  });

  it('only the functions granted the scheduler may create schedules', async () => {
    const create = new CreateScheduleCommand({
      Name: 'iam-test',
      GroupName: 'batch-calls',
      ScheduleExpression: 'at(2099-01-01T00:00:00)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:x', RoleArn: 'arn:aws:iam::0:role/x' },
    });
    // The api function (starts) and the stream function (wake-ups) may; the dial function may not.
    expect(await refusal(as('dial').scheduler.send(create))).toBe('AccessDeniedException');
  });
});
