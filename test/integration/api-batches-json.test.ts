import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope, seedAgent } from '../helpers/seed.ts';
import { countItems } from '../helpers/table-count.ts';

/** POST /v1/agents/batch-calls with JSON, through the local gateway into DynamoDB Local. */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let agentId: string;
let phoneNumberId: string;

beforeAll(async () => {
  service = await startLocalService({ triggers: false });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
  ({ agentId, phoneNumberId } = await seedAgent(c));
});
afterAll(async () => service?.stop());

const reference = () => ({
  name: 'Appointment reminders',
  agent_id: agentId,
  recipients: [
    { phone: '+14155551234', dynamic_vars: { first_name: 'Alice', appointment_date: 'May 5th at 2pm' } },
    { phone: '+14155555678', dynamic_vars: { first_name: 'Bob', appointment_date: 'May 6th at 10am' } },
  ],
});

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);

describe('creating a batch from JSON', () => {
  it("accepts the reference's example and answers 202 with the batch", async () => {
    const res = await c.post('/v1/agents/batch-calls', reference());
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/agents/batch-calls/${res.body.id}`);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.body).toMatchObject({
      name: 'Appointment reminders',
      agent_id: agentId,
      phone_number_id: phoneNumberId,
      status: 'pending',
      scheduled_at: null,
      ringing_timeout_ms: 30000,
      max_concurrent_calls: 10,
      source: 'json',
      total_recipients: 2,
      counts: { pending: 2, dialing: 0, completed: 0, failed: 0 },
      failure_reason: null,
      started_at: null,
      completed_at: null,
      cancelled_at: null,
    });
    expect(res.body.id).toMatch(/^batch_[0-9A-Z]{26}$/);

    const detail = await c.get(`/v1/agents/batch-calls/${res.body.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.batch).toEqual(res.body);
    expect(detail.body.recipients).toHaveLength(2);
    expect(detail.body.recipients[0]).toMatchObject({
      index: 0,
      phone: '+14155551234',
      dynamic_vars: { first_name: 'Alice', appointment_date: 'May 5th at 2pm' },
      status: 'pending',
      outcome: null,
      attempts: 0,
      conversation_id: null,
      error: null,
    });
    expect(detail.body.recipients[1]).toMatchObject({ index: 1, phone: '+14155555678' });
    expect(detail.body.recipients[0].id).toMatch(/^rcp_/);
  });

  it('turns extra recipient fields into dynamic variables and normalises spaced numbers', async () => {
    const res = await c.post('/v1/agents/batch-calls', {
      name: 'Extra fields',
      agent_id: agentId,
      // The variables alone are asserted: the agent's appointment_date is not among them.
      allow_missing_variables: true,
      recipients: [
        {
          phone: '+1 (415) 555-1234',
          first_name: 'Alice',
          visits: 3,
          vip: true,
          dynamic_vars: { city: 'SF' },
        },
      ],
    });
    expect(res.status, res.text).toBe(202);
    const detail = await c.get(`/v1/agents/batch-calls/${res.body.id}`);
    expect(detail.body.recipients[0].phone).toBe('+14155551234');
    expect(detail.body.recipients[0].dynamic_vars).toEqual({
      city: 'SF',
      first_name: 'Alice',
      visits: 3,
      vip: true,
    });
  });

  it('schedules a batch with any offset and stores the time in UTC', async () => {
    const at = inMinutes(120);
    const local = new Date(at.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    const res = await c.post('/v1/agents/batch-calls', { ...reference(), scheduled_at: local });
    expect(res.status, res.text).toBe(202);
    expect(res.body.status).toBe('scheduled');
    expect(res.body.scheduled_at).toBe(at.toISOString());

    const z = await c.post('/v1/agents/batch-calls', {
      ...reference(),
      scheduled_at: inMinutes(60).toISOString(),
    });
    expect(z.status).toBe(202);
    expect(z.body.status).toBe('scheduled');
  });

  it('uses the caller-ID override and the batch settings given', async () => {
    const other = await c.post('/v1/phone-numbers', { phone_number: '+14155550101', provider: 'simulated' });
    const res = await c.post('/v1/agents/batch-calls', {
      ...reference(),
      phone_number_id: other.body.id,
      ringing_timeout_ms: 1000,
      max_concurrent_calls: 100,
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      phone_number_id: other.body.id,
      ringing_timeout_ms: 1000,
      max_concurrent_calls: 100,
    });
  });

  it('accepts 1,000 recipients and returns them in input order', async () => {
    const recipients = Array.from({ length: 1000 }, (_, i) => ({
      phone: `+1415555${String(1000 + i).padStart(4, '0')}`,
      n: i,
      first_name: `R${i}`,
      appointment_date: 'May 5th',
    }));
    const res = await c.post('/v1/agents/batch-calls', { name: 'Big', agent_id: agentId, recipients });
    expect(res.status, res.text).toBe(202);
    const detail = await c.get(`/v1/agents/batch-calls/${res.body.id}`);
    expect(detail.body.recipients).toHaveLength(1000);
    expect(detail.body.recipients.map((r: any) => r.dynamic_vars.n)).toEqual(recipients.map((r) => r.n));
  });
});

describe('refusing bad JSON input, storing nothing', () => {
  let before: number;
  beforeEach(async () => {
    before = await countItems(service.dynamodbEndpoint, service.tableName);
  });
  const expectNothingStored = async () =>
    expect(await countItems(service.dynamodbEndpoint, service.tableName)).toBe(before);

  const refused = async (body: unknown, status: number, code: string, paths: string[] = []) => {
    const res = await c.post('/v1/agents/batch-calls', body);
    expectEnvelope(res, status, code);
    const got = (res.body.error.fields ?? []).map((f: any) => f.path);
    for (const p of paths) expect(got, JSON.stringify(res.body)).toContain(p);
    await expectNothingStored();
    return res;
  };

  it('malformed JSON → 400 invalid_request', async () => {
    const res = await c.request('POST', '/v1/agents/batch-calls', {
      rawBody: '{"name": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expectEnvelope(res, 400, 'invalid_request');
    await expectNothingStored();
  });

  it('an unsupported content type → 415', async () => {
    const res = await c.request('POST', '/v1/agents/batch-calls', {
      rawBody: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expectEnvelope(res, 415, 'unsupported_media_type');
  });

  it('wrong types name every field', async () => {
    await refused(
      { name: 5, agent_id: agentId, recipients: 'x', ringing_timeout_ms: '3000' },
      400,
      'validation_error',
      ['name', 'recipients', 'ringing_timeout_ms'],
    );
  });

  it('a misspelt schedule_at is refused, naming it', async () => {
    const res = await refused(
      { ...reference(), schedule_at: inMinutes(60).toISOString() },
      400,
      'validation_error',
      ['schedule_at'],
    );
    expect(res.body.error.message).toContain('schedule_at');
  });

  it('empty and 1,001 recipients', async () => {
    await refused({ ...reference(), recipients: [] }, 400, 'validation_error', ['recipients']);
    const many = Array.from({ length: 1001 }, () => ({ phone: '+14155551234' }));
    await refused({ ...reference(), recipients: many }, 400, 'validation_error', ['recipients']);
  });

  it('phones that are not E.164 or not valid, each named', async () => {
    await refused(
      {
        ...reference(),
        recipients: [
          { phone: '+14155551234' },
          { phone: '+1415555' },
          { phone: '4155551234' },
          { phone: '+999123456789' },
        ],
      },
      400,
      'validation_error',
      ['recipients[1].phone', 'recipients[2].phone', 'recipients[3].phone'],
    );
  });

  it('dynamic_vars holding an object, and a key given both ways', async () => {
    await refused(
      {
        ...reference(),
        recipients: [
          { phone: '+14155551234', dynamic_vars: { address: { city: 'SF' } } },
          { phone: '+14155551234', first_name: 'A', dynamic_vars: { first_name: 'B' } },
        ],
      },
      400,
      'validation_error',
      ['recipients[0].dynamic_vars.address'],
    );
  });

  it('scheduled_at in the past, now, beyond 30 days, or without an offset', async () => {
    await refused({ ...reference(), scheduled_at: inMinutes(-5).toISOString() }, 400, 'validation_error', [
      'scheduled_at',
    ]);
    await refused({ ...reference(), scheduled_at: new Date().toISOString() }, 400, 'validation_error', [
      'scheduled_at',
    ]);
    await refused(
      { ...reference(), scheduled_at: inMinutes(30 * 24 * 60 + 1).toISOString() },
      400,
      'validation_error',
      ['scheduled_at'],
    );
    await refused({ ...reference(), scheduled_at: '2030-05-05T09:00:00' }, 400, 'validation_error', [
      'scheduled_at',
    ]);
  });

  it('ringing_timeout_ms and max_concurrent_calls out of range', async () => {
    await refused(
      { ...reference(), ringing_timeout_ms: 999, max_concurrent_calls: 101 },
      400,
      'validation_error',
      ['ringing_timeout_ms', 'max_concurrent_calls'],
    );
    await refused({ ...reference(), ringing_timeout_ms: 80_001 }, 400, 'validation_error', [
      'ringing_timeout_ms',
    ]);
  });

  it('an unknown agent → 404 agent_not_found', async () => {
    await refused({ ...reference(), agent_id: 'agent_01HS0000000000000000000000' }, 404, 'agent_not_found');
  });

  it('an unknown caller number → 404 phone_number_not_found', async () => {
    await refused(
      { ...reference(), phone_number_id: 'pn_01HS0000000000000000000000' },
      404,
      'phone_number_not_found',
    );
  });

  it('a number that cannot dial out, or an agent with no number', async () => {
    const inbound = await c.post('/v1/phone-numbers', {
      phone_number: '+14155550102',
      provider: 'simulated',
      outbound: false,
    });
    const bare = await c.post('/v1/agents', { name: 'No number', prompt: 'Hello' });
    before = await countItems(service.dynamodbEndpoint, service.tableName);
    await refused({ ...reference(), phone_number_id: inbound.body.id }, 400, 'validation_error', [
      'phone_number_id',
    ]);
    await refused({ ...reference(), agent_id: bare.body.id }, 400, 'validation_error', ['phone_number_id']);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same body and refuses another body', async () => {
    const headers = { 'idempotency-key': `key-${Date.now()}` };
    const first = await c.post('/v1/agents/batch-calls', reference(), { headers });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await c.post('/v1/agents/batch-calls', reference(), { headers });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);

    const before = await countItems(service.dynamodbEndpoint, service.tableName);
    const other = await c.post('/v1/agents/batch-calls', { ...reference(), name: 'Another' }, { headers });
    expectEnvelope(other, 409, 'idempotency_conflict');
    expect(await countItems(service.dynamodbEndpoint, service.tableName)).toBe(before);
  });

  it('keys are scoped to the workspace', async () => {
    const other = await service.newWorkspace('Idempotency neighbour');
    const oc = client(service.baseUrl, other.apiKey);
    const seeded = await seedAgent(oc);
    const headers = { 'idempotency-key': `shared-${Date.now()}` };
    const mine = await c.post('/v1/agents/batch-calls', reference(), { headers });
    const theirs = await oc.post(
      '/v1/agents/batch-calls',
      { ...reference(), agent_id: seeded.agentId },
      { headers },
    );
    expect(mine.status).toBe(202);
    expect(theirs.status).toBe(202);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });

  it('refuses a key longer than 255 characters', async () => {
    const res = await c.post('/v1/agents/batch-calls', reference(), {
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    expectEnvelope(res, 400, 'validation_error');
  });

  it('a refused request does not use up the key', async () => {
    const headers = { 'idempotency-key': `fix-${Date.now()}` };
    const bad = await c.post('/v1/agents/batch-calls', { ...reference(), recipients: [] }, { headers });
    expect(bad.status).toBe(400);
    const good = await c.post('/v1/agents/batch-calls', reference(), { headers });
    expect(good.status).toBe(202);
  });
});
