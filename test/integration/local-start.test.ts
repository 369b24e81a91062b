import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#infra/local/emulators/dynamodb-local.ts';
import { dynamoJvmsOf, processesMatching, runTsx, spawnTsx, type Spawned } from '../helpers/cli.ts';
import { pollUntil, until } from '../helpers/wait.ts';

/**
 * `npm start` as a user runs it: a child process on a temporary DATA_DIR, driven only through what
 * it prints and its HTTP API, stopped with SIGINT, and started again on the same data.
 */

const READY = 'Press Ctrl-C to stop.';
/** The api function's line per request (shared/http/handle-api-request.ts), as Powertools writes it. */
const REQUEST_LOG = /"message":"request"/;

interface Banner {
  apiKey: string;
  workspaceId: string;
  phoneNumberId: string;
  agentId: string;
  curl: { url: string; headers: Record<string, string>; body: string };
}

function field(output: string, label: string): string {
  const value = new RegExp(`${label}:\\s+(\\S+)`).exec(output)?.[1];
  if (!value) throw new Error(`"${label}" not printed:\n${output}`);
  return value;
}

const unquote = (quoted: string) => quoted.replaceAll(`'\\''`, `'`);

function parseBanner(output: string): Banner {
  const curlAt = output.lastIndexOf('curl -X POST ');
  if (curlAt === -1) throw new Error(`No curl printed:\n${output}`);
  const curlText = output.slice(curlAt);
  const url = /^curl -X POST (\S+) \\/.exec(curlText)?.[1] ?? '';
  const headers: Record<string, string> = {};
  for (const match of curlText.matchAll(/-H '((?:[^']|'\\'')*)'/g)) {
    const [name, ...rest] = unquote(match[1] ?? '').split(':');
    headers[(name ?? '').trim().toLowerCase()] = rest.join(':').trim();
  }
  const body = unquote(/-d '((?:[^']|'\\'')*)'/.exec(curlText)?.[1] ?? '');
  return {
    apiKey: field(output, 'API key'),
    workspaceId: field(output, 'Workspace id'),
    phoneNumberId: field(output, 'Phone number id'),
    agentId: field(output, 'Demo agent id'),
    curl: { url, headers, body },
  };
}

let dataDir: string;
let port: number;
const started: Spawned[] = [];
/** Every DATA_DIR of this file, for the clean-up. */
const dataDirs: string[] = [];

function startService(extraEnv: Record<string, string> = {}): Spawned {
  const env: Record<string, string | undefined> = { PORT: String(port), DATA_DIR: dataDir, ...extraEnv };
  const spawned = spawnTsx('infra/local/cli/start.ts', [], env);
  started.push(spawned);
  return spawned;
}

async function runtimeInfo(
  dir = dataDir,
): Promise<{ pid: number; dynamodbEndpoint: string; dynamodbPid: number; apiUrl: string }> {
  return JSON.parse(await readFile(join(dir, 'runtime.json'), 'utf8')) as {
    pid: number;
    dynamodbEndpoint: string;
    dynamodbPid: number;
    apiUrl: string;
  };
}

async function get(path: string, apiKey: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'batch-calls-start-'));
  dataDirs.push(dataDir);
  port = await freePort();
  // The caller's own settings must not leak into the child.
  for (const name of ['BATCH_CALLS_API_KEY', 'HOST', 'PUBLIC_BASE_URL', 'PORT', 'DATA_DIR'])
    delete process.env[name];
});

afterAll(async () => {
  for (const spawned of started) {
    if (spawned.child.exitCode === null && spawned.child.pid) {
      try {
        process.kill(-spawned.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of dataDirs) {
    for (const pid of dynamoJvmsOf(dir)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

describe('npm start', () => {
  it('prints a working curl, stops on SIGINT, and finds everything again on the same DATA_DIR', async () => {
    // First start: everything is created.
    const first = startService();
    const banner = parseBanner(await first.waitFor(READY));
    expect(banner.apiKey).toMatch(/^bck_/);
    expect(banner.workspaceId).toMatch(/^ws_/);
    expect(banner.phoneNumberId).toMatch(/^pn_/);
    expect(banner.agentId).toMatch(/^agent_/);
    expect(first.output()).toContain(`http://127.0.0.1:${port}/v1`);

    const runtime = await runtimeInfo();
    expect(runtime.apiUrl).toBe(`http://127.0.0.1:${port}`);
    expect(dynamoJvmsOf(dataDir)).toHaveLength(1);
    expect(statSync(join(dataDir, 'local.json')).mode & 0o777).toBe(0o600);

    // The printed curl, sent as printed.
    expect(banner.curl.url).toBe(`http://127.0.0.1:${port}/v1/agents/batch-calls`);
    expect(banner.curl.headers.authorization).toBe(`Bearer ${banner.apiKey}`);
    const request = JSON.parse(banner.curl.body) as { agent_id: string; recipients: unknown[] };
    expect(request.agent_id).toBe(banner.agentId);
    expect(request.recipients).toHaveLength(2);
    const created = await fetch(banner.curl.url, {
      method: 'POST',
      headers: banner.curl.headers,
      body: banner.curl.body,
    });
    expect(created.status).toBe(202);
    const batch = (await created.json()) as { id: string; total_recipients: number; agent_id: string };
    expect(batch.total_recipients).toBe(2);

    // The README's first example, sent as written (only the agent id filled in): it sends the demo
    // agent's variables, so Alice is called and completes instead of failing for a missing one, and
    // Bob's number (0005) misses its first attempt and waits for the retry the example asks for.
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /-d '(\{"name": "Appointment reminders"[\s\S]*?\})'/.exec(readme)?.[1];
    expect(example, 'the README example').toBeDefined();
    const fromReadme = await fetch(banner.curl.url, {
      method: 'POST',
      headers: banner.curl.headers,
      body: (example ?? '').replace('"agent_…"', JSON.stringify(banner.agentId)),
    });
    expect(fromReadme.status, await fromReadme.clone().text()).toBe(202);
    const readmeBatch = (await fromReadme.json()) as { id: string };
    const settled = await pollUntil(
      async () =>
        (await get(`/v1/agents/batch-calls/${readmeBatch.id}`, banner.apiKey)).json as {
          recipients: Array<Record<string, unknown>>;
        },
      (d) => d.recipients[0]?.status === 'completed' && d.recipients[1]?.next_attempt_at !== null,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(settled.recipients[0]).toMatchObject({ status: 'completed', error: null });
    expect(settled.recipients[1]).toMatchObject({ status: 'pending', attempts: 1, outcome: 'no_answer' });

    // The README's outreach-rules example too, as written.
    const followUp = /-d '(\{"name": "Follow-up"[\s\S]*?\})'/.exec(readme)?.[1];
    expect(followUp, 'the README outreach example').toBeDefined();
    const rules = await fetch(banner.curl.url, {
      method: 'POST',
      headers: banner.curl.headers,
      body: (followUp ?? '').replace('"agent_…"', JSON.stringify(banner.agentId)),
    });
    expect(rules.status, await rules.clone().text()).toBe(202);
    expect(await rules.json()).toMatchObject({
      duplicates: 'skip',
      contact_limit: { max_attempts: 2, window_hours: 24 },
    });

    // The demo agent is bound to the simulated number and uses the recipients' variables.
    const agent = await get(`/v1/agents/${banner.agentId}`, banner.apiKey);
    expect(agent.status).toBe(200);
    expect(agent.json.phone_number_id).toBe(banner.phoneNumberId);
    expect(agent.json.first_message).toContain('{{first_name}}');
    const phone = await get(`/v1/phone-numbers/${banner.phoneNumberId}`, banner.apiKey);
    expect(phone.json).toMatchObject({ provider: 'simulated', phone_number: '+14155550100' });

    // The admin command goes through the running instance's DynamoDB Local (no second JVM).
    const admin = await runTsx('infra/local/cli/admin.ts', ['workspace', 'create', '--name', 'Side'], {
      DATA_DIR: dataDir,
    });
    expect(admin.code, admin.output).toBe(0);
    const sideKey = admin.output.trim().split('\n').at(-1) ?? '';
    expect((await get('/v1/agents', sideKey)).status).toBe(200);
    expect(dynamoJvmsOf(dataDir)).toHaveLength(1);

    // The terminal keeps the banner readable: no line per request unless LOG_LEVEL asks for them.
    expect(first.output()).toContain(`http://127.0.0.1:${port}/v1/openapi.json`);
    expect(first.output()).not.toMatch(REQUEST_LOG);

    // A second `npm start` on the same DATA_DIR refuses, clearly.
    const rival = await runTsx('infra/local/cli/start.ts', [], {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
    });
    expect(rival.code).toBe(1);
    expect(rival.output).toContain('is in use by a running `npm start`');

    // SIGINT: exit 0, no DynamoDB Local left behind, runtime.json removed.
    process.kill(runtime.pid, 'SIGINT');
    expect((await first.exited).code).toBe(0);
    expect(dynamoJvmsOf(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);

    // Second start (with request logs): the same key, workspace, number, agent and the batch made before.
    const second = startService({ LOG_LEVEL: 'info' });
    const again = parseBanner(await second.waitFor(READY));
    expect(again).toMatchObject({
      apiKey: banner.apiKey,
      workspaceId: banner.workspaceId,
      phoneNumberId: banner.phoneNumberId,
      agentId: banner.agentId,
    });
    const detail = await get(`/v1/agents/batch-calls/${batch.id}`, banner.apiKey);
    expect(detail.status).toBe(200);
    expect((detail.json.batch as { id: string }).id).toBe(batch.id);
    await until(() => REQUEST_LOG.test(second.output()), 10_000, 'request logs with LOG_LEVEL=info', 50);

    // Delete the demo agent; then stop as Ctrl-C in a terminal does (SIGINT to the whole group).
    const deleted = await fetch(`http://127.0.0.1:${port}/v1/agents/${banner.agentId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${banner.apiKey}` },
    });
    expect(deleted.status).toBeLessThan(300);
    const secondPid = (await runtimeInfo()).pid;
    process.kill(-(second.child.pid ?? 0), 'SIGINT');
    await until(
      () =>
        processesMatching('start.ts').every((pid) => pid !== secondPid) &&
        dynamoJvmsOf(dataDir).length === 0 &&
        !existsSync(join(dataDir, 'runtime.json')),
      20_000,
      'the second instance and its DynamoDB Local are gone',
      100,
    );

    // Third start, with a key of the user's choosing: the deleted agent is made again, bound to the
    // same number, and BATCH_CALLS_API_KEY is adopted next to the generated key.
    const chosenKey = 'my-local-key-0123456789';
    const third = startService({ BATCH_CALLS_API_KEY: chosenKey });
    const recreated = parseBanner(await third.waitFor(READY));
    expect(third.output()).toContain('The demo agent was deleted');
    expect(third.output()).toContain('Adopted BATCH_CALLS_API_KEY');
    expect(recreated.apiKey).toBe(chosenKey);
    expect(recreated.workspaceId).toBe(banner.workspaceId);
    expect((await get('/v1/agents', chosenKey)).status).toBe(200);
    expect(recreated.agentId).not.toBe(banner.agentId);
    expect(recreated.phoneNumberId).toBe(banner.phoneNumberId);
    expect((await get(`/v1/agents/${recreated.agentId}`, banner.apiKey)).status).toBe(200);
    process.kill((await runtimeInfo()).pid, 'SIGTERM');
    expect((await third.exited).code).toBe(0);
    expect(dynamoJvmsOf(dataDir)).toEqual([]);
  }, 240_000);

  it('kill -9 of npm start takes its DynamoDB Local along, and a restart finds the data with one JVM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batch-calls-killed-'));
    dataDirs.push(dir);
    const env = { DATA_DIR: dir, PORT: String(await freePort()) };
    const first = startService(env);
    const banner = parseBanner(await first.waitFor(READY));
    const created = await fetch(banner.curl.url, {
      method: 'POST',
      headers: banner.curl.headers,
      body: banner.curl.body,
    });
    expect(created.status).toBe(202);
    const batch = (await created.json()) as { id: string };
    const runtime = await runtimeInfo(dir);
    // runtime.json names the JVM (a successor stops it if it ever outlives its owner).
    expect(dynamoJvmsOf(dir)).toEqual([runtime.dynamodbPid]);

    // Only the Node process dies: no exit hook, no signal handler runs.
    process.kill(runtime.pid, 'SIGKILL');
    await until(() => dynamoJvmsOf(dir).length === 0, 20_000, 'the JVM followed its killed parent', 100);

    const second = startService(env);
    await second.waitFor(READY);
    expect(dynamoJvmsOf(dir)).toHaveLength(1);
    const detail = await fetch(`${banner.curl.url}/${batch.id}`, {
      headers: { authorization: `Bearer ${banner.apiKey}` },
    });
    expect(detail.status).toBe(200);
    process.kill((await runtimeInfo(dir)).pid, 'SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(dynamoJvmsOf(dir)).toEqual([]);
  }, 180_000);
});
