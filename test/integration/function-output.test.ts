import { afterAll, beforeAll, expect, it } from 'vitest';
import { ENV } from '#shared/config/env-names.ts';
import { client } from '../helpers/http-client.ts';
import { until } from '../helpers/wait.ts';
import { startLocalService, type LocalService } from '../helpers/local-service.ts';

/**
 * The function pool shows each function's stdout and stderr to an `output` observer (the bench
 * counts the log bytes CloudWatch Logs would ingest with it), chunk by chunk and by function; what
 * it answers decides whether the chunk is forwarded too.
 */

const seen: Array<{ name: string; stream: string; text: string }> = [];
let service: LocalService;

beforeAll(async () => {
  service = await startLocalService({
    triggers: false,
    // The level the stack deploys: the api functions write a line per request.
    env: { [ENV.logLevel]: 'INFO' },
    output: (name, stream, chunk) => {
      seen.push({ name, stream, text: chunk.toString('utf8') });
      return false;
    },
  });
}, 120_000);

afterAll(async () => {
  await service?.stop();
});

it("hands the observer each function's log lines, by function and stream", async () => {
  const res = await client(service.baseUrl, service.apiKey).get('/v1/agents');
  expect(res.status, res.text).toBe(200);
  // Worker output crosses threads asynchronously: give it a moment.
  await until(() => seen.some((s) => s.name === 'apiSettings'), 10_000, "the settings function's output");
  const api = seen.filter((s) => s.name === 'apiSettings');
  expect(api.length).toBeGreaterThan(0);
  const lines = api
    .map((s) => s.text)
    .join('')
    .split('\n')
    .filter((line) => line.length > 0);
  const levels = lines.map((line) => (JSON.parse(line) as { level: string }).level);
  expect(levels).toContain('INFO');
  expect(api.every((s) => s.stream === 'stdout' || s.stream === 'stderr')).toBe(true);
});
