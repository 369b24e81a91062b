import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { QueueSourceSpec } from '../../wiring.ts';
import { LOCAL_REGION } from '../gateway/http-event.ts';
import { describeError } from '../http-helpers.ts';
import { startBacklogWatch, type BacklogSample } from './backlog-watch.ts';

/**
 * Plays Lambda's SQS event source mapping for one QUEUE_SOURCES entry: receives up to `batchSize`
 * messages, hands them to the function as an SQSEvent with at most `maxConcurrency` invocations at
 * once, and deletes what succeeded. Partial batch failures follow Lambda's rules: a thrown error (or
 * timeout) deletes nothing; `batchItemFailures` keeps those messages (an identifier that is not a
 * message of the batch fails the whole batch); anything else deletes all. Kept messages reappear after
 * their visibility timeout, and SQS moves them to the dead-letter queue after maxReceiveCount.
 */

export interface SqsPollerOptions {
  source: QueueSourceSpec;
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** Runs the function; resolves with its result, rejects when it throws or times out. */
  invoke(event: SQSEvent): Promise<unknown>;
  /**
   * Pause between empty receives (local-aws-sqs long polling does not return early). A wake-up from
   * `subscribe` ends it at once, as a message arriving ends SQS's long poll.
   */
  idlePollMs?: number;
  /** Subscribes to "a message became visible in this queue"; returns the unsubscribe. */
  subscribe?: (wake: () => void) => () => void;
  /** How long stop() waits for running invocations before abandoning them. */
  stopTimeoutMs?: number;
  /** Messages visible longer than this are reported (10 s unless given). */
  backlogThresholdMs?: number;
  /** How often the backlog is sampled (2 s unless given); 0 turns the watch off. */
  backlogIntervalMs?: number;
  log?: (message: string) => void;
}

export interface SqsPoller {
  stop(): Promise<void>;
}

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const { source, client, queueUrl } = options;
  const idlePollMs = options.idlePollMs ?? 250;
  const log = options.log ?? ((message: string) => console.error(message));
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let signalStop: () => void = () => undefined;
  const stopSignal = new Promise<void>((resolve) => (signalStop = resolve));
  const pause = (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const slept = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([slept, stopSignal]).finally(() => clearTimeout(timer));
  };
  // A wake-up that came while receiving (or invoking) is kept, so the next idle pause is skipped.
  let woken = false;
  let endIdle: (() => void) | null = null;
  const unsubscribe = options.subscribe?.(() => {
    woken = true;
    endIdle?.();
  });
  type IdleEnd = 'timed_out' | 'woken';
  const idle = async (ms: number): Promise<IdleEnd> => {
    if (woken) return 'woken';
    const wakeUp = new Promise<IdleEnd>((resolve) => (endIdle = () => resolve('woken')));
    return Promise.race([pause(ms).then(() => 'timed_out' as const), wakeUp]).finally(() => (endIdle = null));
  };
  /** How the last idle pause ended; null after a receive that found messages. */
  let lastIdle: IdleEnd | null = 'timed_out';

  /** Messages receivable now, as local-aws-sqs counts them (it includes in-flight ones in the first). */
  const visibleCount = async (): Promise<number> => {
    const out = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) -
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };

  /**
   * How many messages to ask for. local-aws-sqs holds every receive for 40 ms unless it can fill
   * MaxNumberOfMessages, while SQS answers a receive with what it has and Lambda invokes with that:
   * asking for as many as are visible gets SQS's behaviour. Its ApproximateNumberOfMessages counts
   * in-flight messages too (SQS's does not), hence the difference. Woken by a send, one message is
   * there for sure: asking for one answers at once without the count. After an idle pause that
   * nobody woke, a plain receive goes out regardless: the count only ever speeds the pick-up up.
   */
  const receivable = async (): Promise<number> => {
    const after = lastIdle;
    lastIdle = null;
    if (after === 'timed_out') return source.batchSize;
    if (after === 'woken') return 1;
    const visible = await visibleCount();
    return Math.max(0, Math.min(source.batchSize, Number.isFinite(visible) ? visible : source.batchSize));
  };

  async function run(messages: Message[]): Promise<void> {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options.queueArn)) };
    let result: unknown;
    try {
      result = await options.invoke(event);
    } catch (error) {
      log(
        `[sqs ${source.queue}] ${source.function} failed; ${messages.length} message(s) will be retried: ${describeError(error)}`,
      );
      return;
    }
    const failed = failedIds(result, event);
    if (failed === 'all') {
      log(
        `[sqs ${source.queue}] ${source.function} returned an invalid batchItemFailures; the batch will be retried`,
      );
      return;
    }
    const done = event.Records.filter((r) => !failed.has(r.messageId));
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      const out = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((r, index) => ({ Id: String(index), ReceiptHandle: r.receiptHandle })),
        }),
      );
      // A message not deleted only comes back once more; the functions are idempotent for that.
      for (const failure of out.Failed ?? []) {
        log(
          `[sqs ${source.queue}] could not delete a message: ${failure.Code ?? ''} ${failure.Message ?? ''}`,
        );
      }
    }
  }

  /** Up to `max` visible messages, at once (no long poll: the poller wakes on a send). */
  async function receive(max: number): Promise<Message[]> {
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: 0,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  }

  /**
   * Lambda's `MaximumBatchingWindowInSeconds`: records are gathered for up to the window (from the
   * first one) or until the batch is full, then the function is invoked once with all of them. Fewer
   * receives, deletes and invocations per message, for up to the window's delay.
   */
  async function gather(first: Message[]): Promise<Message[]> {
    const gathered = [...first];
    const until = Date.now() + source.maxBatchingWindowSeconds * 1000;
    while (!stopped && gathered.length < source.batchSize && Date.now() < until) {
      woken = false;
      const visible = await visibleCount().catch(() => 0);
      if (!(visible > 0)) {
        // Until a send wakes it, or the next look (the window's end at the latest).
        await idle(Math.max(1, Math.min(until - Date.now(), idlePollMs)));
        continue;
      }
      try {
        gathered.push(...(await receive(Math.min(visible, source.batchSize - gathered.length))));
      } catch (error) {
        log(`[sqs ${source.queue}] receive failed while gathering a batch: ${describeError(error)}`);
        break;
      }
    }
    return gathered;
  }

  const loop = (async () => {
    while (!stopped) {
      if (inFlight.size >= source.maxConcurrency) {
        await Promise.race([...inFlight, stopSignal]);
        continue;
      }
      let messages: Message[];
      woken = false;
      try {
        const wanted = await receivable();
        if (wanted === 0) {
          if (stopped) break;
          lastIdle = await idle(idlePollMs);
          continue;
        }
        messages = await receive(wanted);
      } catch (error) {
        if (stopped) break;
        log(`[sqs ${source.queue}] receive failed: ${describeError(error)}`);
        await pause(1_000);
        continue;
      }
      if (stopped) break; // Received while stopping: they come back after their visibility timeout.
      if (messages.length === 0) {
        lastIdle = await idle(idlePollMs);
        continue;
      }
      if (source.maxBatchingWindowSeconds > 0 && messages.length < source.batchSize) {
        messages = await gather(messages);
        if (stopped) break;
      }
      const invocation = run(messages)
        .catch((error: unknown) => log(`[sqs ${source.queue}] ${describeError(error)}`))
        .finally(() => inFlight.delete(invocation));
      inFlight.add(invocation);
    }
  })();

  /**
   * SQS's ApproximateAgeOfOldestMessage, approximated: local-aws-sqs tells how many messages are
   * visible, not since when, so work counts as waiting since the first sample of an unbroken run of
   * samples that found visible messages.
   */
  let visibleSince: number | null = null;
  const backlog = async (): Promise<BacklogSample> => {
    const visible = await visibleCount();
    if (!(visible > 0)) {
      visibleSince = null;
      return { oldestSince: null };
    }
    visibleSince ??= Date.now();
    return {
      oldestSince: visibleSince,
      detail: `${visible} message(s) visible, ${inFlight.size} of ${source.maxConcurrency} invocation(s) of ${source.function} running`,
    };
  };
  const watchInterval = options.backlogIntervalMs ?? 2_000;
  const watch =
    watchInterval > 0
      ? startBacklogWatch({
          label: `[sqs ${source.queue}]`,
          sample: backlog,
          intervalMs: watchInterval,
          thresholdMs: options.backlogThresholdMs,
          log,
        })
      : null;

  return {
    async stop() {
      stopped = true;
      watch?.stop();
      unsubscribe?.();
      signalStop();
      await loop;
      const bound = new Promise<void>((resolve) =>
        setTimeout(resolve, options.stopTimeoutMs ?? 5_000).unref(),
      );
      await Promise.race([Promise.allSettled(inFlight), bound]);
    },
  };
}

/** The ids to keep, or 'all' when the response is not a valid partial batch response. */
function failedIds(result: unknown, event: SQSEvent): Set<string> | 'all' {
  if (typeof result !== 'object' || result === null || !('batchItemFailures' in result)) return new Set();
  const failures = (result as { batchItemFailures: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const ids = new Set(event.Records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: toMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

function toMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
    };
  }
  return result;
}
