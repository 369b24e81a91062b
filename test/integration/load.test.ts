import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../bench/lib/load-clients.ts';
import { percentile } from '../../bench/lib/stats.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { seedAgent } from '../helpers/seed.ts';
import { client } from '../helpers/http-client.ts';

/**
 * The load test: 20 concurrent clients creating and reading batches against the whole local service
 * (what `npm start` runs, batches running in the background), for 12 s here to spare CI time —
 * `npm run bench` runs it for the 30 s and reports the percentiles. No request may fail
 * with a 5xx or go unanswered.
 */

const CLIENTS = 20;
const DURATION_MS = 12_000;

let service: Awaited<ReturnType<typeof startLocalService>>;
let agentId: string;

beforeAll(async () => {
  service = await startLocalService({ simCallMs: 500 });
  ({ agentId } = await seedAgent(client(service.baseUrl, service.apiKey)));
});
afterAll(async () => service?.stop());

describe('load', () => {
  it(`serves ${CLIENTS} concurrent clients for ${DURATION_MS / 1000} s without a 5xx`, async () => {
    const result = await runLoad({
      baseUrl: service.baseUrl,
      apiKey: service.apiKey,
      agentId,
      clients: CLIENTS,
      durationMs: DURATION_MS,
    });
    console.log(
      JSON.stringify({
        requests: result.requests,
        perSecond: Math.round((result.requests * 1000) / result.durationMs),
        byStatus: result.byStatus,
        p50: Math.round(percentile(result.latenciesMs, 50)),
        p95: Math.round(percentile(result.latenciesMs, 95)),
        p99: Math.round(percentile(result.latenciesMs, 99)),
      }),
    );
    expect(result.failures).toEqual([]);
    expect(result.networkErrors).toBe(0);
    expect(Object.keys(result.byStatus).filter((s) => Number(s) >= 500)).toEqual([]);
    // Every create was accepted, so the reads had batches to read.
    expect(Object.keys(result.byStatus).sort()).toEqual(['200', '202']);
    expect(result.latenciesByKind['create-csv'].length).toBeGreaterThan(0);
  }, 60_000);
});
