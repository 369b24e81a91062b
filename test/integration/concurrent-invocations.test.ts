import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env-names.ts';
import { functionEnvironment } from '#infra/function-environment.ts';
import { applyEnvironment, LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '#infra/local/functions/local-env.ts';

/**
 * The local runtime runs several invocations of one function module at once (an SQS source's
 * maximumConcurrency; a stream batch retried while its timed-out invocation still runs), where Lambda
 * gives each its own sandbox. A handler must therefore keep no per-invocation state at module level:
 * the Powertools BatchProcessor does (records, failures, response), and two invocations sharing one
 * reported each other's failures, lost their own, or failed a whole batch for one record.
 */

let closedEndpoint: string;

beforeAll(async () => {
  // A port nobody listens on: a record whose reaction reads the table fails (after the SDK's retries).
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedEndpoint = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  // The handler is imported into this process (not a worker), so its settings go in process.env.
  applyEnvironment({
    // What the wiring gives the stream function (every adapter it composes needs its setting).
    ...functionEnvironment('tableStream', {
      tableName: 'concurrent-invocations',
      publicBaseUrl: 'http://127.0.0.1:9',
      queueUrls: { dial: `${closedEndpoint}/dial`, webhook: `${closedEndpoint}/webhook` },
      filesBucket: 'files',
      scheduler: {
        groupName: 'group',
        targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:start-batch',
        roleArn: 'arn:aws:iam::123456789012:role/scheduler',
        deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:scheduler-dlq',
      },
      authCacheTtlSeconds: 60,
      secretsPrefix: 'batch-calls/test/',
      retentionDays: 90,
    }),
    [ENV.tableName]: 'concurrent-invocations',
    [ENV.publicBaseUrl]: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_DYNAMODB: closedEndpoint,
    AWS_REGION: LOCAL_SDK_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  });
});

const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 60_000 }) as any;

/** A recipient reaching its end: its reaction reads the batch, which fails here. */
function failingRecord(sequenceNumber: string) {
  const image = {
    PK: 'BATCH#b1',
    SK: 'R#0000',
    entity: 'recipient',
    workspaceId: 'ws_1',
    batchId: 'b1',
    index: 0,
    status: 'completed',
  };
  return {
    eventID: sequenceNumber,
    eventName: 'MODIFY',
    dynamodb: {
      SequenceNumber: sequenceNumber,
      NewImage: marshall(image),
      OldImage: marshall({ ...image, status: 'dialing' }),
    },
  };
}

/** A removal: nothing to react to, done at once. */
function quietRecord(sequenceNumber: string) {
  return { eventID: sequenceNumber, eventName: 'REMOVE', dynamodb: { SequenceNumber: sequenceNumber } };
}

describe('concurrent invocations of one function module', () => {
  it('each report their own partial batch failures', async () => {
    const { handler } = await import('#functions/streams/table-stream.ts');
    const first = handler({ Records: [failingRecord('11'), quietRecord('12')] } as any, context('a'));
    const second = handler({ Records: [quietRecord('21')] } as any, context('b'));
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a).toEqual({ status: 'fulfilled', value: { batchItemFailures: [{ itemIdentifier: '11' }] } });
    expect(b).toEqual({ status: 'fulfilled', value: { batchItemFailures: [] } });
  }, 30_000);
});
