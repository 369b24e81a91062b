import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { createSqsClient } from '#shared/adapters/aws-clients.ts';
import { QUEUES, type QueueName, type QueueSpec } from '../wiring.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './http-event.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from './local-env.ts';

/**
 * SQS on one machine: local-aws-sqs in this process on a random port, with the queues of the wiring,
 * each with its dead-letter queue, plus the scheduler's dead-letter queue and the stream
 * source's on-failure destination. It keeps nothing across a restart; the sweeper re-finds lost work
 * from the table, which is the source of truth.
 */

export interface QueueInfo {
  name: string;
  url: string;
  arn: string;
}

export interface SqsEmulator {
  endpoint: string;
  /** A client for the emulator (local credentials), for the pollers and tests. */
  client: SQSClient;
  queues: Record<QueueName, QueueInfo & { deadLetter: QueueInfo; spec: QueueSpec }>;
  /** Where the start schedules' events go once their retries are spent. */
  schedulerDeadLetter: QueueInfo;
  /** The stream source's on-failure destination. */
  streamFailures: QueueInfo;
  /** Finds a queue of this emulator by its ARN. */
  queueByArn(arn: string): QueueInfo | null;
  stop(): Promise<void>;
}

export interface SqsEmulatorOptions {
  port?: number;
  /** Test settings, e.g. a visibility timeout of 1 s so a failed message comes back quickly. */
  queueOverrides?: Partial<Record<QueueName, Partial<QueueSpec>>>;
}

export const SCHEDULER_DLQ_NAME = 'scheduler-dlq';
export const STREAM_FAILURES_NAME = 'stream-failures';
/** Dead-letter queues keep what they receive for AWS's maximum, 14 days. */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 86_400;

export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const server: Server = await createSqsServer({
    port: options.port ?? 0,
    hostname: '127.0.0.1',
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    // Tests create and drop queues freely; AWS's 60 s wait after a delete has no use here.
    emulateQueueCreationLifecycle: false,
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createSqsClient({ endpoint, region: LOCAL_SDK_REGION, credentials: LOCAL_CREDENTIALS });

  const create = async (name: string, attributes: Record<string, string>): Promise<QueueInfo> => {
    const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const url = created.QueueUrl;
    if (!url) throw new Error(`The SQS emulator returned no URL for queue ${name}`);
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn = attrs.Attributes?.QueueArn;
    if (!arn) throw new Error(`The SQS emulator returned no ARN for queue ${name}`);
    return { name, url, arn };
  };

  try {
    const deadLetterAttributes = { MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS) };
    const queues = {} as SqsEmulator['queues'];
    for (const name of Object.keys(QUEUES) as QueueName[]) {
      const spec = { ...QUEUES[name], ...options.queueOverrides?.[name] };
      const deadLetter = await create(`${name}-dlq`, deadLetterAttributes);
      const queue = await create(name, {
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(spec.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetter.arn,
          maxReceiveCount: spec.maxReceiveCount,
        }),
      });
      queues[name] = { ...queue, deadLetter, spec };
    }
    const schedulerDeadLetter = await create(SCHEDULER_DLQ_NAME, deadLetterAttributes);
    const streamFailures = await create(STREAM_FAILURES_NAME, deadLetterAttributes);
    const all = [
      ...Object.values(queues).flatMap((q) => [q, q.deadLetter]),
      schedulerDeadLetter,
      streamFailures,
    ];

    return {
      endpoint,
      client,
      queues,
      schedulerDeadLetter,
      streamFailures,
      queueByArn: (arn) => {
        const found = all.find((q) => q.arn === arn);
        return found ? { name: found.name, url: found.url, arn: found.arn } : null;
      },
      stop: () => closeServer(server, client),
    };
  } catch (error) {
    await closeServer(server, client);
    throw error;
  }
}

function closeServer(server: Server, client: SQSClient): Promise<void> {
  client.destroy();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
