import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Moves every message of a dead-letter queue back to its source queue (`npm run admin -- redrive`).
 * SQS's own move task (StartMessageMoveTask, what the console's "Start DLQ redrive" runs) is used
 * where the service offers it: AWS, and local mode's SQS emulator. Where it does not (an emulator
 * without it), the messages are moved by hand: receive, send to the source with their attributes,
 * delete, ten at a time. Either way a message is sent before it is deleted, so a crash mid-way can
 * duplicate a message but never lose one; every consumer of these queues is idempotent.
 */

export interface QueueRef {
  url: string;
  arn: string;
}

export interface RedriveResult {
  /** Messages in the dead-letter queue when the redrive began (SQS's approximate count). */
  found: number;
  moved: number;
  method: 'move-task' | 'receive-send-delete';
}

export interface RedriveOptions {
  /** How long to wait for a move task to finish before reporting what it moved so far. */
  timeoutMs?: number;
  pollMs?: number;
}

export async function redriveDeadLetters(
  sqs: SQSClient,
  deadLetter: QueueRef,
  source: QueueRef,
  options: RedriveOptions = {},
): Promise<RedriveResult> {
  const found = await approximateCount(sqs, deadLetter.url);
  if (found === 0) return { found, moved: 0, method: 'move-task' };
  try {
    await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: deadLetter.arn, DestinationArn: source.arn }),
    );
  } catch (error) {
    if (!isUnsupported(error)) throw error;
    return { found, moved: await moveByHand(sqs, deadLetter.url, source.url), method: 'receive-send-delete' };
  }
  const moved = await waitForMoveTask(sqs, deadLetter.arn, options);
  return { found, moved, method: 'move-task' };
}

async function approximateCount(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

function isUnsupported(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return /UnsupportedOperation|UnknownOperation|InvalidAction|NotImplemented/i.test(name);
}

async function waitForMoveTask(sqs: SQSClient, sourceArn: string, options: RedriveOptions): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const pollMs = options.pollMs ?? 1_000;
  for (;;) {
    const out = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const task = out.Results?.[0];
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    if (task?.Status === 'FAILED') {
      throw new Error(
        `The move task failed after ${moved} message(s): ${task.FailureReason ?? 'no reason given'}`,
      );
    }
    if (!task || task.Status === 'COMPLETED' || task.Status === 'CANCELLED') return moved;
    if (Date.now() > deadline) return moved;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function moveByHand(sqs: SQSClient, from: string, to: string): Promise<number> {
  let moved = 0;
  for (;;) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: from,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        // Long enough to send and delete them; a message not deleted comes back and is moved again.
        VisibilityTimeout: 60,
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return moved;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: to,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
        })),
      }),
    );
    // Only what reached the source queue leaves the dead-letter queue.
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    const done = messages.filter((_, i) => ok.has(String(i)));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: from,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    moved += done.length;
    if (done.length < messages.length) {
      throw new Error(`${messages.length - done.length} message(s) could not be sent back; ${moved} moved`);
    }
  }
}
