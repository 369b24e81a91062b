import { startBenchService } from '../lib/bench-service.ts';
import { multipartBody, typicalCsv } from '../lib/inputs.ts';
import { seedAgent } from '../lib/seed.ts';
import { percentile, repeat, type Summary } from '../lib/stats.ts';

/**
 * 6. Preflight of a 1,000-row typical CSV through the local HTTP gateway, against a create of the same
 * body that create's validation refuses. Both parse the same multipart body and run the same plan
 * (agent and number lookups, zones, suppressions, placeholders); the create is refused at its end (the
 * agent uses a variable the CSV lacks), so it stores nothing and times exactly create's validation.
 * The difference is what the report itself costs (estimate, histogram, preview).
 */

export interface PreflightOptions {
  recipients: number;
  runs: number;
  requestsPerRun: number;
}

export interface PreflightRequestResult {
  request: string;
  status: number;
  latencyP50Ms: Summary;
  latencyP95Ms: Summary;
  dynamoRequests: Summary;
}

export interface PreflightResult {
  recipients: number;
  csvBytes: number;
  requests: PreflightRequestResult[];
}

export async function benchPreflight(options: PreflightOptions): Promise<PreflightResult> {
  const bench = await startBenchService({ triggers: false });
  try {
    const { c, phoneNumberId } = await seedAgent(bench.service, { callsPerSecond: 10 });
    // The typical CSV has no `member_id` column: every row lacks it, so create refuses the batch.
    const agent = await c.post('/v1/agents', {
      name: 'Bench preflight agent',
      prompt: 'You remind {{first_name}} ({{member_id}}) of the appointment on {{appointment_date}}.',
      first_message: 'Hi {{first_name}}, this is {{clinic}} about {{appointment_date}}.',
      phone_number_id: phoneNumberId,
    });
    if (agent.status !== 201) throw new Error(`creating the agent failed: ${agent.text}`);
    const csv = typicalCsv(options.recipients);
    const body = await multipartBody({ name: 'Bench preflight', agent_id: agent.body.id }, csv);
    const send = (path: string) => () =>
      c.request('POST', path, { rawBody: body.body, headers: { 'content-type': body.contentType } });
    const requests = [
      { request: 'preflight', status: 200, send: send('/v1/agents/batch-calls/preflight') },
      { request: 'create refused by validation', status: 400, send: send('/v1/agents/batch-calls') },
    ];

    const results: PreflightRequestResult[] = [];
    for (const r of requests) {
      const warm = await r.send(); // the first request of a route warms its code paths
      if (warm.status !== r.status)
        throw new Error(`${r.request}: HTTP ${warm.status} ${warm.text.slice(0, 300)}`);
      const dynamo: number[] = [];
      const runs = await repeat(options.runs, async () => {
        const latencies: number[] = [];
        for (let i = 0; i < options.requestsPerRun; i++) {
          await bench.resetCounts();
          const started = performance.now();
          const res = await r.send();
          latencies.push(performance.now() - started);
          if (res.status !== r.status)
            throw new Error(`${r.request}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
          dynamo.push(await bench.proxies.dynamodb.total());
        }
        return {
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          dynamo: percentile(dynamo, 50),
        };
      });
      results.push({
        request: r.request,
        status: r.status,
        latencyP50Ms: runs.p50,
        latencyP95Ms: runs.p95,
        dynamoRequests: runs.dynamo,
      });
    }
    return { recipients: options.recipients, csvBytes: csv.length, requests: results };
  } finally {
    await bench.stop();
  }
}
