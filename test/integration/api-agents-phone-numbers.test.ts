import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope } from '../helpers/seed.ts';
import { countItems } from '../helpers/table-count.ts';

/** Phone numbers and agents, through the local gateway into DynamoDB Local. */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;

beforeAll(async () => {
  service = await startLocalService({ triggers: false });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
});
afterAll(async () => service?.stop());

describe('phone numbers', () => {
  it('creates, reads, lists and deletes a number', async () => {
    const res = await c.post('/v1/phone-numbers', {
      phone_number: '+1 415 555 0100',
      label: 'Main',
      provider: 'simulated',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      phone_number: '+14155550100',
      label: 'Main',
      provider: 'simulated',
      outbound: true,
      calls_per_second: 1,
    });
    expect(res.body.id).toMatch(/^pn_/);
    expect(res.headers.get('location')).toBe(`/v1/phone-numbers/${res.body.id}`);

    expect((await c.get(`/v1/phone-numbers/${res.body.id}`)).body).toEqual(res.body);
    const list = await c.get('/v1/phone-numbers');
    expect(list.body.phone_numbers.map((p: any) => p.id)).toContain(res.body.id);
    expect(list.body).toMatchObject({ next_cursor: null, has_more: false });

    expect((await c.del(`/v1/phone-numbers/${res.body.id}`)).status).toBe(204);
    expectEnvelope(await c.get(`/v1/phone-numbers/${res.body.id}`), 404, 'phone_number_not_found');
    expectEnvelope(await c.del(`/v1/phone-numbers/${res.body.id}`), 404, 'phone_number_not_found');
  });

  it('keeps provider credentials write-only and masked', async () => {
    const res = await c.post('/v1/phone-numbers', {
      phone_number: '+14155550111',
      provider: 'twilio',
      credentials: { account_sid: 'AC0123456789abcdef0123456789abcdef', auth_token: 'secret-token-3f9a' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.credentials).toEqual({ account_sid: '••••cdef', auth_token: '••••3f9a' });
    expect(JSON.stringify(await c.get(`/v1/phone-numbers/${res.body.id}`))).not.toContain('secret-token');
  });

  it('refuses bad numbers and missing credentials, naming the field, storing nothing', async () => {
    const before = await countItems(service.dynamodbEndpoint, service.tableName);
    const bad = await c.post('/v1/phone-numbers', {
      phone_number: '4155551234',
      provider: 'simulated',
      extra: 1,
    });
    expectEnvelope(bad, 400, 'validation_error');
    expect(bad.body.error.fields.map((f: any) => f.path)).toEqual(
      expect.arrayContaining(['phone_number', 'extra']),
    );
    const creds = await c.post('/v1/phone-numbers', {
      phone_number: '+14155550112',
      provider: 'twilio',
      credentials: {},
    });
    expectEnvelope(creds, 400, 'validation_error');
    expect(creds.body.error.fields.map((f: any) => f.path)).toContain('credentials.auth_token');
    expect(await countItems(service.dynamodbEndpoint, service.tableName)).toBe(before);
  });
});

describe('agents', () => {
  let phoneId: string;
  beforeAll(async () => {
    phoneId = (await c.post('/v1/phone-numbers', { phone_number: '+14155550120', provider: 'simulated' }))
      .body.id;
  });

  it('creates an agent with defaults, reads, lists, patches and deletes it', async () => {
    const res = await c.post('/v1/agents', {
      name: 'Reminders',
      prompt: 'Remind {{first_name}}.',
      phone_number_id: phoneId,
      evaluation_criteria: [{ id: 'confirmed', description: 'The customer confirmed.' }],
      data_collection: [{ id: 'new_time', type: 'string', description: 'A new time if asked.' }],
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Reminders',
      first_message: null,
      phone_number_id: phoneId,
      webhook_url: null,
      webhook_events: ['conversation.completed'],
      max_concurrent_calls: 10,
    });
    expect(res.body.webhook_secret).toBeUndefined();
    const id = res.body.id;

    const patched = await c.patch(`/v1/agents/${id}`, {
      name: 'Renamed',
      first_message: 'Hi {{first_name}}',
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'Renamed',
      first_message: 'Hi {{first_name}}',
      prompt: 'Remind {{first_name}}.',
    });
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThan(Date.parse(res.body.updated_at));

    const cleared = await c.patch(`/v1/agents/${id}`, { first_message: null, phone_number_id: null });
    expect(cleared.body).toMatchObject({ first_message: null, phone_number_id: null });

    expect((await c.get(`/v1/agents/${id}`)).body).toEqual(cleared.body);
    expect((await c.get('/v1/agents')).body.agents.map((a: any) => a.id)).toContain(id);
    expect((await c.del(`/v1/agents/${id}`)).status).toBe(204);
    expectEnvelope(await c.get(`/v1/agents/${id}`), 404, 'agent_not_found');
  });

  it('shows a webhook secret once, and rotates it', async () => {
    const res = await c.post('/v1/agents', {
      name: 'Hooks',
      prompt: 'p',
      webhook_url: 'http://127.0.0.1:9/hook',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const read = await c.get(`/v1/agents/${res.body.id}`);
    expect(read.body.webhook_secret).toBeUndefined();
    expect(read.text).not.toContain(res.body.webhook_secret);

    const rotated = await c.post(`/v1/agents/${res.body.id}/webhook-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhook_secret).toMatch(/^whsec_/);
    expect(rotated.body.webhook_secret).not.toBe(res.body.webhook_secret);
    const stored = await service.store.getAgent(service.workspaceId, res.body.id);
    expect(stored?.webhookSecrets.map((s) => s.secret)).toEqual([
      rotated.body.webhook_secret,
      res.body.webhook_secret,
    ]);
    expect(stored?.webhookSecrets[1]?.expiresAt).toBeTruthy();
  });

  it('gives a secret when a webhook URL is first set by PATCH', async () => {
    const res = await c.post('/v1/agents', { name: 'Later hooks', prompt: 'p' });
    const noUrl = await c.post(`/v1/agents/${res.body.id}/webhook-secret`);
    expectEnvelope(noUrl, 400, 'validation_error');
    const patched = await c.patch(`/v1/agents/${res.body.id}`, { webhook_url: 'http://localhost:9/hook' });
    expect(patched.body.webhook_secret).toMatch(/^whsec_/);
  });

  it('refuses webhook URLs to private, link-local and metadata addresses', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.5/hook',
      'http://192.168.1.1/hook',
      'http://100.64.0.1/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'ftp://example.com/hook',
    ]) {
      const res = await c.post('/v1/agents', { name: 'SSRF', prompt: 'p', webhook_url: url });
      expectEnvelope(res, 400, 'validation_error');
      expect(res.body.error.fields[0].path).toBe('webhook_url');
    }
  });

  it('refuses bad agents, naming the fields, and unknown numbers', async () => {
    const bad = await c.post('/v1/agents', {
      name: '',
      prompt: 5,
      webhook_events: ['call.exploded'],
      data_collection: [{ id: 'x', type: 'date', description: 'd' }],
      max_concurrent_calls: 0,
    });
    expectEnvelope(bad, 400, 'validation_error');
    const paths = bad.body.error.fields.map((f: any) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'name',
        'prompt',
        'webhook_events[0]',
        'data_collection[0].type',
        'max_concurrent_calls',
      ]),
    );
    const unknown = await c.post('/v1/agents', {
      name: 'n',
      prompt: 'p',
      phone_number_id: 'pn_01HS0000000000000000000000',
    });
    expectEnvelope(unknown, 404, 'phone_number_not_found');
  });

  it('keeps agents and numbers apart between workspaces', async () => {
    const mine = await c.post('/v1/agents', { name: 'Mine', prompt: 'p', phone_number_id: phoneId });
    const other = await service.newWorkspace('Other');
    const oc = client(service.baseUrl, other.apiKey, { checkContract: true });
    expectEnvelope(await oc.get(`/v1/agents/${mine.body.id}`), 404, 'agent_not_found');
    expectEnvelope(await oc.patch(`/v1/agents/${mine.body.id}`, { name: 'x' }), 404, 'agent_not_found');
    expectEnvelope(await oc.del(`/v1/agents/${mine.body.id}`), 404, 'agent_not_found');
    expectEnvelope(await oc.get(`/v1/phone-numbers/${phoneId}`), 404, 'phone_number_not_found');
    const borrow = await oc.post('/v1/agents', { name: 'Borrow', prompt: 'p', phone_number_id: phoneId });
    expectEnvelope(borrow, 404, 'phone_number_not_found');
    expect((await oc.get('/v1/agents')).body.agents).toEqual([]);
  });
});
