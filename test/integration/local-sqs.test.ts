import { ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqsQueue, QueueSendError } from '#shared/adapters/sqs/sqs-queue.ts';
import { startSqsPoller, type SqsPoller } from '#infra/local/triggers/sqs-poller.ts';
import { startSqsEmulator, type SqsEmulator } from '#infra/local/emulators/sqs-emulator.ts';
import type { QueueSourceSpec } from '#infra/wiring.ts';
import { sleep, until } from '../helpers/wait.ts';

/** The SQS adapter and the local event source mapping, against local-aws-sqs. */

let emulator: SqsEmulator | undefined;
let poller: SqsPoller | undefined;

afterEach(async () => {
  await poller?.stop();
  await emulator?.stop();
  poller = undefined;
  emulator = undefined;
});

async function start(): Promise<SqsEmulator> {
  // A 1 s visibility timeout and 2 receives make redelivery and the dead-letter queue quick to observe.
  emulator = await startSqsEmulator({
    queueOverrides: { dial: { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 } },
  });
  return emulator;
}

async function drain(client: SQSClient, queueUrl: string, expected: number, timeoutMs = 5_000) {
  const bodies: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (bodies.length < expected && Date.now() < deadline) {
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        AttributeNames: ['All'],
      }),
    );
    bodies.push(...(out.Messages ?? []).map((m) => m.Body ?? ''));
    if ((out.Messages ?? []).length === 0) await sleep(50);
  }
  return bodies;
}

const source = (overrides: Partial<QueueSourceSpec> = {}): QueueSourceSpec => ({
  queue: 'dial',
  function: 'dial',
  batchSize: 10,
  maxConcurrency: 5,
  maxBatchingWindowSeconds: 0,
  reportBatchItemFailures: true,
  ...overrides,
});

describe('SQS adapter', () => {
  it('sends more than 10 messages as JSON, in batches of 10', async () => {
    const { client, queues } = await start();
    const calls: number[] = [];
    const counting = {
      send: (command: SendMessageBatchCommand) => {
        calls.push(command.input.Entries?.length ?? 0);
        return client.send(command);
      },
    } as unknown as SQSClient;
    const queue = createSqsQueue<{ n: number }>({ client: counting, queueUrl: queues.dial.url });
    await queue.send(Array.from({ length: 25 }, (_, n) => ({ n })));
    expect(calls.sort()).toEqual([10, 10, 5]);
    const bodies = await drain(client, queues.dial.url, 25);
    expect(bodies.map((b) => (JSON.parse(b) as { n: number }).n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, n) => n),
    );
  });

  it('delays messages by delaySeconds and refuses a delay SQS cannot take', async () => {
    const { client, queues } = await start();
    const queue = createSqsQueue<{ late: boolean }>({ client, queueUrl: queues.webhook.url });
    const sentAt = Date.now();
    await queue.send([{ late: true }], { delaySeconds: 1 });
    expect(await drain(client, queues.webhook.url, 1, 600)).toEqual([]);
    const bodies = await drain(client, queues.webhook.url, 1, 3_000);
    expect(bodies).toEqual(['{"late":true}']);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_000);
    await expect(queue.send([{ late: true }], { delaySeconds: 901 })).rejects.toThrow(/delaySeconds/);
    await expect(queue.send([{ late: true }], { delaySeconds: 1.5 })).rejects.toThrow(RangeError);
  });

  it('sends the entries SQS reported as failed again, and throws when they stay lost', async () => {
    const { client, queues } = await start();
    // SQS fails entries on its side now and then (throttling, internal errors): a client that drops
    // the first two entries of its first call, as the service would report them.
    let calls = 0;
    const flaky = (failuresOnCalls: number) =>
      ({
        send: async (command: SendMessageBatchCommand) => {
          calls++;
          const entries = command.input.Entries ?? [];
          if (calls > failuresOnCalls) return client.send(command);
          const kept = entries.slice(2);
          const out =
            kept.length > 0
              ? await client.send(new SendMessageBatchCommand({ ...command.input, Entries: kept }))
              : { Successful: [] };
          return {
            ...out,
            Failed: entries.slice(0, 2).map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
          };
        },
      }) as unknown as SQSClient;
    const queue = createSqsQueue<number>({ client: flaky(1), queueUrl: queues.dial.url, retryBaseMs: 1 });
    await queue.send([1, 2, 3, 4, 5]);
    expect(calls).toBe(2);
    expect((await drain(client, queues.dial.url, 5)).sort()).toEqual(['1', '2', '3', '4', '5']);

    calls = 0;
    const lossy = createSqsQueue<number>({
      client: flaky(100),
      queueUrl: queues.dial.url,
      retryBaseMs: 1,
      maxRetries: 2,
    });
    await expect(lossy.send([6, 7, 8])).rejects.toBeInstanceOf(QueueSendError);
    expect(calls).toBe(3);
  });
});

describe('SQS poller (the local event source mapping)', () => {
  it('invokes with at most batchSize records and never more than maxConcurrency at once', async () => {
    const { client, queues } = await start();
    const batchSizes: number[] = [];
    const seen: number[] = [];
    let live = 0;
    let maxLive = 0;
    poller = startSqsPoller({
      source: source({ batchSize: 3, maxConcurrency: 2 }),
      client,
      queueUrl: queues.dial.url,
      queueArn: queues.dial.arn,
      idlePollMs: 20,
      log: () => undefined,
      invoke: async (event: SQSEvent) => {
        live++;
        maxLive = Math.max(maxLive, live);
        batchSizes.push(event.Records.length);
        for (const r of event.Records) {
          expect(r.eventSource).toBe('aws:sqs');
          expect(r.eventSourceARN).toBe(queues.dial.arn);
          expect(r.attributes.ApproximateReceiveCount).toBe('1');
          seen.push(JSON.parse(r.body) as number);
        }
        await sleep(120);
        live--;
        return { batchItemFailures: [] };
      },
    });
    await createSqsQueue<number>({ client, queueUrl: queues.dial.url }).send(
      Array.from({ length: 20 }, (_, i) => i),
    );
    await until(() => seen.length >= 20, 8_000, '20 messages');
    await sleep(1_300); // Past the visibility timeout: a message not deleted would come back.
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(3);
    expect(maxLive).toBe(2);
  });

  it('gathers messages for the batching window and invokes once with them', async () => {
    const { client, queues } = await start();
    const batches: number[][] = [];
    poller = startSqsPoller({
      // The webhook queue: its visibility timeout is far above the window (the dial queue's is 1 s here).
      source: source({
        queue: 'webhook',
        function: 'deliverWebhook',
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
      }),
      client,
      queueUrl: queues.webhook.url,
      queueArn: queues.webhook.arn,
      idlePollMs: 20,
      log: () => undefined,
      invoke: async (event: SQSEvent) => {
        batches.push(event.Records.map((r) => JSON.parse(r.body) as number));
        return { batchItemFailures: [] };
      },
    });
    const queue = createSqsQueue<number>({ client, queueUrl: queues.webhook.url });
    // Four messages 50 ms apart (plus each send's own time, well inside the 1 s window on a loaded
    // machine): one invocation within the window, not four.
    for (let n = 0; n < 4; n++) {
      await queue.send([n]);
      await sleep(50);
    }
    await until(() => batches.flat().length >= 4, 5_000, 'the four messages');
    expect(batches).toEqual([[0, 1, 2, 3]]);
  });

  it('deletes the successes and lets the reported failures come back', async () => {
    const { client, queues } = await start();
    const receives = new Map<string, string[]>();
    poller = startSqsPoller({
      source: source(),
      client,
      queueUrl: queues.dial.url,
      queueArn: queues.dial.arn,
      idlePollMs: 20,
      log: () => undefined,
      invoke: async (event: SQSEvent): Promise<SQSBatchResponse> => {
        const failures: SQSBatchResponse['batchItemFailures'] = [];
        for (const r of event.Records) {
          receives.set(r.body, [...(receives.get(r.body) ?? []), r.attributes.ApproximateReceiveCount]);
          // "bad" fails on its first receive only.
          if (r.body === '"bad"' && r.attributes.ApproximateReceiveCount === '1') {
            failures.push({ itemIdentifier: r.messageId });
          }
        }
        return { batchItemFailures: failures };
      },
    });
    await createSqsQueue<string>({ client, queueUrl: queues.dial.url }).send(['good', 'bad', 'fine']);
    await until(() => (receives.get('"bad"') ?? []).length >= 2, 5_000, 'the failed message to return');
    await sleep(1_300);
    expect(receives.get('"bad"')).toEqual(['1', '2']);
    expect(receives.get('"good"')).toEqual(['1']);
    expect(receives.get('"fine"')).toEqual(['1']);
  });

  it('keeps every message of a batch whose invocation throws or reports an unknown id', async () => {
    const { client, queues } = await start();
    const receives: Record<string, number> = {};
    let invocations = 0;
    poller = startSqsPoller({
      source: source(),
      client,
      queueUrl: queues.dial.url,
      queueArn: queues.dial.arn,
      idlePollMs: 20,
      log: () => undefined,
      invoke: async (event: SQSEvent) => {
        invocations++;
        for (const r of event.Records) receives[r.body] = (receives[r.body] ?? 0) + 1;
        if (invocations === 1) throw new Error('boom');
        if (invocations === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
        return undefined;
      },
    });
    await createSqsQueue<string>({ client, queueUrl: queues.dial.url }).send(['a', 'b']);
    // With maxReceiveCount 2, a third receive never happens: the messages would sit in the DLQ.
    await until(() => invocations >= 2, 5_000, 'a second invocation');
    // Kept both times: after their second receive they land in the dead-letter queue, not deleted.
    const dead = await drain(client, queues.dial.deadLetter.url, 2, 4_000);
    expect(dead.sort()).toEqual(['"a"', '"b"']);
    expect(receives).toEqual({ '"a"': 2, '"b"': 2 });
  });

  it('moves a message that keeps failing to the dead-letter queue after maxReceiveCount', async () => {
    const { client, queues } = await start();
    let receives = 0;
    poller = startSqsPoller({
      source: source(),
      client,
      queueUrl: queues.dial.url,
      queueArn: queues.dial.arn,
      idlePollMs: 20,
      log: () => undefined,
      invoke: async (event: SQSEvent) => {
        receives += event.Records.length;
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    await createSqsQueue<{ poison: true }>({ client, queueUrl: queues.dial.url }).send([{ poison: true }]);
    const dead = await drain(client, queues.dial.deadLetter.url, 1, 6_000);
    expect(dead).toEqual(['{"poison":true}']);
    expect(receives).toBe(2);
  });

  it('picks a message up as soon as it is sent (or its delay passes), not at the next idle poll', async () => {
    const { client, queues } = await start();
    const pickedUp: { body: string; afterMs: number }[] = [];
    const sentAt = new Map<string, number>();
    poller = startSqsPoller({
      source: source(),
      client,
      queueUrl: queues.dial.url,
      queueArn: queues.dial.arn,
      // An idle poll this long would show in every pick-up below if the wake-up did not work.
      idlePollMs: 5_000,
      subscribe: (wake) =>
        emulator?.onMessageVisible((name) => {
          if (name === queues.dial.name) wake();
        }) ?? (() => undefined),
      log: () => undefined,
      invoke: async (event: SQSEvent) => {
        for (const r of event.Records)
          pickedUp.push({ body: r.body, afterMs: Date.now() - (sentAt.get(r.body) ?? 0) });
        return { batchItemFailures: [] };
      },
    });
    await sleep(300); // The poller's first receive found nothing: it is in its long idle pause now.
    const queue = createSqsQueue<string>({ client, queueUrl: queues.dial.url });
    // A send to another queue must not count as one to this queue.
    await createSqsQueue<string>({ client, queueUrl: queues.webhook.url }).send(['elsewhere']);
    sentAt.set('"now"', Date.now());
    await queue.send(['now']);
    await until(() => pickedUp.length === 1, 3_000, 'the message sent without delay');
    sentAt.set('"delayed"', Date.now());
    await queue.send(['delayed'], { delaySeconds: 1 });
    await until(() => pickedUp.length === 2, 4_000, 'the delayed message');
    expect(pickedUp.map((p) => p.body)).toEqual(['"now"', '"delayed"']);
    expect(pickedUp[0]?.afterMs).toBeLessThan(2_000);
    expect(pickedUp[1]?.afterMs).toBeGreaterThanOrEqual(1_000);
    expect(pickedUp[1]?.afterMs).toBeLessThan(3_000);
  });
});
