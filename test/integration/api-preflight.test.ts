import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope, seedAgent } from '../helpers/seed.ts';
import { countItems } from '../helpers/table-count.ts';

/**
 * Preflight through the gateway (contract "Preflight"): the same bodies as create (JSON, multipart
 * CSV, an uploaded CSV), a 200 report, nothing stored. `valid` is false exactly when create refuses,
 * and `errors` are exactly create's `fields`: each bad body below goes to both routes.
 */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let agentId: string;
let phoneNumberId: string;
const PREFLIGHT = '/v1/agents/batch-calls/preflight';
const CREATE = '/v1/agents/batch-calls';

beforeAll(async () => {
  service = await startLocalService({ triggers: false });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
  // Prompt: {{first_name}}, {{appointment_date}}; first message: "Hi {{first_name}}!".
  ({ agentId, phoneNumberId } = await seedAgent(c));
});
afterAll(async () => service?.stop());

const stored = () => countItems(service.dynamodbEndpoint, service.tableName);
const vars = (first_name: string) => ({ first_name, appointment_date: 'May 5th at 2pm' });

function form(csv: string, fields: Record<string, string> = {}): FormData {
  const f = new FormData();
  f.set('name', 'CSV preflight');
  f.set('agent_id', agentId);
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  f.set('csv_file', new Blob([csv], { type: 'text/csv' }), 'recipients.csv');
  return f;
}

async function uploadCsv(csv: string): Promise<string> {
  const ticket = await c.post('/v1/uploads');
  expect(ticket.status, ticket.text).toBe(201);
  const f = new FormData();
  for (const [k, v] of Object.entries(ticket.body.fields as Record<string, string>)) f.set(k, v);
  f.set('file', new Blob([csv], { type: 'text/csv' }), 'recipients.csv');
  const put = await fetch(ticket.body.url, { method: 'POST', body: f });
  expect(put.status, await put.text()).toBeLessThan(300);
  return ticket.body.upload_id;
}

describe('preflight of a JSON body', () => {
  it('reports counts, skips, placeholders, zones, an estimate and a preview, and stores nothing', async () => {
    const suppressed = '+14155559001';
    expect((await c.post('/v1/suppressions', { phone: suppressed })).status).toBe(201);
    const body = {
      name: 'Reminders',
      agent_id: agentId,
      duplicates: 'skip',
      recipients: [
        { phone: '+14155551234', ...vars('Alice'), notes: 'vip' },
        { phone: suppressed, ...vars('Sam') },
        { phone: '+14155551234', ...vars('Alice again') },
        { phone: '+14155555678', ...vars('Bob') },
        { phone: '+12125550123', ...vars('Carol') },
        { phone: '+12125550124', ...vars('Dan') },
      ],
    };
    const before = await stored();
    const res = await c.post(PREFLIGHT, body);
    expect(res.status, res.text).toBe(200);
    expect(await stored()).toBe(before);
    const report = res.body;
    expect(report).toMatchObject({
      valid: true,
      errors: [],
      total_recipients: 6,
      callable: 4,
      skipped: { suppressed: 1, duplicate: 1, contact_limit: 0 },
      placeholders: { used: ['first_name', 'appointment_date'], missing: [], unused: ['notes'] },
      timezones: { 'America/Los_Angeles': 4, 'America/New_York': 2 },
      unresolved: 0,
    });
    expect(report.preview).toEqual([
      { index: 0, phone: '+14155551234', first_message: 'Hi Alice!' },
      { index: 3, phone: '+14155555678', first_message: 'Hi Bob!' },
      { index: 4, phone: '+12125550123', first_message: 'Hi Carol!' },
    ]);
    // Four calls of the assumed 100 s; no window, so dialing would start at once.
    expect(report.estimate.expected_call_minutes).toBe(6.7);
    expect(Math.abs(Date.parse(report.estimate.first_call_at) - Date.now())).toBeLessThan(60_000);
    expect(Date.parse(report.estimate.finish_at)).toBeGreaterThan(Date.parse(report.estimate.first_call_at));

    // And create agrees: the same body stores a batch with those skips.
    const created = await c.post(CREATE, body);
    expect(created.status, created.text).toBe(202);
    expect(created.body.counts).toMatchObject({ pending: 4, skipped: 2 });
  });

  it('starts the estimate at scheduled_at and inside the calling window', async () => {
    const at = new Date(Date.now() + 2 * 86_400_000);
    const res = await c.post(PREFLIGHT, {
      name: 'Later',
      agent_id: agentId,
      scheduled_at: at.toISOString(),
      calling_window: {
        timezone: 'UTC',
        hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' }],
      },
      recipients: [{ phone: '+14155551234', ...vars('Alice') }],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.timezones).toEqual({ UTC: 1 });
    expect(Date.parse(res.body.estimate.first_call_at)).toBe(at.getTime());
  });
});

describe('missing placeholders', () => {
  const body = (extra: Record<string, unknown> = {}) => ({
    name: 'Gaps',
    agent_id: agentId,
    recipients: [
      { phone: '+14155551234', ...vars('Alice') },
      { phone: '+14155555678', first_name: 'Bob' },
      { phone: '+14155555679', notes: 'none' },
    ],
    ...extra,
  });

  it('create refuses them naming the rows, preflight reports the same, and neither stores anything', async () => {
    const before = await stored();
    const refused = await c.post(CREATE, body());
    expectEnvelope(refused, 400, 'validation_error');
    expect(refused.body.error.fields).toEqual([
      { path: 'recipients[1].dynamic_vars', message: 'missing appointment_date' },
      { path: 'recipients[2].dynamic_vars', message: 'missing first_name, appointment_date' },
    ]);
    const report = await c.post(PREFLIGHT, body());
    expect(report.status).toBe(200);
    expect(report.body.valid).toBe(false);
    expect(report.body.errors).toEqual(refused.body.error.fields);
    expect(report.body.placeholders).toEqual({
      used: ['first_name', 'appointment_date'],
      missing: [
        { name: 'first_name', rows: [2] },
        { name: 'appointment_date', rows: [1, 2] },
      ],
      unused: ['notes'],
    });
    // A row lacking a variable has no preview text.
    expect(report.body.preview.map((p: any) => p.first_message)).toEqual(['Hi Alice!', 'Hi Bob!', null]);
    expect(await stored()).toBe(before);
  });

  it('allow_missing_variables lets them through; the report still lists what is missing', async () => {
    const report = await c.post(PREFLIGHT, body({ allow_missing_variables: true }));
    expect(report.body).toMatchObject({ valid: true, errors: [] });
    expect(report.body.placeholders.missing).toHaveLength(2);
    const created = await c.post(CREATE, body({ allow_missing_variables: true }));
    expect(created.status, created.text).toBe(202);
    expect(created.body.total_recipients).toBe(3);
  });

  it('names CSV lines, and takes the flag as a form field', async () => {
    // Every CSV row has every column (an empty cell is given, as empty): a column is missing or not.
    const csv = 'phone,first_name\n+14155551234,Alice\n+14155555678,Bob\n';
    const refused = await c.request('POST', CREATE, { rawBody: form(csv) });
    expectEnvelope(refused, 400, 'validation_error');
    expect(refused.body.error.fields).toEqual([
      { path: 'csv_file:line 2', message: 'missing appointment_date' },
      { path: 'csv_file:line 3', message: 'missing appointment_date' },
    ]);
    const report = await c.request('POST', PREFLIGHT, { rawBody: form(csv) });
    expect(report.body.errors).toEqual(refused.body.error.fields);
    expect(report.body.placeholders.missing).toEqual([{ name: 'appointment_date', rows: [0, 1] }]);

    const allowed = await c.request('POST', PREFLIGHT, {
      rawBody: form(csv, { allow_missing_variables: 'true' }),
    });
    expect(allowed.body).toMatchObject({ valid: true, total_recipients: 2 });
    const bad = await c.request('POST', CREATE, { rawBody: form(csv, { allow_missing_variables: 'yes' }) });
    expectEnvelope(bad, 400, 'validation_error');
    expect(bad.body.error.fields.map((f: any) => f.path)).toContain('allow_missing_variables');
  });
});

describe('valid is false exactly when create refuses, with exactly its fields', () => {
  const cases: [string, () => Record<string, unknown>][] = [
    [
      'a bad phone and an unknown field',
      () => ({ ...base(), schedule_at: 'soon', recipients: [{ phone: '+1415' }] }),
    ],
    [
      'a repeated phone with duplicates: reject',
      () => ({
        ...base(),
        duplicates: 'reject',
        recipients: [
          { phone: '+14155551234', ...vars('A') },
          { phone: '+14155551234', ...vars('B') },
        ],
      }),
    ],
    [
      'a number with no zone under a window without a default',
      () => ({
        ...base(),
        calling_window: { hours: [{ days: ['mon'], start: '09:00', end: '17:00' }] },
        recipients: [{ phone: '+80012345678', ...vars('Free') }],
      }),
    ],
    [
      'a missing placeholder and a repeated phone together',
      () => ({
        ...base(),
        duplicates: 'reject',
        recipients: [
          { phone: '+14155551234', first_name: 'A' },
          { phone: '+14155551234', ...vars('B') },
        ],
      }),
    ],
    ['retry out of range', () => ({ ...base(), retry: { max_attempts: 11 } })],
  ];
  function base() {
    return { name: 'x', agent_id: agentId, recipients: [{ phone: '+14155551234', ...vars('A') }] };
  }

  it.each(cases)('%s', async (_, make) => {
    const before = await stored();
    const refused = await c.post(CREATE, make());
    expectEnvelope(refused, 400, 'validation_error');
    const report = await c.post(PREFLIGHT, make());
    expect(report.status, report.text).toBe(200);
    expect(report.body.valid).toBe(false);
    expect(report.body.errors).toEqual(refused.body.error.fields);
    expect(await stored()).toBe(before);
  });

  it('an agent with no number: the phone_number_id error, with the rest of the report', async () => {
    const bare = await c.post('/v1/agents', { name: 'No number', prompt: 'Hi {{first_name}}' });
    expect(bare.status, bare.text).toBe(201);
    const body = {
      name: 'x',
      agent_id: bare.body.id,
      recipients: [{ phone: '+14155551234', first_name: 'A' }],
    };
    const refused = await c.post(CREATE, body);
    expectEnvelope(refused, 400, 'validation_error');
    const report = await c.post(PREFLIGHT, body);
    expect(report.body.errors).toEqual(refused.body.error.fields);
    expect(report.body.errors[0].path).toBe('phone_number_id');
    expect(report.body).toMatchObject({ valid: false, total_recipients: 1, callable: 1 });
    // With the number named, both accept it.
    expect((await c.post(PREFLIGHT, { ...body, phone_number_id: phoneNumberId })).body.valid).toBe(true);
  });

  it('an unknown agent or caller number is a 404 for both, as create answers', async () => {
    const unknownAgent = { ...base(), agent_id: 'agent_01J0000000000000000000000Z' };
    expectEnvelope(await c.post(PREFLIGHT, unknownAgent), 404, 'agent_not_found');
    expectEnvelope(await c.post(CREATE, unknownAgent), 404, 'agent_not_found');
    const unknownNumber = { ...base(), phone_number_id: 'pn_01J0000000000000000000000Z' };
    expectEnvelope(await c.post(PREFLIGHT, unknownNumber), 404, 'phone_number_not_found');
  });

  it('a body that cannot be read is refused as create refuses it', async () => {
    const raw = (path: string) =>
      c.request('POST', path, { rawBody: '{"name": ', headers: { 'content-type': 'application/json' } });
    expectEnvelope(await raw(PREFLIGHT), 400, 'invalid_request');
    expectEnvelope(await raw(CREATE), 400, 'invalid_request');
    const text = await c.request('POST', PREFLIGHT, {
      rawBody: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expectEnvelope(text, 415, 'unsupported_media_type');
  });
});

describe('preflight of a CSV', () => {
  const csv =
    'phone,first_name,appointment_date,clinic\n' +
    '+14155551234,Alice,May 5th,Downtown\n' +
    '+14155551234,Alice,May 5th,Downtown\n' +
    '+12125550123,Carol,May 6th,Uptown\n';

  it('reads a multipart CSV through create’s parser and limits', async () => {
    const res = await c.request('POST', PREFLIGHT, { rawBody: form(csv, { duplicates: 'skip' }) });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      valid: true,
      total_recipients: 3,
      callable: 2,
      skipped: { suppressed: 0, duplicate: 1, contact_limit: 0 },
      placeholders: { unused: ['clinic'], missing: [] },
    });
    const bad = 'phone,first_name,appointment_date\n+1415,A,B\n';
    const refused = await c.request('POST', CREATE, { rawBody: form(bad) });
    expectEnvelope(refused, 400, 'validation_error');
    const report = await c.request('POST', PREFLIGHT, { rawBody: form(bad) });
    expect(report.body).toMatchObject({ valid: false, errors: refused.body.error.fields });
  });

  it('reads an uploaded CSV (csv_upload_id), and reports an unknown one as create would', async () => {
    const uploadId = await uploadCsv(csv);
    const before = await stored();
    const res = await c.post(PREFLIGHT, { name: 'Upload', agent_id: agentId, csv_upload_id: uploadId });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ valid: true, total_recipients: 3, callable: 3 });
    expect(res.body.preview[0]).toEqual({ index: 0, phone: '+14155551234', first_message: 'Hi Alice!' });
    expect(await stored()).toBe(before);

    const missing = { name: 'Upload', agent_id: agentId, csv_upload_id: 'upl_01J0000000000000000000000Z' };
    const refused = await c.post(CREATE, missing);
    expectEnvelope(refused, 400, 'validation_error');
    const report = await c.post(PREFLIGHT, missing);
    expect(report.body).toMatchObject({ valid: false, errors: refused.body.error.fields });
    // The upload is still there for the create that follows a preflight.
    expect(
      (await c.post(CREATE, { name: 'Upload', agent_id: agentId, csv_upload_id: uploadId })).status,
    ).toBe(202);
  });
});
