import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope, seedAgent } from '../helpers/seed.ts';

/**
 * The path for CSVs too big for a request body through API Gateway (up to the contract's 5 MB):
 * POST /v1/uploads gives a pre-signed S3 POST, the client uploads the file straight to S3 (here the
 * S3 emulator), and the create request names it with `csv_upload_id`.
 */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let agentId: string;

beforeAll(async () => {
  service = await startLocalService({ triggers: false });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
  ({ agentId } = await seedAgent(c));
});
afterAll(async () => service?.stop());

async function upload(csv: string | Buffer, api: TestClient = c): Promise<string> {
  const res = await api.post('/v1/uploads');
  expect(res.status, res.text).toBe(201);
  expect(res.body).toMatchObject({ method: 'POST', file_field: 'file', max_bytes: 5 * 1024 * 1024 });
  expect(res.body.upload_id).toMatch(/^upl_/);
  const form = new FormData();
  for (const [k, v] of Object.entries(res.body.fields as Record<string, string>)) form.set(k, v);
  form.set('file', new Blob([csv], { type: 'text/csv' }), 'recipients.csv');
  const put = await fetch(res.body.url, { method: 'POST', body: form });
  expect(put.status, await put.text()).toBeLessThan(300);
  return res.body.upload_id;
}

describe('CSV uploads through a pre-signed POST', () => {
  it('creates a batch from an uploaded CSV with the same rules as a multipart upload', async () => {
    const uploadId = await upload(
      'phone,first_name,appointment_date\n+14155551234,Alice,May 5th\n+14155555678,Bob,May 6th\n',
    );
    const res = await c.post('/v1/agents/batch-calls', {
      name: 'From upload',
      agent_id: agentId,
      csv_upload_id: uploadId,
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ source: 'csv', total_recipients: 2 });
    const detail = await c.get(`/v1/agents/batch-calls/${res.body.id}`);
    expect(detail.body.recipients.map((r: any) => r.dynamic_vars.first_name)).toEqual(['Alice', 'Bob']);
  });

  it('a near-limit CSV of 1,000 rows (about 4.9 MB) that could not pass as a Lambda request body', async () => {
    const pad = 'x'.repeat(990);
    const rows = Array.from(
      { length: 1000 },
      (_, i) => `+1415555${String(1000 + i).padStart(4, '0')},${pad},${pad},${pad},${pad},${pad}`,
    );
    const csv = `phone,first_name,appointment_date,c,d,e\n${rows.join('\n')}\n`;
    expect(Buffer.byteLength(csv)).toBeGreaterThan(4.5 * 1024 * 1024);
    expect(Buffer.byteLength(csv)).toBeLessThanOrEqual(5 * 1024 * 1024);
    const uploadId = await upload(csv);
    const res = await c.post('/v1/agents/batch-calls', {
      name: 'Big upload',
      agent_id: agentId,
      csv_upload_id: uploadId,
    });
    expect(res.status, res.text.slice(0, 300)).toBe(202);
    expect(res.body.total_recipients).toBe(1000);
  });

  it('reports row errors by CSV line, refuses a file over 5 MB, and knows no other workspace’s upload', async () => {
    const bad = await upload('phone\n+14155551234\n+1415555\n');
    const rows = await c.post('/v1/agents/batch-calls', {
      name: 'Bad rows',
      agent_id: agentId,
      csv_upload_id: bad,
    });
    expectEnvelope(rows, 400, 'validation_error');
    expect(rows.body.error.fields.map((f: any) => f.path)).toEqual(['csv_file:line 3']);

    const big = await upload(Buffer.alloc(5 * 1024 * 1024 + 1, 'a'));
    const tooBig = await c.post('/v1/agents/batch-calls', {
      name: 'Too big',
      agent_id: agentId,
      csv_upload_id: big,
    });
    expectEnvelope(tooBig, 413, 'payload_too_large');

    const other = await service.newWorkspace('Other');
    const oc = client(service.baseUrl, other.apiKey, { checkContract: true });
    const theirs = await upload('phone\n+14155551234\n', oc);
    const steal = await c.post('/v1/agents/batch-calls', {
      name: 'Steal',
      agent_id: agentId,
      csv_upload_id: theirs,
    });
    expectEnvelope(steal, 400, 'validation_error');
    expect(steal.body.error.fields[0].path).toBe('csv_upload_id');
  });
});
