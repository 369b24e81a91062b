import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForBatchEnd } from '../helpers/batch-run.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService, type LocalService } from '../helpers/local-service.ts';
import { sleep } from '../helpers/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * Fairness between tenants for webhook delivery (issue 16; docs/webhooks.md): workspace A's receiver
 * hangs (never answers: every attempt waits the full 15 s timeout) while A and B run batches at the
 * same time on the real local service, whose webhook consumer runs 5 invocations at once. B's
 * webhooks must arrive as fast as if A did not exist, however many of A's events wait; A's endpoint
 * sees one attempt at a time; once it answers again, every one of A's events arrives, once, under
 * its one webhook-id.
 */

const SIM_CALL_MS = 300;
const A_RECIPIENTS = 200;
const B_RECIPIENTS = 40;
/**
 * B's outbox record → webhook received, p95: the time B's events spend with the webhook consumer A
 * shares. On a quiet machine it is well under a second; the machine is shared and loaded, hence the
 * room. Without the breaker, A's backlog (each attempt 15 s, 5 consumers) puts B's webhooks tens of
 * seconds to minutes behind.
 */
const B_P95_MS = 8_000;
/** The 15 s attempt timeout: none of B's events may wait for one of A's attempts to time out. */
const B_MAX_MS = 15_000;
const A_RECOVERY_DEADLINE_MS = 240_000;

interface Arrival {
  webhookId: string;
  type: string;
  subject: string;
  endedAt: number;
  receivedAt: number;
}

let service: LocalService;
let a: TestClient;
let b: TestClient;
let receiverB: WebhookReceiver;
let receiverA: HangingReceiver;
const arrivalsB: Arrival[] = [];
let secretA = '';
let secretB = '';
let webhookMessages = 0;

/**
 * A receiver that, while `down`, reads each request and never answers (the connection stays open
 * until the sender gives up); once up, answers 204, including the requests still waiting whose
 * sender is still there. Counts requests in flight at once.
 */
interface HangingReceiver {
  url: string;
  down: boolean;
  /** Answered with a 2xx (signature verified), each with its webhook-id. */
  delivered: Arrival[];
  requests: number;
  maxInFlight: number;
  recover(): void;
  close(): Promise<void>;
}

async function startHangingReceiver(secret: () => string): Promise<HangingReceiver> {
  const waiting = new Set<{ res: ServerResponse; answer: () => void }>();
  let inFlight = 0;
  const state: HangingReceiver = {
    url: '',
    down: true,
    delivered: [],
    requests: 0,
    maxInFlight: 0,
    recover() {
      state.down = false;
      for (const w of [...waiting]) w.answer();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    state.requests += 1;
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) inFlight -= 1;
      done = true;
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      try {
        new Webhook(secret()).verify(body, headers);
      } catch {
        res.writeHead(400).end('bad signature');
        return;
      }
      const entry = {
        res,
        answer: () => {
          waiting.delete(entry);
          // The sender gave up (timeout) on this one: it will come again, and count then.
          if (res.destroyed || req.socket.destroyed) return;
          const payload = JSON.parse(body) as {
            type: string;
            data: { recipient_id?: string; id?: string; ended_at?: string };
          };
          state.delivered.push({
            webhookId: headers['webhook-id'] ?? '',
            type: payload.type,
            subject: payload.data.recipient_id ?? payload.data.id ?? '',
            endedAt: Date.parse(payload.data.ended_at ?? ''),
            receivedAt: Date.now(),
          });
          res.writeHead(204).end();
        },
      };
      if (state.down) {
        waiting.add(entry);
        res.on('close', () => waiting.delete(entry));
      } else {
        entry.answer();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return state;
}

async function makeAgent(c: TestClient, webhookUrl: string): Promise<{ agentId: string; secret: string }> {
  const phone = await c.post('/v1/phone-numbers', {
    phone_number: '+14155550100',
    provider: 'simulated',
    calls_per_second: 100,
  });
  expect(phone.status, phone.text).toBe(201);
  const agent = await c.post('/v1/agents', {
    name: 'Reminders',
    prompt: 'You remind the customer of an appointment.',
    phone_number_id: phone.body.id,
    webhook_url: webhookUrl,
    webhook_events: ['conversation.completed', 'call.failed'],
  });
  expect(agent.status, agent.text).toBe(201);
  return { agentId: agent.body.id, secret: agent.body.webhook_secret };
}

/** Numbers whose last four digits are none of the simulated network's special endings (0001–0006). */
const phones = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ phone: `+1415${prefix}${String(1000 + i).padStart(4, '0')}` }));

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

/** The event each ended recipient of a batch must deliver, by its webhook-id. */
async function expectedEvents(c: TestClient, batchId: string): Promise<Set<string>> {
  const detail = await waitForBatchEnd(c, batchId, { timeoutMs: 120_000 });
  return new Set(
    (detail.recipients as { id: string; status: string }[]).map(
      (r) => `${r.status === 'completed' ? 'conversation.completed' : 'call.failed'}:${r.id}`,
    ),
  );
}

beforeAll(async () => {
  receiverA = await startHangingReceiver(() => secretA);
  receiverB = await startWebhookReceiver(
    () => [secretB],
    ({ id, body, receivedAt }) => {
      arrivalsB.push({
        webhookId: id,
        type: body.type,
        subject: body.data.recipient_id,
        endedAt: Date.parse(body.data.ended_at),
        receivedAt,
      });
    },
  );
  service = await startLocalService({
    simCallMs: SIM_CALL_MS,
    // Counts the webhook consumer's messages (attempts, and passes of held deliveries), for the log.
    wrap: (name, handler) => async (event, context) => {
      if (name === 'deliverWebhook') webhookMessages += (event as { Records: unknown[] }).Records.length;
      return handler(event, context);
    },
  });
  b = client(service.baseUrl, service.apiKey);
  const other = await service.newWorkspace('Tenant A');
  a = client(service.baseUrl, other.apiKey);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await receiverA?.close();
  await receiverB?.close();
});

describe('fairness between tenants for webhook delivery', () => {
  it("A's hanging endpoint does not delay B's webhooks; A's events all arrive once it answers", async () => {
    const agentA = await makeAgent(a, receiverA.url);
    const agentB = await makeAgent(b, receiverB.url);
    secretA = agentA.secret;
    secretB = agentB.secret;

    // A first, with a big batch at full speed: its events pile up behind its dead endpoint.
    const batchA = await a.post('/v1/agents/batch-calls', {
      name: 'A',
      agent_id: agentA.agentId,
      max_concurrent_calls: 50,
      recipients: phones('557', A_RECIPIENTS),
    });
    expect(batchA.status, batchA.text).toBe(202);
    const started = Date.now();
    while (receiverA.requests === 0 && Date.now() - started < 90_000) await sleep(100);
    expect(receiverA.requests, "A's endpoint was never tried").toBeGreaterThan(0);

    // Then B, slowly (two calls at a time), so its events spread over A's outage.
    const batchB = await b.post('/v1/agents/batch-calls', {
      name: 'B',
      agent_id: agentB.agentId,
      max_concurrent_calls: 2,
      recipients: phones('558', B_RECIPIENTS),
    });
    expect(batchB.status, batchB.text).toBe(202);
    const eventsB = await expectedEvents(b, batchB.body.id);
    const eventsA = await expectedEvents(a, batchA.body.id);
    expect(eventsA.size).toBe(A_RECIPIENTS);
    const deadlineB = Date.now() + 60_000;
    while (arrivalsB.length < eventsB.size && Date.now() < deadlineB) await sleep(200);

    // Every B event arrived, once, under its own id, while A's endpoint was still down.
    expect(new Set(arrivalsB.map((x) => x.webhookId))).toEqual(eventsB);
    expect(arrivalsB).toHaveLength(eventsB.size);
    expect(receiverA.down).toBe(true);
    // ... with A's events all still waiting: hundreds of pending deliveries, none sent but the probes.
    const logA = await a.get(`/v1/agents/batch-calls/${batchA.body.id}/webhook-deliveries`);
    expect(logA.status, logA.text).toBe(200);
    const waitingA = (logA.body.deliveries as { status: string }[]).filter((d) =>
      ['pending', 'retrying'].includes(d.status),
    );
    expect(waitingA.length).toBeGreaterThanOrEqual(A_RECIPIENTS - 5);
    const attemptsA = (logA.body.deliveries as { attempts: unknown[] }[]).reduce(
      (n, d) => n + d.attempts.length,
      0,
    );

    // Where B's time went: call end → outbox record is the table stream's hop (shared by every
    // tenant and unrelated to webhooks; on this shared machine at load 20+ it alone reaches tens of
    // seconds), outbox record → received is the webhook consumer's: the part A could take from B.
    const logB = await b.get(`/v1/agents/batch-calls/${batchB.body.id}/webhook-deliveries`);
    const createdAt = new Map(
      (logB.body.deliveries as { webhook_id: string; created_at: string }[]).map((d) => [
        d.webhook_id,
        Date.parse(d.created_at),
      ]),
    );
    const endToEnd = arrivalsB.map((x) => x.receivedAt - x.endedAt);
    const stream = arrivalsB.map((x) => (createdAt.get(x.webhookId) ?? NaN) - x.endedAt);
    const consumer = arrivalsB.map((x) => x.receivedAt - (createdAt.get(x.webhookId) ?? NaN));
    const summary = (values: number[]) =>
      `p50 ${percentile(values, 50)} ms, p95 ${percentile(values, 95)} ms, max ${Math.max(...values)} ms`;
    console.log(
      `B's webhooks: call end → received ${summary(endToEnd)}; call end → record ${summary(stream)}; ` +
        `record → received ${summary(consumer)}. A: ${waitingA.length} waiting, ${attemptsA} attempts, ` +
        `${receiverA.requests} requests; ${webhookMessages} webhook messages handled`,
    );
    expect(consumer.every(Number.isFinite)).toBe(true);
    expect(percentile(consumer, 95)).toBeLessThanOrEqual(B_P95_MS);
    expect(Math.max(...consumer)).toBeLessThan(B_MAX_MS);
    // One probe at a time, each taking 15 s: a handful of attempts, not one per event.
    expect(attemptsA).toBeLessThanOrEqual(10);
    expect(receiverA.maxInFlight, 'attempts in flight at once at the dead endpoint').toBeLessThanOrEqual(2);

    // A answers again: every one of its events arrives, once, under the id of its event.
    receiverA.recover();
    const deadlineA = Date.now() + A_RECOVERY_DEADLINE_MS;
    const deliveredA = () => new Set(receiverA.delivered.map((x) => x.webhookId));
    while (deliveredA().size < eventsA.size && Date.now() < deadlineA) await sleep(500);
    expect(deliveredA()).toEqual(eventsA);
    expect(receiverA.delivered).toHaveLength(eventsA.size);
    for (const x of receiverA.delivered) expect(x.webhookId).toBe(`${x.type}:${x.subject}`);
  }, 420_000);
});
