/**
 * Reproduces issue 11 item 1 against a running `npm start`: a 50-recipient batch every 10 s while the
 * last three batches are read every second. Every 5 s it prints the batches by status, the stream
 * poller's checkpoint (DATA_DIR/stream-checkpoints.json) and the newest sequence number DynamoDB Local's
 * stream holds, so a stalled pipeline shows as a checkpoint that stops while the stream grows.
 *
 *   SIM_CALL_MS=1500 PORT=3101 DATA_DIR=scratch/repro npm start
 *   PORT=3101 DATA_DIR=scratch/repro SECONDS=150 npx tsx bench/stream-hang.ts
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDynamoDbStreamsApi } from '../infra/local/triggers/stream-reader.ts';
import { startReceiver } from './lib/receiver.ts';
import { sleep } from '../test/helpers/wait.ts';

const port = process.env.PORT ?? '3000';
const dataDir = resolve(process.env.DATA_DIR ?? '.data');
const seconds = Number(process.env.SECONDS ?? '150');
const base = `http://127.0.0.1:${port}/v1`;

const local = JSON.parse(await readFile(join(dataDir, 'local.json'), 'utf8')) as {
  apiKey: string;
  agentId: string;
};
const runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8').catch(() => '{}')) as {
  dynamodbEndpoint?: string;
};
const headers = { authorization: `Bearer ${local.apiKey}`, 'content-type': 'application/json' };

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

const ids: string[] = [];
const statuses = new Map<string, string>();
let fiveHundreds = 0;
let created = 0;

function recipients(n: number, batchNo: number) {
  return Array.from({ length: n }, (_, i) => ({
    phone: `+1415555${String(((batchNo * 50 + i) % 9_000) + 1_000).padStart(4, '0')}`,
    dynamic_vars: { first_name: `R${i}` },
  }));
}

async function createLoop(stopAt: number) {
  for (let n = 0; Date.now() < stopAt; n++) {
    const answer = await api('POST', '/agents/batch-calls', {
      name: `repro ${n}`,
      agent_id: local.agentId,
      recipients: recipients(50, n),
    });
    if (answer.status >= 500) fiveHundreds++;
    if (answer.status !== 202)
      console.log(`create answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    if (answer.status === 202) {
      ids.push(answer.json.id as string);
      created++;
    }
    await sleep(10_000);
  }
}

async function readLoop(stopAt: number) {
  while (Date.now() < stopAt) {
    await Promise.all(
      ids.slice(-3).map(async (id) => {
        const answer = await api('GET', `/agents/batch-calls/${id}`);
        if (answer.status >= 500) fiveHundreds++;
        if (answer.status === 200) statuses.set(id, answer.json.batch.status as string);
      }),
    );
    await sleep(1_000);
  }
}

async function streamHead(): Promise<string> {
  if (!runtime.dynamodbEndpoint) return '?';
  const streams = createDynamoDbStreamsApi(runtime.dynamodbEndpoint);
  const arn = await streams.latestStreamArn('batch-calls-local');
  const shards = await streams.listShards(arn);
  const open = shards.find((s) => !s.SequenceNumberRange?.EndingSequenceNumber) ?? shards.at(-1);
  if (!open) return 'no shard';
  // The newest record: read from the checkpoint on (the checkpoint is the poller's position).
  const checkpoint = await checkpointOf(arn, open.ShardId);
  let iterator = await streams.shardIterator({
    streamArn: arn,
    shardId: open.ShardId,
    type: checkpoint ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
    ...(checkpoint ? { sequenceNumber: checkpoint } : {}),
  });
  let last = checkpoint ?? 'none';
  let behind = 0;
  for (let page = 0; page < 20; page++) {
    const read = await streams.records(iterator, 1000);
    behind += read.records.length;
    last = read.records.at(-1)?.dynamodb.SequenceNumber ?? last;
    if (!read.next || read.records.length === 0) break;
    iterator = read.next;
  }
  return `${open.ShardId.slice(-12)} head ${last}, ${behind} record(s) after the checkpoint`;
}

async function checkpointOf(arn: string, shardId: string): Promise<string | null> {
  const text = await readFile(join(dataDir, 'stream-checkpoints.json'), 'utf8').catch(() => '{}');
  const all = JSON.parse(text) as Record<string, Record<string, { sequenceNumber: string | null }>>;
  return all[arn]?.[shardId]?.sequenceNumber ?? null;
}

async function reportLoop(stopAt: number, startedAt: number) {
  while (Date.now() < stopAt + 20_000) {
    await sleep(5_000);
    // Every batch, not only the last three.
    const all = new Map<string, number>();
    for (const id of ids) {
      const answer = await api('GET', `/agents/batch-calls/${id}`).catch(() => null);
      const batch = answer?.json?.batch;
      const status: string = batch?.status ?? 'error';
      const ended = batch ? batch.counts.completed + batch.counts.failed === batch.total_recipients : false;
      const key = status === 'running' && ended ? 'running(all ended)' : status;
      all.set(key, (all.get(key) ?? 0) + 1);
    }
    const head = await streamHead().catch((e: unknown) => `stream unreadable: ${String(e)}`);
    console.log(
      `${Math.round((Date.now() - startedAt) / 1000)} s: ${created} created; ${JSON.stringify(Object.fromEntries(all))}; 5xx ${fiveHundreds}; webhooks ${receiver.arrivals.length}; ${head}`,
    );
  }
}

// The run had webhooks on: the demo agent gets a receiver for every event.
const receiver = await startReceiver();
const patched = await api('PATCH', `/agents/${local.agentId}`, {
  webhook_url: receiver.url,
  webhook_events: ['conversation.completed', 'call.failed', 'batch.completed', 'batch.failed'],
});
if (patched.status !== 200) throw new Error(`PATCH agent answered ${patched.status}`);

const startedAt = Date.now();
const stopAt = startedAt + seconds * 1000;
await Promise.all([createLoop(stopAt), readLoop(stopAt), reportLoop(stopAt, startedAt)]);
await receiver.close();
