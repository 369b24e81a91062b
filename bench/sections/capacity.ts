import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDeployConfig } from '#infra/config.ts';
import { LIMITS } from '#shared/domain/limits.ts';
import { ASSUMED_AWS_DURATION_MS } from '../lib/capacity-limits.ts';
import { httpApiFunctions } from '../lib/cost.ts';
import {
  projectCapacity,
  standardLoads,
  type Deployment,
  type MeasuredInputs,
  type PerCall,
  type Projection,
} from '../lib/capacity-model.ts';
import { startBenchService, type BenchService } from '../lib/bench-service.ts';
import { jsonRecipients } from '../lib/inputs.ts';
import { startReceiver } from '../lib/receiver.ts';
import { seedAgent } from '../lib/seed.ts';
import type { TestClient } from '../../test/helpers/http-client.ts';
import { sleep } from '../../test/helpers/wait.ts';

/**
 * The capacity model's inputs, measured: several workspaces, each running several batches at once
 * (every second one scheduled three minutes ahead, so schedules are counted too), short simulated calls,
 * every webhook delivered to a local receiver. The functions' AWS requests per call — by service,
 * by DynamoDB operation and item type, by GSI1 partition — and their invocations and durations go
 * into the pure model (bench/lib/capacity-model.ts), which projects them onto the AWS limits for
 * 1 M calls a day and 10,000 concurrent calls (docs/capacity.md).
 */

/**
 * How far ahead the scheduled batches start: far enough that a create the loaded machine makes the
 * local gateway time out can be retried (same idempotency key, same body) before the time passes.
 */
const SCHEDULE_AHEAD_MS = 180_000;
/** How long a create is retried; less than SCHEDULE_AHEAD_MS, so the schedule is still ahead. */
const CREATE_RETRY_MS = 150_000;

export interface CapacityOptions {
  workspaces: number;
  batchesPerWorkspace: number;
  recipientsPerBatch: number;
  concurrency: number;
  callMs: number;
  /** The projection's assumptions: the peak hour against the day's mean, and a call's mean length. */
  peakFactor: number;
  meanCallSeconds: number;
  timeoutMs: number;
}

export interface CapacityResult {
  options: CapacityOptions;
  calls: number;
  batches: number;
  runSeconds: number;
  inputs: MeasuredInputs;
  /** Each function's mean duration measured here (ms): not Lambda's, kept for comparison. */
  localDurationMs: Record<string, number>;
  deployment: Deployment;
  projections: Projection[];
}

/** The deployment's defaults (infra/config.ts, with cdk.json's context) and the product's limits. */
export function defaultDeployment(): Deployment {
  const cdkJson = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const config = parseDeployConfig({ region: 'us-east-1', ...cdkJson.context }, {});
  return {
    dialConcurrency: config.queueConcurrency.dial,
    webhookConcurrency: config.queueConcurrency.webhook,
    callbackRateLimit: config.limits.callbackRateLimit,
    apiRateLimit: config.limits.apiRateLimit,
    maxConcurrentCallsPerBatch: LIMITS.maxConcurrentCalls.max,
    maxCallsPerSecondPerNumber: LIMITS.callsPerSecond.max,
  };
}

export async function benchCapacity(options: CapacityOptions): Promise<CapacityResult> {
  const receiver = await startReceiver();
  let bench: BenchService | undefined;
  try {
    bench = await startBenchService({ simCallMs: options.callMs });
    const { service } = bench;
    const workspaces = [{ workspaceId: service.workspaceId, apiKey: service.apiKey }];
    while (workspaces.length < options.workspaces) {
      workspaces.push(await service.newWorkspace(`Capacity ${workspaces.length + 1}`));
    }
    const seeded = await Promise.all(
      workspaces.map(async (ws, w) => ({
        ...ws,
        ...(await seedAgent(service, {
          apiKey: ws.apiKey,
          // A number of its own per workspace: each has its own pacing item.
          phoneNumber: `+1415555${String(1000 + w).padStart(4, '0')}`,
          callsPerSecond: LIMITS.callsPerSecond.max,
          webhookUrl: receiver.url,
        })),
      })),
    );
    await bench.resetCounts();

    const started = Date.now();
    const batches = (
      await Promise.all(
        seeded.map(async ({ c, agentId, workspaceId }) => {
          const ids: { workspaceId: string; batchId: string }[] = [];
          for (let b = 0; b < options.batchesPerWorkspace; b++) {
            const body = {
              name: `Capacity ${b + 1}`,
              agent_id: agentId,
              recipients: jsonRecipients(options.recipientsPerBatch),
              max_concurrent_calls: options.concurrency,
              ...(b % 2 === 1
                ? { scheduled_at: new Date(Date.now() + SCHEDULE_AHEAD_MS).toISOString() }
                : {}),
            };
            ids.push({ workspaceId, batchId: await createOnce(c, body, `capacity-${workspaceId}-${b}`) });
          }
          return ids;
        }),
      )
    ).flat();

    // Polled from the table directly (not through the proxies): the bench adds nothing to the counts.
    const deadline = Date.now() + options.timeoutMs;
    for (const { workspaceId, batchId } of batches) {
      for (;;) {
        const batch = await service.store.getBatch(workspaceId, batchId);
        if (batch?.status === 'completed') break;
        if (batch && !['pending', 'scheduled', 'running'].includes(batch.status)) {
          throw new Error(`batch ended as ${batch.status}`);
        }
        if (Date.now() > deadline) throw new Error(`batch still ${batch?.status ?? 'missing'}`);
        await sleep(500);
      }
    }
    const runSeconds = (Date.now() - started) / 1000;
    const batchIds = new Set(batches.map((b) => b.batchId));
    const calls = service.network
      .calls()
      .filter((call) => batchIds.has(call.request.ref?.batch_id ?? '')).length;
    // Every recipient's event and each batch's end, delivered: their requests belong to the calls.
    const expected = options.workspaces * options.batchesPerWorkspace * (options.recipientsPerBatch + 1);
    while (receiver.arrivals.length < expected) {
      if (Date.now() > deadline)
        throw new Error(`${receiver.arrivals.length} of ${expected} webhooks arrived`);
      await sleep(250);
    }

    const { inputs, localDurationMs } = await measuredInputs(bench, calls);
    const deployment = defaultDeployment();
    const projections = standardLoads({
      peakFactor: options.peakFactor,
      meanCallSeconds: options.meanCallSeconds,
    }).map((load) => projectCapacity(inputs, load, deployment));
    const batchCount = batches.length;
    return {
      options,
      calls,
      batches: batchCount,
      runSeconds,
      inputs,
      localDurationMs,
      deployment,
      projections,
    };
  } finally {
    await bench?.stop();
    await receiver.close();
  }
}

/**
 * One create, retried under its idempotency key when the loaded machine makes it fail (5xx) or the
 * first attempt is still running (409): a retry can never create it twice.
 */
async function createOnce(c: TestClient, body: object, key: string): Promise<string> {
  // A create the gateway gave up on (503) runs on, holding its key (409), until it is done; one that
  // failed (a 5xx: DynamoDB Local timing out on the loaded machine) released its key.
  const deadline = Date.now() + CREATE_RETRY_MS;
  for (;;) {
    const created = await c.post('/v1/agents/batch-calls', body, { headers: { 'Idempotency-Key': key } });
    if (created.status === 202) return created.body.id as string;
    if (Date.now() > deadline || (created.status < 500 && created.status !== 409)) {
      throw new Error(`create failed: ${created.status} ${created.text.slice(0, 300)}`);
    }
    await sleep(3_000);
  }
}

/**
 * The counts turned into per-call figures. Lambda's SQS event source is modelled as in the run
 * section: one ReceiveMessage and one DeleteMessageBatch per batch it delivers. The counts include
 * the creates and the sweeper's runs during the batches, shared out over the calls.
 */
async function measuredInputs(
  bench: BenchService,
  calls: number,
): Promise<{ inputs: MeasuredInputs; localDurationMs: Record<string, number> }> {
  const { dynamodb, sqs, s3, scheduler } = bench.proxies;
  const per = (n: number) => n / Math.max(1, calls);
  const perEach = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, per(n)]));
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const invocations = bench.invocations();
  const invoked = Object.entries(invocations).filter(([, s]) => s.count > 0);
  const queueInvocations = invocations.dial.count + invocations.deliverWebhook.count;
  const [dynamoCounts, sqsCounts, s3Counts, schedulerCounts, details, indexWrites, units] = await Promise.all(
    [
      dynamodb.counts(),
      sqs.counts(),
      s3.counts(),
      scheduler.counts(),
      dynamodb.details(),
      dynamodb.indexWrites(),
      dynamodb.capacity(),
    ],
  );
  const perCall: PerCall = {
    requests: {
      dynamodb: per(total(dynamoCounts)),
      sqs: per(total(sqsCounts) + 2 * queueInvocations),
      s3: per(total(s3Counts)),
      scheduler: per(total(schedulerCounts)),
      // The simulated provider reads no secret; a real provider's path differs (docs/capacity.md).
      secretsManager: 0,
    },
    dynamodbDetails: perEach(details),
    indexWrites: perEach(indexWrites),
    readUnits: per(units.readUnits),
    writeUnits: per(units.writeUnits),
    invocations: Object.fromEntries(invoked.map(([name, s]) => [name, per(s.count)])),
    callbacks: per(invocations.providerEvents.count),
    apiRequests: per(
      httpApiFunctions()
        .filter((name) => name !== 'providerEvents')
        .reduce((a, name) => a + invocations[name].count, 0),
    ),
    schedules: per(schedulerCounts.CreateSchedule ?? 0),
  };
  return {
    inputs: {
      perCall,
      meanDurationMs: Object.fromEntries(
        invoked.map(([name]) => [name, ASSUMED_AWS_DURATION_MS[name] ?? 1_000]),
      ),
    },
    localDurationMs: Object.fromEntries(invoked.map(([name, s]) => [name, s.totalMs / s.count])),
  };
}
