import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { seedAgent } from '../helpers/seed.ts';

/**
 * The reference's curl examples, run verbatim with the real curl binary: only the host, the token and
 * the ids are substituted, as a reader of the reference would.
 */
const run = promisify(execFile);

let service: Awaited<ReturnType<typeof startLocalService>>;
let agentId: string;
let dir: string;

beforeAll(async () => {
  service = await startLocalService({ triggers: false });
  // The reference's examples give first_name everywhere, appointment_date not in every one: an agent
  // using a variable some recipients lack would be refused (contract "Preflight").
  ({ agentId } = await seedAgent(client(service.baseUrl, service.apiKey), {
    prompt: 'Remind {{first_name}} of the appointment.',
  }));
  dir = await mkdtemp(join(tmpdir(), 'batch-calls-curl-'));
});
afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function curl(args: string[]): Promise<{ status: number; body: any }> {
  const { stdout } = await run('curl', ['-sS', '-w', '\n%{http_code}', ...args], { cwd: dir });
  const lines = stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n')) };
}

const url = (path: string) => service.baseUrl + path;

describe("the reference's curl examples", () => {
  let batchId: string;

  it('create a batch call (JSON)', async () => {
    const res = await curl([
      '-X', 'POST', url('/v1/agents/batch-calls'),
      '-H', `Authorization: Bearer ${service.apiKey}`,
      '-H', 'Content-Type: application/json',
      '-d', `{
 "name": "Appointment reminders",
 "agent_id": "${agentId}",
 "recipients": [
 {
 "phone": "+14155551234",
 "dynamic_vars": {
 "first_name": "Alice",
 "appointment_date": "May 5th at 2pm"
 }
 },
 {
 "phone": "+14155555678",
 "dynamic_vars": {
 "first_name": "Bob",
 "appointment_date": "May 6th at 10am"
 }
 }
 ]
}`,
    ]);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('pending');
    batchId = res.body.id;
  });

  it('CSV upload', async () => {
    await writeFile(
      join(dir, 'recipients.csv'),
      'phone,first_name,appointment_date\n+14155551234,Alice,May 5th at 2pm\n+14155555678,Bob,May 6th at 10am\n',
    );
    const res = await curl([
      '-X', 'POST', url('/v1/agents/batch-calls'),
      '-H', `Authorization: Bearer ${service.apiKey}`,
      '-F', 'name=Appointment reminders',
      '-F', `agent_id=${agentId}`,
      '-F', 'csv_file=@recipients.csv',
    ]);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ source: 'csv', total_recipients: 2 });
  });

  it('schedule a batch', async () => {
    const at = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const res = await curl([
      '-X', 'POST', url('/v1/agents/batch-calls'),
      '-H', `Authorization: Bearer ${service.apiKey}`,
      '-H', 'Content-Type: application/json',
      '-d', `{
 "name": "Monday morning follow-ups",
 "agent_id": "${agentId}",
 "recipients": [
 {
 "phone": "+14155551234",
 "dynamic_vars": {
 "first_name": "Alice"
 }
 }
 ],
 "scheduled_at": "${at}"
}`,
    ]);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('scheduled');
  });

  it('check batch status, list all batches, cancel a batch', async () => {
    const detail = await curl([url(`/v1/agents/batch-calls/${batchId}`), '-H', `Authorization: Bearer ${service.apiKey}`]);
    expect(detail.status).toBe(200);
    expect(detail.body.recipients).toHaveLength(2);

    const list = await curl([url('/v1/agents/batch-calls'), '-H', `Authorization: Bearer ${service.apiKey}`]);
    expect(list.status).toBe(200);
    expect(list.body.batches.length).toBe(3);

    const cancel = await curl([
      '-X', 'POST', url(`/v1/agents/batch-calls/${batchId}/cancel`),
      '-H', `Authorization: Bearer ${service.apiKey}`,
    ]);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
  });
});
