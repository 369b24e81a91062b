import { validateCreateBatchJson } from '#shared/contracts/batch.ts';
import { parseCreateBatchMultipart } from '#shared/http/parse-multipart.ts';
import { startBenchService } from '../lib/bench-service.ts';
import { jsonRecipients, multipartBody, nearLimitCsv, typicalCsv } from '../lib/inputs.ts';
import { seedAgent } from '../lib/seed.ts';
import { percentile, repeat, summarize, type Summary } from '../lib/stats.ts';

/**
 * 1. Creating a 1,000-recipient batch through the local HTTP gateway, by JSON, by a typical CSV and
 * by a CSV near the upload limit: latency, the CPU time of parsing and validation alone (in this
 * process, no I/O), and the DynamoDB requests the create made against the design's minimum.
 */

export interface CreateOptions {
  recipients: number;
  /** Repeated runs; each run sends `requestsPerRun` creates. */
  runs: number;
  requestsPerRun: number;
}

export interface CreateInputResult {
  input: string;
  bytes: number;
  latencyP50Ms: Summary;
  latencyP95Ms: Summary;
  parseCpuMs: Summary;
  dynamoRequests: Summary;
  dynamoByOperation: Record<string, number>;
  writeUnits: Summary;
  readUnits: Summary;
}

export interface CreateResult {
  recipients: number;
  designMinimumRequests: number;
  inputs: CreateInputResult[];
}

function cpuMs(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  return work().then(() => {
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000;
  });
}

export async function benchCreate(options: CreateOptions): Promise<CreateResult> {
  const bench = await startBenchService({ triggers: false });
  try {
    const { c, agentId } = await seedAgent(bench.service, { callsPerSecond: 10 });
    const fields = { name: 'Bench create', agent_id: agentId };
    const jsonText = JSON.stringify({ ...fields, recipients: jsonRecipients(options.recipients) });
    const typical = await multipartBody(fields, typicalCsv(options.recipients));
    const nearLimit = await multipartBody(fields, nearLimitCsv(options.recipients));

    const inputs = [
      {
        input: 'JSON',
        bytes: Buffer.byteLength(jsonText),
        send: () =>
          c.request('POST', '/v1/agents/batch-calls', {
            rawBody: jsonText,
            headers: { 'content-type': 'application/json' },
          }),
        parse: async () => validateCreateBatchJson(JSON.parse(jsonText), new Date()),
      },
      ...[
        { input: 'typical CSV', body: typical },
        { input: 'near-limit CSV', body: nearLimit },
      ].map(({ input, body }) => ({
        input,
        bytes: body.body.length,
        send: () =>
          c.request('POST', '/v1/agents/batch-calls', {
            rawBody: body.body,
            headers: { 'content-type': body.contentType },
          }),
        parse: () => parseCreateBatchMultipart(body.body, body.contentType, new Date()),
      })),
    ];

    const results: CreateInputResult[] = [];
    for (const input of inputs) {
      await input.parse(); // warm: the first call compiles the code paths
      let byOperation: Record<string, number> = {};
      const perRequest = { requests: [] as number[], write: [] as number[], read: [] as number[] };
      const runs = await repeat(options.runs, async () => {
        const latencies: number[] = [];
        for (let i = 0; i < options.requestsPerRun; i++) {
          await bench.resetCounts();
          const started = performance.now();
          const res = await input.send();
          latencies.push(performance.now() - started);
          if (res.status !== 202)
            throw new Error(`${input.input}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
          perRequest.requests.push(await bench.proxies.dynamodb.total());
          const units = await bench.proxies.dynamodb.capacity();
          perRequest.write.push(units.writeUnits);
          perRequest.read.push(units.readUnits);
          byOperation = await bench.proxies.dynamodb.counts();
        }
        return {
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          cpu: await cpuMs(input.parse),
        };
      });
      // More CPU samples than latency runs: they are cheap.
      const cpu: number[] = [];
      for (let i = 0; i < Math.max(5, options.runs); i++) cpu.push(await cpuMs(input.parse));
      results.push({
        input: input.input,
        bytes: input.bytes,
        latencyP50Ms: runs.p50,
        latencyP95Ms: runs.p95,
        parseCpuMs: summarize(cpu),
        dynamoRequests: summarize(perRequest.requests),
        dynamoByOperation: byOperation,
        writeUnits: summarize(perRequest.write),
        readUnits: summarize(perRequest.read),
      });
    }
    return {
      recipients: options.recipients,
      designMinimumRequests: Math.ceil(options.recipients / 25) + 1,
      inputs: results,
    };
  } finally {
    await bench.stop();
  }
}
