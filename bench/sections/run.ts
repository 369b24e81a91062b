import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoRunStore } from '#shared/adapters/dynamodb/run-store.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '#infra/local/functions/local-env.ts';
import { startBenchService, waitForCompletedBatch, type BenchService } from '../lib/bench-service.ts';
import { jsonRecipients } from '../lib/inputs.ts';
import { costOf, type CostBreakdown } from '../lib/cost.ts';
import { startReceiver, type Receiver } from '../lib/receiver.ts';
import { seedAgent } from '../lib/seed.ts';
import { percentile, summarize, type Summary } from '../lib/stats.ts';
import { sleep } from '../../test/helpers/wait.ts';

/**
 * 2, 3 and 5. Running a batch: 1,000 recipients, simulated calls of 1 s, at a concurrency limit.
 * Time to finish against the ideal ceil(n / N) × call length, the most calls live at once (from the
 * simulated network), calls placed per second against the number's pacing; the AWS requests the
 * functions made (counted at proxies in front of the emulators) and what they would cost; the time
 * from each call's end to its webhook, and how fast the webhook consumer delivers.
 */

export type { CostBreakdown };

export interface RunOptions {
  recipients: number;
  concurrency: number;
  callMs: number;
  callsPerSecond: number;
  /** Also measure webhook delivery throughput (runs of redelivering every event of the batch). */
  webhookThroughputRuns: number;
  timeoutMs: number;
}

export interface RunResult {
  recipients: number;
  concurrency: number;
  callMs: number;
  callsPerSecondSetting: number;
  finishMs: number;
  idealMs: number;
  /**
   * How long a call slot stays empty between two calls on average: (N × the span from the first
   * placement to the last end − the calls' own time) / hand-overs. The design's own cost of handing a
   * slot over, whatever the call length; start and finish are left out.
   */
  slotIdleMsPerCall: number;
  /**
   * How busy the event loop of the one Node process that runs the whole local service (every
   * function, emulator and poller) was, in %: near 100, work queues up behind it and every step
   * of a hand-over waits its turn. The counting proxies run on their own thread and are not in it.
   */
  eventLoopBusyPercent: number;
  /** CPU time of that process (all threads, the counting proxies' too) per call placed. */
  cpuMsPerCall: number;
  /** Where a hand-over's time goes, median per step (see handOverSteps). */
  handOverSteps: HandOverSteps;
  ratio: number;
  maxLive: number;
  placements: number;
  callsPerSecond: number;
  peakCallsPerSecond: number;
  webhookLatencyP50Ms: number;
  webhookLatencyP95Ms: number;
  webhookDeliveriesPerSecond: Summary | null;
  cost: CostBreakdown;
}

/** Medians, in ms, of the steps between a call's end and the next call's placement. */
export interface HandOverSteps {
  /** Call end → next recipient's dial message sent: callback, end transaction, dispatch. */
  endToDispatched: number;
  /** → claim sent: the queue hop, the dial's reads, its pacing slot. */
  dispatchedToClaim: number;
  /** → call placed: the claim transaction and the provider request. */
  claimToPlaced: number;
  /** The whole hand-over (end → placed): median, 90th percentile and mean (what the ratio feels). */
  totalP50: number;
  totalP90: number;
  totalMean: number;
  /** Hand-overs measured. */
  count: number;
}

export async function benchRun(options: RunOptions): Promise<RunResult> {
  const receiver = await startReceiver();
  let bench: BenchService | undefined;
  try {
    bench = await startBenchService({ simCallMs: options.callMs });
    const { service } = bench;
    const { c, agentId } = await seedAgent(service, {
      callsPerSecond: options.callsPerSecond,
      webhookUrl: receiver.url,
    });
    await bench.resetCounts();

    const created = await c.post('/v1/agents/batch-calls', {
      name: `Bench run N=${options.concurrency}`,
      agent_id: agentId,
      recipients: jsonRecipients(options.recipients),
      max_concurrent_calls: options.concurrency,
    });
    if (created.status !== 202) throw new Error(`create failed: ${created.text.slice(0, 300)}`);
    const batchId: string = created.body.id;

    const cpuBefore = process.cpuUsage();
    const loopBefore = performance.eventLoopUtilization();
    const batch = await waitForCompletedBatch(service, batchId, options.timeoutMs);
    const cpu = process.cpuUsage(cpuBefore);
    const eventLoopBusyPercent = performance.eventLoopUtilization(loopBefore).utilization * 100;
    const finishMs = Date.parse(batch.completedAt) - Date.parse(batch.startedAt);
    const idealMs = Math.ceil(options.recipients / options.concurrency) * options.callMs;

    const calls = service.network.calls().filter((call) => call.request.ref?.batch_id === batchId);
    // Between the first placement and the last end: the batch's start and finish are not hand-overs.
    const busyMs = calls.reduce(
      (sum, call) => sum + (Date.parse(call.endedAt ?? call.placedAt) - Date.parse(call.placedAt)),
      0,
    );
    const span =
      Math.max(...calls.map((call) => Date.parse(call.endedAt ?? call.placedAt))) -
      Math.min(...calls.map((call) => Date.parse(call.placedAt)));
    const handOvers = Math.max(1, calls.length - options.concurrency);
    const slotIdleMsPerCall = Math.max(0, options.concurrency * span - busyMs) / handOvers;
    const handOverSteps = await stepsOf(bench, batchId, calls, options.concurrency);
    const placed = calls.map((call) => Date.parse(call.placedAt)).sort((a, b) => a - b);
    const first = placed[0] ?? 0;
    const last = placed.at(-1) ?? 0;
    let peak = 0;
    for (let i = 0, j = 0; i < placed.length; i++) {
      while ((placed[i] ?? 0) - (placed[j] ?? 0) >= 1_000) j++;
      peak = Math.max(peak, i - j + 1);
    }

    const expected = options.recipients + 1;
    await waitFor(() => receiver.arrivals.length >= expected, 120_000);
    const endedAt = new Map(calls.map((call) => [call.to, Date.parse(call.endedAt ?? call.placedAt)]));
    const latencies = receiver.arrivals.flatMap((a) => {
      const ended = a.phone ? endedAt.get(a.phone) : undefined;
      return ended === undefined ? [] : [a.at - ended];
    });

    const cost = await costOf(bench, options.recipients);
    const throughput =
      options.webhookThroughputRuns > 0
        ? await webhookThroughput(bench, receiver, batchId, options.webhookThroughputRuns)
        : null;

    return {
      recipients: options.recipients,
      concurrency: options.concurrency,
      callMs: options.callMs,
      callsPerSecondSetting: options.callsPerSecond,
      finishMs,
      idealMs,
      slotIdleMsPerCall,
      eventLoopBusyPercent,
      cpuMsPerCall: (cpu.user + cpu.system) / 1000 / Math.max(1, calls.length),
      handOverSteps,
      ratio: idealMs / finishMs,
      maxLive: service.network.stats().maxLive,
      placements: calls.length,
      callsPerSecond: placed.length > 1 ? ((placed.length - 1) * 1000) / (last - first) : Number.NaN,
      peakCallsPerSecond: peak,
      webhookLatencyP50Ms: percentile(latencies, 50),
      webhookLatencyP95Ms: percentile(latencies, 95),
      webhookDeliveriesPerSecond: throughput,
      cost,
    };
  } finally {
    await bench?.stop();
    await receiver.close();
  }
}

/**
 * The steps of each hand-over, from timestamps the run leaves anyway: the simulated network's call
 * ends and placements, and each recipient's dispatchedAt (written right after its dial message is
 * sent) and dialingSince (the claim's time). Every call end past the first window's hands over to
 * one recipient; which one is not recorded, so the k-th end is paired with the k-th dispatch (in
 * time order): exact for one call slot, and for more it keeps the mean right even where it pairs
 * the wrong two. Recipients dispatched again (a retry) are left out.
 */
async function stepsOf(
  bench: BenchService,
  batchId: string,
  calls: ReturnType<BenchService['service']['network']['calls']>,
  concurrency: number,
): Promise<HandOverSteps> {
  const run = runStoreOf(bench);
  const recipients = await run.listRecipientRuns(batchId);
  const placedAt = new Map(
    calls.map((call) => [call.request.ref?.recipient_index, Date.parse(call.placedAt)] as const),
  );
  const ends = calls
    .map((call) => (call.endedAt ? Date.parse(call.endedAt) : Number.NaN))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const handedOver = recipients
    .filter((r) => r.index >= concurrency && r.dispatchedAt)
    .sort((a, b) => Date.parse(a.dispatchedAt ?? '') - Date.parse(b.dispatchedAt ?? ''));
  const steps: [number, number, number][] = [];
  handedOver.forEach((r, k) => {
    const end = ends[k];
    const placed = placedAt.get(r.index);
    if (r.attempts !== 1 || !r.dispatchedAt || !r.dialingSince) return;
    const dispatched = Date.parse(r.dispatchedAt);
    const claimed = Date.parse(r.dialingSince);
    if (placed === undefined || end === undefined || claimed < dispatched) return;
    steps.push([dispatched - end, claimed - dispatched, placed - claimed]);
  });
  const median = (i: 0 | 1 | 2) =>
    percentile(
      steps.map((s) => s[i]),
      50,
    );
  const totals = steps.map((s) => s[0] + s[1] + s[2]);
  return {
    endToDispatched: median(0),
    dispatchedToClaim: median(1),
    claimToPlaced: median(2),
    totalP50: percentile(totals, 50),
    totalP90: percentile(totals, 90),
    totalMean: totals.reduce((a, b) => a + b, 0) / Math.max(1, totals.length),
    count: steps.length,
  };
}

/** The run store on the service's table, for the bench's own reads (not counted: no proxy). */
function runStoreOf(bench: BenchService) {
  const { service } = bench;
  return createDynamoRunStore({
    client: createDocumentClient({
      endpoint: service.dynamodbEndpoint,
      region: LOCAL_SDK_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
    tableName: service.tableName,
  });
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the webhooks');
    await sleep(100);
  }
}

/** Every event of the batch delivered again, as fast as the webhook consumer goes. */
async function webhookThroughput(
  bench: BenchService,
  receiver: Receiver,
  batchId: string,
  runs: number,
): Promise<Summary> {
  const { service } = bench;
  const run = runStoreOf(bench);
  const records = await run.listOutbox(batchId);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const now = new Date().toISOString();
    for (let i = 0; i < records.length; i += 25) {
      await Promise.all(
        records
          .slice(i, i + 25)
          .map((record) => run.requeueDelivery(batchId, record.webhookId, now, { manual: true })),
      );
    }
    const before = receiver.arrivals.length;
    const started = Date.now();
    for (let i = 0; i < records.length; i += 10) {
      await service.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: service.queues.webhook,
          Entries: records.slice(i, i + 10).map((record, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify({ batchId, webhookId: record.webhookId }),
          })),
        }),
      );
    }
    await waitFor(() => receiver.arrivals.length - before >= records.length, 120_000);
    const lastAt = Math.max(...receiver.arrivals.slice(before).map((a) => a.at));
    rates.push((records.length * 1000) / (lastAt - started));
  }
  return summarize(rates);
}
