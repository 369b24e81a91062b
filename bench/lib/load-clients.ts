import { jsonRecipients, multipartBody, typicalCsv } from './inputs.ts';

/**
 * Concurrent API clients for a bounded time, each in a loop: create a small batch (JSON, or a CSV
 * upload every fourth time), read it, list batches, read a batch another client created. Used by
 * test/integration/load.test.ts (no 5xx) and by `npm run bench` (latency percentiles).
 */

export interface LoadOptions {
  baseUrl: string;
  apiKey: string;
  agentId: string;
  clients: number;
  durationMs: number;
  recipientsPerBatch?: number;
}

export type RequestKind = 'create-json' | 'create-csv' | 'get-batch' | 'list-batches';

export interface LoadResult {
  durationMs: number;
  requests: number;
  byStatus: Record<string, number>;
  /** Requests that got no HTTP answer at all. */
  networkErrors: number;
  /** A few examples of 5xx answers and network errors, for the report. */
  failures: string[];
  latenciesMs: number[];
  latenciesByKind: Record<RequestKind, number[]>;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const size = options.recipientsPerBatch ?? 5;
  const csv = await multipartBody({ name: 'Load (CSV)', agent_id: options.agentId }, typicalCsv(size));
  const result: LoadResult = {
    durationMs: 0,
    requests: 0,
    byStatus: {},
    networkErrors: 0,
    failures: [],
    latenciesMs: [],
    latenciesByKind: { 'create-json': [], 'create-csv': [], 'get-batch': [], 'list-batches': [] },
  };
  const created: string[] = [];
  const auth = { authorization: `Bearer ${options.apiKey}` };

  async function call(kind: RequestKind, path: string, init: RequestInit = {}): Promise<any> {
    const started = performance.now();
    try {
      const response = await fetch(`${options.baseUrl}${path}`, {
        ...init,
        headers: { ...auth, ...(init.headers as Record<string, string> | undefined) },
      });
      const text = await response.text();
      const ms = performance.now() - started;
      result.requests++;
      result.latenciesMs.push(ms);
      result.latenciesByKind[kind].push(ms);
      result.byStatus[response.status] = (result.byStatus[response.status] ?? 0) + 1;
      if (response.status >= 500 && result.failures.length < 10) {
        result.failures.push(`${kind} → HTTP ${response.status}: ${text.slice(0, 200)}`);
      }
      return response.ok ? JSON.parse(text) : null;
    } catch (error) {
      result.requests++;
      result.networkErrors++;
      if (result.failures.length < 10) result.failures.push(`${kind} → ${String(error)}`);
      return null;
    }
  }

  const started = Date.now();
  const deadline = started + options.durationMs;
  const client = async (id: number) => {
    for (let round = 0; Date.now() < deadline; round++) {
      const byCsv = round % 4 === 3;
      const batch = byCsv
        ? await call('create-csv', '/v1/agents/batch-calls', {
            method: 'POST',
            headers: { 'content-type': csv.contentType },
            body: csv.body,
          })
        : await call('create-json', '/v1/agents/batch-calls', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              name: `Load ${id}.${round}`,
              agent_id: options.agentId,
              recipients: jsonRecipients(size),
            }),
          });
      if (typeof batch?.id === 'string') {
        created.push(batch.id);
        await call('get-batch', `/v1/agents/batch-calls/${batch.id}`);
      }
      await call('list-batches', '/v1/agents/batch-calls?limit=20');
      const other = created[(id * 7 + round) % Math.max(1, created.length)];
      if (other) await call('get-batch', `/v1/agents/batch-calls/${other}`);
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, id) => client(id)));
  result.durationMs = Date.now() - started;
  return result;
}
