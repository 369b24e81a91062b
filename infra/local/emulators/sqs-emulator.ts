import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { createSqsClient } from '#shared/adapters/sqs/sqs-client.ts';
import { QUEUES, type QueueName, type QueueSpec } from '../../wiring.ts';
import { deadLetterQueueName, SCHEDULER_DLQ_NAME, STREAM_FAILURES_NAME } from '../../queue-names.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../gateway/http-event.ts';
import { closeServer } from '../http-helpers.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '../functions/local-env.ts';

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
  /**
   * Calls `listener` with a queue's name when a message sent to it becomes visible (at once, or when
   * its DelaySeconds pass). The pollers wait on this instead of polling every few milliseconds: the
   * emulator's long polling does not return early, while SQS's does. Returns the unsubscribe.
   */
  onMessageVisible(listener: (queueName: string) => void): () => void;
  stop(): Promise<void>;
}

export interface SqsEmulatorOptions {
  port?: number;
  /** Test settings, e.g. a visibility timeout of 1 s so a failed message comes back quickly. */
  queueOverrides?: Partial<Record<QueueName, Partial<QueueSpec>>>;
}

export { SCHEDULER_DLQ_NAME, STREAM_FAILURES_NAME };
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
  const visible = watchSends(server);
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
      const deadLetter = await create(deadLetterQueueName(name), deadLetterAttributes);
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
      onMessageVisible: (listener) => {
        visible.on('visible', listener);
        return () => visible.off('visible', listener);
      },
      stop: () => {
        visible.emit('stop');
        return stopServer(server, client);
      },
    };
  } catch (error) {
    await stopServer(server, client);
    throw error;
  }
}

const SEND_TARGETS = new Set(['AmazonSQS.SendMessage', 'AmazonSQS.SendMessageBatch']);

/**
 * Reads each send the emulator answers with 200 (the SDK speaks SQS's JSON protocol: the action is in
 * x-amz-target, the queue URL and delays in the body) and emits 'visible' with the queue's name when
 * its messages can be received. This listener runs before the emulator's and only listens in.
 */
function watchSends(server: Server): EventEmitter {
  const events = new EventEmitter();
  const timers = new Set<NodeJS.Timeout>();
  events.once('stop', () => {
    for (const timer of timers) clearTimeout(timer);
  });
  const announce = (queueName: string, delaySeconds: number) => {
    if (delaySeconds <= 0) {
      events.emit('visible', queueName);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      events.emit('visible', queueName);
    }, delaySeconds * 1000);
    timer.unref();
    timers.add(timer);
  };
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string' || !SEND_TARGETS.has(target)) return;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('finish', () => {
      if (res.statusCode !== 200) return;
      let body: { QueueUrl?: unknown; DelaySeconds?: unknown; Entries?: { DelaySeconds?: unknown }[] };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        return;
      }
      if (typeof body.QueueUrl !== 'string') return;
      const queueName = body.QueueUrl.split('/').pop() ?? '';
      const delays = Array.isArray(body.Entries)
        ? body.Entries.map((entry) => Number(entry.DelaySeconds ?? 0))
        : [Number(body.DelaySeconds ?? 0)];
      for (const delay of new Set(delays)) announce(queueName, Number.isFinite(delay) ? delay : 0);
    });
  });
  return events;
}

function stopServer(server: Server, client: SQSClient): Promise<void> {
  client.destroy();
  return closeServer(server);
}
