import {
  SendMessageBatchCommand,
  type BatchResultErrorEntry,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MAX_QUEUE_DELAY_SECONDS, type MessageQueue } from '../../ports/queues.ts';

/** SendMessageBatch takes at most 10 entries. */
const BATCH_LIMIT = 10;
/** Batches in flight at once: enough to enqueue 1,000 recipients quickly, few enough not to throttle. */
const PARALLEL_BATCHES = 4;

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** How often the entries SQS reports as failed are sent again before giving up. */
  maxRetries?: number;
  /** First backoff before a retry, doubled each time (with jitter). */
  retryBaseMs?: number;
}

export class QueueSendError extends Error {
  constructor(
    readonly queueUrl: string,
    readonly failures: BatchResultErrorEntry[],
  ) {
    const codes = [...new Set(failures.map((f) => f.Code ?? 'Unknown'))].join(', ');
    super(`${failures.length} message(s) could not be sent to ${queueUrl} (${codes})`);
    this.name = 'QueueSendError';
  }
}

export function createSqsQueue<T>(options: SqsQueueOptions): MessageQueue<T> {
  const { client, queueUrl } = options;
  const maxRetries = options.maxRetries ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 100;

  async function sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 0; ; attempt++) {
      const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = out.Failed ?? [];
      if (failed.length === 0) return;
      // A sender fault (too large, malformed) fails the same way every time: retrying cannot help.
      const permanent = failed.filter((f) => f.SenderFault);
      if (permanent.length > 0 || attempt >= maxRetries) throw new QueueSendError(queueUrl, failed);
      const failedIds = new Set(failed.map((f) => f.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      await sleep(backoff(retryBaseMs, attempt));
    }
  }

  return {
    async send(messages, sendOptions = {}) {
      const delay = sendOptions.delaySeconds;
      if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > MAX_QUEUE_DELAY_SECONDS)) {
        throw new RangeError(
          `delaySeconds must be an integer from 0 to ${MAX_QUEUE_DELAY_SECONDS}, got ${delay}`,
        );
      }
      const entries: SendMessageBatchRequestEntry[] = messages.map((message, index) => ({
        // Unique within one request; the index also finds the entry again in `Failed`.
        Id: String(index),
        MessageBody: JSON.stringify(message),
        ...(delay ? { DelaySeconds: delay } : {}),
      }));
      const batches: SendMessageBatchRequestEntry[][] = [];
      for (let i = 0; i < entries.length; i += BATCH_LIMIT) batches.push(entries.slice(i, i + BATCH_LIMIT));

      let next = 0;
      const errors: unknown[] = [];
      const worker = async () => {
        while (next < batches.length && errors.length === 0) {
          const batch = batches[next++];
          if (!batch) return;
          try {
            await sendBatch(batch);
          } catch (error) {
            errors.push(error);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, batches.length) }, worker));
      if (errors.length > 0) throw errors[0];
    },
  };
}

function backoff(baseMs: number, attempt: number): number {
  const ceiling = baseMs * 2 ** attempt;
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
