import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope, seedAgent } from '../helpers/seed.ts';
import { countItems } from '../helpers/table-count.ts';

/** POST /v1/agents/batch-calls as multipart/form-data with a CSV, through the local gateway. */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let agentId: string;

beforeAll(async () => {
  service = await startLocalService({ triggers: false });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
  ({ agentId } = await seedAgent(c));
});
afterAll(async () => service?.stop());

function form(csv: string | Buffer | null, fields: Record<string, string> = {}): FormData {
  const f = new FormData();
  f.set('name', 'Appointment reminders');
  f.set('agent_id', agentId);
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  if (csv !== null) f.set('csv_file', new Blob([csv], { type: 'text/csv' }), 'recipients.csv');
  return f;
}

const upload = (csv: string | Buffer | null, fields?: Record<string, string>) =>
  c.request('POST', '/v1/agents/batch-calls', { rawBody: form(csv, fields) });

async function recipientsOf(batchId: string) {
  const detail = await c.get(`/v1/agents/batch-calls/${batchId}`);
  return detail.body.recipients;
}

describe('creating a batch from a CSV upload', () => {
  it('takes retry and calling_window as JSON text fields, and a timezone column (a variable too)', async () => {
    const retry = { max_attempts: 3, rules: { busy: { delay_seconds: 900 } } };
    const window = { timezone: 'recipient', hours: [{ days: ['mon', 'tue'], start: '09:00', end: '17:30' }] };
    const res = await upload(
      'phone,first_name,timezone\n+14155551234,Alice,Europe/Paris\n+14155555678,Bob,\n',
      {
        retry: JSON.stringify(retry),
        calling_window: JSON.stringify(window),
        // The rows lack the agent's appointment_date; the form field lets them through.
        allow_missing_variables: 'true',
      },
    );
    expect(res.status, res.text).toBe(202);
    expect(res.body.retry).toEqual(retry);
    expect(res.body.calling_window).toEqual({ ...window, default_timezone: null, exclude_dates: [] });
    const recipients = await recipientsOf(res.body.id);
    expect(recipients.map((r: any) => r.timezone)).toEqual(['Europe/Paris', 'America/Los_Angeles']);
    expect(recipients[0].dynamic_vars.timezone).toBe('Europe/Paris');
    await c.post(`/v1/agents/batch-calls/${res.body.id}/cancel`, {});

    const bad = await upload('phone,timezone\n+14155551234,Mars/Olympus\n', {
      retry: '{"max_attempts": 11}',
      calling_window: 'not json',
    });
    expectEnvelope(bad, 400, 'validation_error');
    expect(bad.body.error.fields.map((f: any) => f.path).sort()).toEqual([
      'calling_window',
      'csv_file:line 2',
      'retry.max_attempts',
    ]);
  });

  it("accepts the reference's CSV (its curl -F example)", async () => {
    const res = await upload(
      'phone,first_name,appointment_date\n+14155551234,Alice,May 5th at 2pm\n+14155555678,Bob,May 6th at 10am\n',
    );
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ source: 'csv', status: 'pending', total_recipients: 2 });
    const recipients = await recipientsOf(res.body.id);
    expect(recipients.map((r: any) => [r.phone, r.dynamic_vars])).toEqual([
      ['+14155551234', { first_name: 'Alice', appointment_date: 'May 5th at 2pm' }],
      ['+14155555678', { first_name: 'Bob', appointment_date: 'May 6th at 10am' }],
    ]);
  });

  it('accepts a BOM, CRLF, quoted commas, quotes and newlines, a trailing empty line and extra columns', async () => {
    const csv =
      '\uFEFFphone,first_name,note,extra\r\n' +
      '+14155551234,"Smith, Alice","She said ""hi""",x\r\n' +
      '+14155555678,Bob,"line one\r\nline two",y\r\n' +
      '\r\n';
    const res = await upload(csv, {
      scheduled_at: new Date(Date.now() + 3600_000).toISOString().replace('Z', '+00:00'),
      allow_missing_variables: 'true',
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body.status).toBe('scheduled');
    const recipients = await recipientsOf(res.body.id);
    expect(recipients).toHaveLength(2);
    expect(recipients[0].dynamic_vars).toEqual({
      first_name: 'Smith, Alice',
      note: 'She said "hi"',
      extra: 'x',
    });
    expect(recipients[1].dynamic_vars.note).toBe('line one\r\nline two');
  });

  it('takes the optional text fields', async () => {
    const res = await upload('phone,first_name,appointment_date\n+14155551234,Alice,May 5th\n', {
      ringing_timeout_ms: '5000',
      max_concurrent_calls: '3',
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ ringing_timeout_ms: 5000, max_concurrent_calls: 3 });
  });
});

describe('refusing bad CSV uploads, storing nothing', () => {
  let before: number;
  beforeEach(async () => {
    before = await countItems(service.dynamodbEndpoint, service.tableName);
  });
  const expectNothingStored = async () =>
    expect(await countItems(service.dynamodbEndpoint, service.tableName)).toBe(before);

  it('a CSV without a phone column', async () => {
    const res = await upload('number,first_name\n+14155551234,Alice\n');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error)).toContain('phone');
    await expectNothingStored();
  });

  it('duplicate headers', async () => {
    const res = await upload('phone,name,name\n+14155551234,a,b\n');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error)).toContain('name');
    await expectNothingStored();
  });

  it('reports every bad row by its CSV line', async () => {
    const res = await upload(
      'phone,first_name\n+14155551234,Alice\n+1415555,Bob\n+14155555678\n4155551234,Carol\n',
    );
    expectEnvelope(res, 400, 'validation_error');
    const paths = res.body.error.fields.map((f: any) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['csv_file:line 3', 'csv_file:line 4', 'csv_file:line 5']));
    expect(paths).not.toContain('csv_file:line 2');
    await expectNothingStored();
  });

  it('an unterminated quote', async () => {
    const res = await upload('phone,first_name\n+14155551234,"Alice\n');
    expectEnvelope(res, 400, 'invalid_request');
    await expectNothingStored();
  });

  it('a file that is not UTF-8', async () => {
    const res = await upload(Buffer.from([0x70, 0x68, 0x6f, 0x6e, 0x65, 0x0a, 0xff, 0xfe, 0x0a]));
    expectEnvelope(res, 400, 'invalid_request');
    await expectNothingStored();
  });

  it('5 MB + 1 byte → 413, 5 MB exactly is not too large', async () => {
    const limit = 5 * 1024 * 1024;
    const header = 'phone,pad\n+14155551234,';
    const exact = header + 'x'.repeat(limit - header.length - 1) + '\n';
    expect(Buffer.byteLength(exact)).toBe(limit);
    const atLimit = await upload(exact);
    expect(atLimit.status, atLimit.text.slice(0, 300)).not.toBe(413);
    before = await countItems(service.dynamodbEndpoint, service.tableName);
    const over = await upload(exact + 'y');
    expectEnvelope(over, 413, 'payload_too_large');
    await expectNothingStored();
  });

  it('a multipart request without csv_file', async () => {
    const res = await upload(null);
    expectEnvelope(res, 400, 'validation_error');
    expect(res.body.error.fields.map((f: any) => f.path)).toContain('csv_file');
    await expectNothingStored();
  });

  it('bad text fields and an unknown agent', async () => {
    const past = await upload('phone\n+14155551234\n', { scheduled_at: '2020-01-01T00:00:00Z' });
    expectEnvelope(past, 400, 'validation_error');
    const agent = await upload('phone\n+14155551234\n', { agent_id: 'agent_01HS0000000000000000000000' });
    expectEnvelope(agent, 404, 'agent_not_found');
    await expectNothingStored();
  });
});
