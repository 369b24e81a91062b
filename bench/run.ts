import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { percentile, round, summarize, formatSummary, type Summary } from './lib/stats.ts';
import { runLoad, type LoadResult } from './lib/load-clients.ts';
import { seedAgent } from './lib/seed.ts';
import { PRICES } from './lib/prices.ts';
import { benchCapacity, type CapacityResult } from './sections/capacity.ts';
import { capacityRows } from './sections/capacity-table.ts';
import { benchColdStart, type ColdStartResult } from './sections/cold-start.ts';
import { benchCreate, type CreateResult } from './sections/create.ts';
import { benchPreflight, type PreflightResult } from './sections/preflight.ts';
import { benchRun, type HandOverSteps, type RunResult } from './sections/run.ts';
import { benchSweeper, type SweeperResult } from './sections/sweeper.ts';
import { benchProviderCost, type ProviderCostResult } from './sections/provider-cost.ts';
import { COST_TARGETS, PLATFORM_LOG_BYTES } from './lib/cost.ts';
import { costRows } from './lib/cost-rows.ts';
import { startLocalService } from '../test/helpers/local-service.ts';
import { CONFIG } from './config.ts';

/**
 * `npm run bench`: the service's figures against the local mode (see bench/README.md). Prints a
 * table and writes bench/results/latest.json; its sections and sizes are in ./config.ts.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (section: string) => !only || only.includes(section);

/** Per step, the median of the runs' medians. */
function medianSteps(all: HandOverSteps[]): HandOverSteps {
  const mid = (f: (s: HandOverSteps) => number) => percentile(all.map(f), 50);
  return {
    endToDispatched: mid((s) => s.endToDispatched),
    dispatchedToClaim: mid((s) => s.dispatchedToClaim),
    claimToPlaced: mid((s) => s.claimToPlaced),
    totalP50: mid((s) => s.totalP50),
    totalP90: mid((s) => s.totalP90),
    totalMean: mid((s) => s.totalMean),
    count: all.reduce((sum, s) => sum + s.count, 0),
  };
}

const sectionErrors: Record<string, string> = {};
/** Runs one section; a failure is reported and the other sections still run. */
async function section<T>(name: string, work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    sectionErrors[name] = error instanceof Error ? error.message : String(error);
    log(`${name} FAILED: ${sectionErrors[name]}`);
    return null;
  }
}

const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

interface RunSummary {
  recipients: number;
  concurrency: number;
  callMs: number;
  runs: RunResult[];
  finishS: Summary;
  idealS: number;
  ratio: Summary;
  maxLive: Summary;
  callsPerSecond: Summary;
  peakCallsPerSecond: Summary;
  webhookLatencyP50Ms: Summary;
  webhookLatencyP95Ms: Summary;
  slotIdleMsPerCall: Summary;
  eventLoopBusyPercent: Summary;
  cpuMsPerCall: Summary;
  handOverSteps: HandOverSteps;
  costPer1000: Summary;
  /** The first run's DynamoDB requests per recipient by operation and item type. */
  dynamodbPerRecipient: Record<string, string>;
}

async function loadSection() {
  const service = await startLocalService({ simCallMs: 1000 });
  try {
    const { agentId } = await seedAgent(service, { callsPerSecond: 100 });
    const results: LoadResult[] = [];
    for (let i = 0; i < CONFIG.load.runs; i++) {
      const r = await runLoad({
        baseUrl: service.baseUrl,
        apiKey: service.apiKey,
        agentId,
        clients: CONFIG.load.clients,
        durationMs: CONFIG.load.durationMs,
      });
      results.push(r);
    }
    const pick = (f: (r: LoadResult) => number) => summarize(results.map(f));
    return {
      clients: CONFIG.load.clients,
      durationS: CONFIG.load.durationMs / 1000,
      requestsPerSecond: pick((r) => (r.requests * 1000) / r.durationMs),
      p50Ms: pick((r) => percentile(r.latenciesMs, 50)),
      p95Ms: pick((r) => percentile(r.latenciesMs, 95)),
      p99Ms: pick((r) => percentile(r.latenciesMs, 99)),
      byStatus: results.map((r) => r.byStatus),
      serverErrors: results.reduce(
        (n, r) =>
          n +
          r.networkErrors +
          Object.entries(r.byStatus).reduce(
            (m, [status, count]) => m + (Number(status) >= 500 ? count : 0),
            0,
          ),
        0,
      ),
      failures: results.flatMap((r) => r.failures),
    };
  } finally {
    await service.stop();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')).join('\n');
}

async function main() {
  const startedAt = new Date();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((l) => round(l, 2)),
  };
  log(`machine ${JSON.stringify(machine)}${CONFIG.quick ? ' (BENCH_QUICK: small sizes)' : ''}`);

  let coldStart: ColdStartResult[] | null = null;
  if (wanted('cold')) {
    log('cold start: bundling each function and importing it in fresh processes');
    coldStart = await section('cold start', () => benchColdStart(CONFIG.coldStart.runs));
  }
  let create: CreateResult | null = null;
  if (wanted('create')) {
    log('create: 1,000 recipients by JSON, typical CSV and near-limit CSV');
    create = await section('create', () => benchCreate(CONFIG.create));
  }
  let preflight: PreflightResult | null = null;
  if (wanted('preflight')) {
    log('preflight: 1,000-row CSV, against a create its validation refuses');
    preflight = await section('preflight', () => benchPreflight(CONFIG.preflight));
  }
  const runs: RunSummary[] = [];
  if (wanted('run')) {
    for (const [k, scenario] of CONFIG.run.scenarios.entries()) {
      const { recipients, concurrency, callMs } = scenario;
      const results: RunResult[] = [];
      for (let i = 0; i < CONFIG.run.repeat; i++) {
        log(
          `run: ${recipients} recipients, ${callMs / 1000} s calls, max_concurrent_calls ${concurrency} (${i + 1}/${CONFIG.run.repeat})`,
        );
        const result = await section(`run ${recipients} × ${callMs / 1000} s N=${concurrency}`, () =>
          benchRun({
            recipients,
            concurrency,
            callMs,
            callsPerSecond: CONFIG.run.callsPerSecond,
            // Delivery throughput does not depend on the concurrency: measured once, after the second run.
            webhookThroughputRuns:
              k === 1 && i === CONFIG.run.repeat - 1 ? CONFIG.run.webhookThroughputRuns : 0,
            timeoutMs: 15 * 60_000,
          }),
        );
        if (result) results.push(result);
      }
      if (results.length === 0) continue;
      const pick = (f: (r: RunResult) => number) => summarize(results.map(f));
      runs.push({
        recipients,
        concurrency,
        callMs,
        runs: results,
        finishS: pick((r) => r.finishMs / 1000),
        idealS: (results[0]?.idealMs ?? 0) / 1000,
        ratio: pick((r) => r.ratio),
        maxLive: pick((r) => r.maxLive),
        callsPerSecond: pick((r) => r.callsPerSecond),
        peakCallsPerSecond: pick((r) => r.peakCallsPerSecond),
        webhookLatencyP50Ms: pick((r) => r.webhookLatencyP50Ms),
        webhookLatencyP95Ms: pick((r) => r.webhookLatencyP95Ms),
        slotIdleMsPerCall: pick((r) => r.slotIdleMsPerCall),
        eventLoopBusyPercent: pick((r) => r.eventLoopBusyPercent),
        cpuMsPerCall: pick((r) => r.cpuMsPerCall),
        handOverSteps: medianSteps(results.map((r) => r.handOverSteps)),
        costPer1000: pick((r) => r.cost.usdPer1000Calls.total),
        dynamodbPerRecipient: results[0]?.cost.dynamodbPerRecipient ?? {},
      });
    }
  }
  let sweeper: SweeperResult | null = null;
  if (wanted('sweeper')) {
    log(`sweeper: one run's cost with ${CONFIG.sweeper.sizes.join(' vs ')} healthy running batches`);
    sweeper = await section('sweeper', () => benchSweeper(CONFIG.sweeper));
  }
  const providerRuns: ProviderCostResult[] = [];
  // Part of the run section; `BENCH_ONLY=providers` runs them alone.
  if (wanted('run') || wanted('providers')) {
    for (const scenario of CONFIG.run.providers) {
      log(`run on ${scenario.provider}'s path: ${scenario.recipients} recipients (cost)`);
      const result = await section(`run ${scenario.provider}`, () =>
        benchProviderCost({ ...scenario, timeoutMs: 15 * 60_000 }),
      );
      if (result) providerRuns.push(result);
    }
  }
  let load: Awaited<ReturnType<typeof loadSection>> | null = null;
  if (wanted('load')) {
    log(`load: ${CONFIG.load.clients} clients for ${CONFIG.load.durationMs / 1000} s`);
    load = await section('load', loadSection);
  }
  let capacity: CapacityResult | null = null;
  if (wanted('capacity')) {
    const { workspaces, batchesPerWorkspace, recipientsPerBatch } = CONFIG.capacity;
    log(
      `capacity: ${workspaces} workspaces × ${batchesPerWorkspace} batches × ${recipientsPerBatch} recipients at once`,
    );
    capacity = await section('capacity', () => benchCapacity(CONFIG.capacity));
  }
  const finishedAt = new Date();

  const f = formatSummary;
  const rows: string[][] = [['figure', 'median (min–max)', 'note']];
  for (const input of create?.inputs ?? []) {
    rows.push([
      `create ${create?.recipients} by ${input.input} (${round(input.bytes / 1024, 0)} KB)`,
      `p50 ${f(input.latencyP50Ms, 0, ' ms')}, p95 ${f(input.latencyP95Ms, 0, ' ms')}`,
      `${input.latencyP50Ms.runs} runs × ${CONFIG.create.requestsPerRun} requests`,
    ]);
    rows.push([`  parse + validate CPU`, f(input.parseCpuMs, 1, ' ms'), 'in-process, no I/O']);
    rows.push([
      `  DynamoDB requests`,
      f(input.dynamoRequests, 0),
      `design minimum ${create?.designMinimumRequests}; ${Object.entries(input.dynamoByOperation)
        .map(([op, n]) => `${op} ${n}`)
        .join(', ')}; ${f(input.writeUnits, 0)} WCU`,
    ]);
  }
  for (const p of preflight?.requests ?? []) {
    rows.push([
      `${p.request} (${preflight?.recipients}-row CSV, ${round((preflight?.csvBytes ?? 0) / 1024, 0)} KB)`,
      `p50 ${f(p.latencyP50Ms, 0, ' ms')}, p95 ${f(p.latencyP95Ms, 0, ' ms')}`,
      `HTTP ${p.status}; ${f(p.dynamoRequests, 0)} DynamoDB requests; nothing stored`,
    ]);
  }
  for (const r of runs) {
    const first = r.runs[0];
    rows.push([
      `run ${r.recipients} × ${r.callMs / 1000} s calls, N=${r.concurrency}`,
      `${f(r.finishS, 1, ' s')} (ideal ${r.idealS} s)`,
      `ratio ${f(r.ratio, 2)} (target ≥ 0.9); ${r.runs.length} run(s)`,
    ]);
    rows.push([`  most calls live at once`, f(r.maxLive, 0), `limit ${r.concurrency}`]);
    rows.push([
      `  slot idle per call`,
      f(r.slotIdleMsPerCall, 0, ' ms'),
      `hand-over cost; the local runtime's event loop ${f(r.eventLoopBusyPercent, 0, '%')} busy`,
    ]);
    const steps = r.handOverSteps;
    rows.push([
      `  hand-over steps (median)`,
      `${round(steps.endToDispatched, 0)} + ${round(steps.dispatchedToClaim, 0)} + ${round(steps.claimToPlaced, 0)} ms`,
      `call end → next dispatched (callback, end, dispatch) → claim sent (queue, reads, pacing) → placed (claim, provider); whole: p50 ${round(steps.totalP50, 0)}, p90 ${round(steps.totalP90, 0)}, mean ${round(steps.totalMean, 0)} ms; ${steps.count} hand-overs`,
    ]);
    rows.push([
      `  local CPU per call`,
      f(r.cpuMsPerCall, 0, ' ms'),
      `whole local service, one process; calls/s it can take ≈ cores for Node ÷ this`,
    ]);
    rows.push([
      `  calls placed per second`,
      `${f(r.callsPerSecond, 1)} avg, ${f(r.peakCallsPerSecond, 0)} peak in 1 s`,
      `pacing setting ${CONFIG.run.callsPerSecond}/s; concurrency allows ${r.concurrency}/s`,
    ]);
    rows.push([
      `  call end → webhook`,
      `p50 ${f(r.webhookLatencyP50Ms, 0, ' ms')}, p95 ${f(r.webhookLatencyP95Ms, 0, ' ms')}`,
      '',
    ]);
    if (first) rows.push(...costRows(first.cost, 'simulated'));
    const throughput = first?.webhookDeliveriesPerSecond;
    if (throughput) rows.push([`webhook deliveries per second`, f(throughput, 1), 'one local receiver, 2xx']);
  }
  for (const p of providerRuns) {
    rows.push([
      `run ${p.recipients} × ${p.callMs / 1000} s calls on ${p.provider}, N=${p.concurrency}`,
      `${round(p.finishMs / 1000, 1)} s`,
      `${p.placements} calls placed through the local ${p.provider} (test/helpers); cost only`,
    ]);
    rows.push(...costRows(p.cost, p.provider));
  }
  for (const c of coldStart ?? []) {
    rows.push([
      `cold start ${c.function}`,
      `${round(c.bundleBytes / 1024, 0)} KB, import ${f(c.importMs, 0, ' ms')}`,
      `target ≤ ${round(c.targetBytes / 1024, 0)} KB${c.budgetBytes > c.targetBytes ? ` (budget ${round(c.budgetBytes / 1024, 0)} KB)` : ''}, ≤ ${c.importTargetMs} ms; SDK and Tracer from the layer (${round(c.layer.bytes / 1024, 0)} KB, ${c.layer.files} files); without Tracer ${f(c.withoutTracer.importMs, 0, ' ms')}; SDK bundled: ${round(c.sdkBundled.bundleBytes / 1024, 0)} KB, ${f(c.sdkBundled.importMs, 0, ' ms')}; SDK as packages: ${f(c.sdkAsPackages.importMs, 0, ' ms')}`,
    ]);
  }
  if (load) {
    rows.push([
      `load ${load.clients} clients × ${load.durationS} s`,
      `p50 ${f(load.p50Ms, 0, ' ms')}, p95 ${f(load.p95Ms, 0, ' ms')}, p99 ${f(load.p99Ms, 0, ' ms')}`,
      `${f(load.requestsPerSecond, 0)} req/s; 5xx or no answer: ${load.serverErrors}`,
    ]);
  }

  if (capacity) rows.push(...capacityRows(capacity));

  for (const size of sweeper?.sizes ?? []) {
    const { steadyRun: run, firstRun: first } = size;
    rows.push([
      `sweeper run, ${size.batches} healthy running batch${size.batches === 1 ? '' : 'es'}`,
      `${run.requests} DynamoDB requests, ${round(run.readUnits, 1)} RCU`,
      `target: flat in healthy batches; ${round(run.writeUnits, 1)} WCU (the lease); AWS bills ≥ 0.5 RCU per query (≈ ${round((run.byOperation.Query ?? 0) / 2, 1)} RCU); first run after the start ${first.requests} requests, ${round(first.readUnits, 1)} RCU (each batch read once)`,
    ]);
  }
  if (sweeper) {
    rows.push([
      `  sweeper RCU per run, most ÷ fewest batches`,
      `${round(sweeper.readUnitsRatio, 2)}`,
      'target 1 (flat)',
    ]);
  }
  for (const [name, error] of Object.entries(sectionErrors)) {
    rows.push([`${name}: FAILED`, error.split('\n')[0]?.slice(0, 100) ?? '', 'see the log above']);
  }

  const header = `batch-calls bench — ${startedAt.toISOString().slice(0, 10)}, ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' ')}`;
  console.log(`\n${header}\n\n${table(rows)}\n`);
  console.log(
    `Prices: ${PRICES.region}, ${PRICES.date} list prices (bench/lib/prices.ts), Secrets Manager and CloudWatch Logs ingestion included (Lambda's platform log events modelled at ${PLATFORM_LOG_BYTES} B per invocation). Took ${round((finishedAt.getTime() - startedAt.getTime()) / 60_000, 1)} min.`,
  );

  const out = resolve(import.meta.dirname, 'results');
  await mkdir(out, { recursive: true });
  await writeFile(
    join(out, 'latest.json'),
    `${JSON.stringify({ startedAt, finishedAt, machine, config: CONFIG, prices: PRICES, targets: COST_TARGETS, errors: sectionErrors, coldStart, create, preflight, runs, providerRuns, sweeper, load, capacity, table: rows }, null, 2)}
`,
  );
  log(`wrote bench/results/latest.json`);
}

main().then(
  () => process.exit(Object.keys(sectionErrors).length > 0 ? 1 : 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
