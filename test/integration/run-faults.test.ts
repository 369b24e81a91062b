import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  signSimulatedCallback,
  SIMULATED_SIGNATURE_HEADER,
} from '#shared/adapters/telephony/simulated-wire.ts';
import { ENV } from '#shared/config/env-names.ts';
import { invokeFunction } from '#infra/local/functions/invoke.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { maxLiveCalls } from '../helpers/live-calls.ts';
import { watchMalformedRequests } from '../helpers/malformed-requests.ts';
import { waitForBatchEnd } from '../helpers/batch-run.ts';
import { pollUntil, sleep } from '../helpers/wait.ts';

/**
 * The faults of issue 3, one test each, on the real local runtime: duplicate queue messages, stream
 * records and callbacks, a scheduler firing twice, a failing webhook receiver, and the concurrency
 * limit under load. After each: every recipient ended exactly once and nobody was called twice.
 */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let receiver: Server;
let receiverUrl: string;
/** webhook-id → answers given so far; the receiver fails the first `failFirst` attempts of each id. */
const attempts = new Map<string, number[]>();
let failFirst = 0;
const malformed = watchMalformedRequests();
let agentId: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const seen = attempts.get(id) ?? [];
      const status = seen.length < failFirst ? 500 : 204;
      attempts.set(id, [...seen, status]);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  service = await startLocalService({ simCallMs: 300, sweeperIntervalMs: 1_000, output: malformed.output });
  c = client(service.baseUrl, service.apiKey);
  const phone = await c.post('/v1/phone-numbers', {
    phone_number: '+14155550100',
    provider: 'simulated',
    calls_per_second: 100,
  });
  const agent = await c.post('/v1/agents', {
    name: 'Faults',
    prompt: 'Hello {{first_name}}',
    first_message: 'Hi {{first_name}}',
    phone_number_id: phone.body.id,
    webhook_url: receiverUrl,
    webhook_events: ['conversation.completed', 'call.failed', 'batch.completed'],
  });
  expect(agent.status, agent.text).toBe(201);
  agentId = agent.body.id;
}, 120_000);

// A fault may slow a run down, never make a request AWS refuses as malformed (a slower path, such as
// the sweeper, could still end the batch and hide it).
afterEach(() => {
  expect(malformed.take()).toEqual([]);
});

afterAll(async () => {
  await service?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function createBatch(count: number, extra: Record<string, unknown> = {}, firstPhone = 6000) {
  const recipients = Array.from({ length: count }, (_, i) => ({
    phone: `+1415555${firstPhone + i}`,
    first_name: `R${i}`,
  }));
  const res = await c.post('/v1/agents/batch-calls', {
    name: 'Faults',
    agent_id: agentId,
    recipients,
    ...extra,
  });
  expect(res.status, res.text).toBe(202);
  return res.body.id as string;
}

const waitForEnd = (batchId: string, timeoutMs = 60_000) =>
  waitForBatchEnd(c, batchId, { timeoutMs, intervalMs: 250 });

/** Every recipient of the batch was dialed exactly once (one placement, no repeated request). */
function expectEachDialedOnce(batchId: string, count: number) {
  const calls = service.network.calls().filter((call) => call.request.ref?.batch_id === batchId);
  expect(calls).toHaveLength(count);
  expect(new Set(calls.map((call) => call.to)).size).toBe(count);
  expect(calls.every((call) => call.requests === 1)).toBe(true);
}

describe('faults while running batches', () => {
  it('200 recipients with max_concurrent_calls 5: never more than 5 live calls, and the batch completes', async () => {
    const batchId = await createBatch(200, { max_concurrent_calls: 5 }, 1000);
    const done = await waitForEnd(batchId, 120_000);
    expect(done.batch.status).toBe('completed');
    expectEachDialedOnce(batchId, 200);
    const calls = service.network.calls().filter((call) => call.request.ref?.batch_id === batchId);
    const maxLive = maxLiveCalls(calls);
    expect(maxLive).toBeLessThanOrEqual(5);
    expect(maxLive).toBeGreaterThan(1);
  }, 150_000);

  it('the same SQS message delivered twice → one call', async () => {
    const batchId = await createBatch(2, { max_concurrent_calls: 1 }, 2000);
    // A copy of the message for the second recipient, before the first ends and dispatches it.
    const duplicate = JSON.stringify({
      workspaceId: service.workspaceId,
      batchId,
      recipientIndex: 1,
      attempt: 1,
    });
    for (let i = 0; i < 3; i++) {
      await service.sqs.send(
        new SendMessageCommand({ QueueUrl: service.queues.dial, MessageBody: duplicate }),
      );
    }
    const done = await waitForEnd(batchId);
    expect(done.batch.status).toBe('completed');
    expect(done.recipients.every((r: any) => r.attempts === 1)).toBe(true);
    await sleep(1_000); // let any late duplicate be processed
    expectEachDialedOnce(batchId, 2);
  });

  it('a duplicate provider callback changes nothing; a forged one is refused', async () => {
    const batchId = await createBatch(1, {}, 3000);
    const done = await waitForEnd(batchId);
    const call = service.network.calls().find((x) => x.request.ref?.batch_id === batchId);
    expect(call?.result).toBeTruthy();
    const body = JSON.stringify(call?.result);
    // The secret the provider-events function verifies with (in its own environment).
    const secret = service.functions.environmentOf('providerEvents')[ENV.simulatedProviderSecret] ?? '';
    const send = (signature: string) =>
      fetch(`${service.baseUrl}/v1/telephony/simulated/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIMULATED_SIGNATURE_HEADER]: signature },
        body,
      });
    const replay = await send(signSimulatedCallback(secret, body, new Date()));
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { results: string[] }).results).toEqual(['duplicate']);
    const forged = await send(signSimulatedCallback('not-the-secret-at-all-000000', body, new Date()));
    expect(forged.status).toBe(401);
    const after = await c.get(`/v1/agents/batch-calls/${batchId}`);
    expect(after.body).toEqual(done);
  });

  it('a stream record processed twice → one webhook identity', async () => {
    const batchId = await createBatch(1, {}, 4000);
    const done = await waitForEnd(batchId);
    const recipient = done.recipients[0];
    const webhookId = `conversation.completed:${recipient.id}`;
    // Its webhook first reaches the receiver (the consumer may hold it for its batching window).
    await pollUntil(
      () => attempts.has(webhookId),
      (has) => has,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // Feed the stream function (in its worker) the recipient's end again, as a retried stream batch would.
    const handler = (event: unknown) =>
      invokeFunction('tableStream', service.functions.handler('tableStream'), event);
    const item = await service.store.listRecipients(batchId);
    const image = { ...item[0], PK: `BATCH#${batchId}`, SK: 'R#0000', entity: 'recipient' };
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const record = {
      eventID: 'replayed',
      eventName: 'MODIFY',
      dynamodb: {
        SequenceNumber: '1',
        NewImage: marshall(image, { removeUndefinedValues: true }),
        OldImage: marshall({ ...image, status: 'dialing' }, { removeUndefinedValues: true }),
      },
    };
    await handler({ Records: [record, record] });
    await sleep(1_500);
    const ids = [...attempts.keys()].filter((id) => id.includes(recipient.id));
    expect(ids).toEqual([webhookId]);
    const log = await c.get(`/v1/agents/batch-calls/${batchId}/webhook-deliveries`);
    expect(log.body.deliveries.filter((d: any) => d.webhook_id.includes(recipient.id))).toHaveLength(1);
  });

  it('the scheduler firing twice → one start', async () => {
    const batchId = await createBatch(
      2,
      { scheduled_at: new Date(Date.now() + 86_400_000).toISOString() },
      5000,
    );
    const handler = (event: unknown) =>
      invokeFunction('startBatch', service.functions.handler('startBatch'), event) as Promise<{
        result: string;
      }>;
    const event = { workspaceId: service.workspaceId, batchId };
    const results = await Promise.all([handler(event), handler(event)]);
    expect(results.map((r) => r.result).sort()).toEqual(['not_startable', 'started']);
    const done = await waitForEnd(batchId);
    expect(done.batch.status).toBe('completed');
    expectEachDialedOnce(batchId, 2);
  });

  it('a webhook receiver answering 500 for a while → delivered later with the same webhook-id', async () => {
    failFirst = 2; // the first attempt and the immediate retry fail; the one 5 s later succeeds
    try {
      const batchId = await createBatch(1, {}, 7000);
      const done = await waitForEnd(batchId);
      const id = `conversation.completed:${done.recipients[0].id}`;
      await pollUntil(
        () => attempts.get(id) ?? [],
        (codes) => codes.includes(204),
        {
          timeoutMs: 20_000,
          intervalMs: 250,
        },
      );
      expect(attempts.get(id)).toEqual([500, 500, 204]);
      const log = await c.get(`/v1/agents/batch-calls/${batchId}/webhook-deliveries`);
      const delivery = log.body.deliveries.find((d: any) => d.webhook_id === id);
      expect(delivery?.status).toBe('delivered');
      expect(delivery.attempts.map((a: any) => a.status_code)).toEqual([500, 500, 204]);
    } finally {
      failFirst = 0;
    }
  }, 40_000);

  it('one delivery held by several workers at once (a redelivered message, the sweeper) → one POST', async () => {
    const batchId = await createBatch(1, {}, 7100);
    const done = await waitForEnd(batchId);
    const id = `conversation.completed:${done.recipients[0].id}`;
    await pollUntil(
      () => attempts.get(id) ?? [],
      (codes) => codes.includes(204),
      {
        timeoutMs: 20_000,
        intervalMs: 250,
      },
    );
    expect(attempts.get(id)).toEqual([204]);

    const log = await c.get(`/v1/agents/batch-calls/${batchId}/webhook-deliveries`);
    const delivery = log.body.deliveries.find((d: any) => d.webhook_id === id);
    // "Redeliver" queues one message; two more copies of it reach two workers at the same moment.
    const redeliver = await c.post(`/v1/webhook-deliveries/${delivery.id}/redeliver`, {});
    expect(redeliver.status, redeliver.text).toBe(202);
    const handler = (event: unknown) =>
      invokeFunction('deliverWebhook', service.functions.handler('deliverWebhook'), event);
    const message = { messageId: 'copy', body: JSON.stringify({ batchId, webhookId: id }) };
    await Promise.all([
      handler({ Records: [{ ...message, messageId: 'a' }] }),
      handler({ Records: [{ ...message, messageId: 'b' }] }),
    ]);
    // Whichever copy won may still be sending; then give any other copy time to (wrongly) send too.
    await pollUntil(
      () => attempts.get(id) ?? [],
      (codes) => codes.length >= 2,
      {
        timeoutMs: 10_000,
        intervalMs: 100,
      },
    );
    await sleep(1_500);
    expect(attempts.get(id)).toEqual([204, 204]);
    const after = await c.get(`/v1/agents/batch-calls/${batchId}/webhook-deliveries`);
    const logged = after.body.deliveries.find((d: any) => d.webhook_id === id);
    expect(logged.attempts.map((a: any) => [a.status_code, a.manual])).toEqual([
      [204, false],
      [204, true],
    ]);
  }, 40_000);
});
