import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope } from '../helpers/seed.ts';
import { countItems } from '../helpers/table-count.ts';

/** The suppression list, through the local gateway into DynamoDB Local. */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;

beforeAll(async () => {
  service = await startLocalService({ triggers: false });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
});
afterAll(async () => service?.stop());

const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

function csvForm(csv: string): FormData {
  const f = new FormData();
  f.set('csv_file', new Blob([csv], { type: 'text/csv' }), 'suppressions.csv');
  return f;
}

describe('suppressions', () => {
  it('adds a phone (normalized), and the same phone again answers the existing entry', async () => {
    const res = await c.post('/v1/suppressions', { phone: '+1 (415) 555-0200', reason: 'asked by email' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      phone: '+14155550200',
      reason: 'asked by email',
      source: 'api',
      conversation_id: null,
      expires_at: null,
    });
    expect(res.body.id).toMatch(/^sup_/);
    expect(res.headers.get('location')).toBe(`/v1/suppressions/${res.body.id}`);

    const again = await c.post('/v1/suppressions', { phone: '+14155550200', reason: 'other' });
    expect(again.status, again.text).toBe(200);
    expect(again.body).toEqual(res.body);

    expect((await c.get(`/v1/suppressions/${res.body.id}`)).body).toEqual(res.body);
    expect(await service.store.isSuppressed(service.workspaceId, ['+14155550200'], new Date())).toEqual(
      new Set(['+14155550200']),
    );
  });

  it('refuses a bad phone, expiry or field, naming each, storing nothing', async () => {
    const before = await countItems(service.dynamodbEndpoint, service.tableName);
    const bad = await c.post('/v1/suppressions', {
      phone: '4155550201',
      expires_at: '2020-01-01T00:00:00Z',
      x: 1,
    });
    expectEnvelope(bad, 400, 'validation_error');
    expect(bad.body.error.fields.map((f: any) => f.path).sort()).toEqual(['expires_at', 'phone', 'x']);
    for (const expires_at of ['2030-01-01T00:00:00', 'tomorrow', inHours(24 * 365 * 6)]) {
      const res = await c.post('/v1/suppressions', { phone: '+14155550201', expires_at });
      expectEnvelope(res, 400, 'validation_error');
      expect(res.body.error.fields.map((f: any) => f.path)).toEqual(['expires_at']);
    }
    const badBytes = Buffer.concat([
      Buffer.from('phone\n+14155550201,'),
      Buffer.from([0xff]),
      Buffer.from('\n'),
    ]);
    const f = new FormData();
    f.set('csv_file', new Blob([badBytes], { type: 'text/csv' }), 's.csv');
    expectEnvelope(await c.request('POST', '/v1/suppressions', { rawBody: f }), 400, 'invalid_request');
    const surrogate = Buffer.from('{"phone": "+14155550201", "reason": "\\ud800"}');
    const lone = await c.request('POST', '/v1/suppressions', {
      rawBody: surrogate,
      headers: { 'content-type': 'application/json' },
    });
    expectEnvelope(lone, 400, 'invalid_request');
    const text = await c.request('POST', '/v1/suppressions', {
      rawBody: '+14155550201',
      headers: { 'content-type': 'text/plain' },
    });
    expectEnvelope(text, 415, 'unsupported_media_type');
    const long = await c.post('/v1/suppressions', { phone: '+14155550201', reason: 'x'.repeat(201) });
    expect(long.body.error.fields.map((f: any) => f.path)).toEqual(['reason']);
    expect(await countItems(service.dynamodbEndpoint, service.tableName)).toBe(before);
  });

  it('keeps an expiry, and stops counting an entry once it has passed', async () => {
    const expiresAt = inHours(1);
    const res = await c.post('/v1/suppressions', { phone: '+14155550202', expires_at: expiresAt });
    expect(res.status, res.text).toBe(201);
    expect(Date.parse(res.body.expires_at)).toBe(Math.ceil(Date.parse(expiresAt) / 1000) * 1000);
    const ws = service.workspaceId;
    expect(await service.store.isSuppressed(ws, ['+14155550202'], new Date())).toEqual(
      new Set(['+14155550202']),
    );
    expect(
      await service.store.isSuppressed(ws, ['+14155550202'], new Date(Date.now() + 2 * 3_600_000)),
    ).toEqual(new Set());
  });

  it('imports a CSV: adds new phones, counts listed ones, names bad lines', async () => {
    await c.post('/v1/suppressions', { phone: '+14155550210' });
    const csv = [
      'name,phone,reason',
      'Ann,+14155550211,complained',
      'Bob,+14155550210,',
      'Cy,not a phone,',
      'Di,+1 415 555 0212,',
      'Ed,+14155550211,twice in the file',
      'Fe,+14155550213',
    ].join('\n');
    const res = await c.request('POST', '/v1/suppressions', { rawBody: csvForm(csv) });
    expect(res.status, res.text).toBe(200);
    expect(res.body.added).toBe(2);
    expect(res.body.already_present).toBe(2);
    expect(res.body.errors.map((e: any) => e.path)).toEqual(['csv_file:line 4', 'csv_file:line 7']);
    expect(res.body.errors[0].message).toMatch(/^phone: /);
    const listed = await c.get('/v1/suppressions?phone=%2B14155550211');
    expect(listed.body.suppressions).toMatchObject([{ phone: '+14155550211', reason: 'complained' }]);

    const noPhone = await c.request('POST', '/v1/suppressions', {
      rawBody: csvForm('number\n+14155550214\n'),
    });
    expectEnvelope(noPhone, 400, 'validation_error');
    expect(noPhone.body.error.fields[0].path).toBe('csv_file:line 1');
    const broken = await c.request('POST', '/v1/suppressions', { rawBody: csvForm('phone\n"+1415\n') });
    expectEnvelope(broken, 400, 'invalid_request');
  });

  it('imports the largest file (1,000 rows) within the request time, and refuses one row more', async () => {
    const { apiKey } = await service.newWorkspace('large import');
    const other = client(service.baseUrl, apiKey, { checkContract: true });
    const rows = Array.from({ length: 1_000 }, (_, i) => `+1415${String(2_000_000 + i)}`);
    const started = Date.now();
    const res = await other.request('POST', '/v1/suppressions', {
      rawBody: csvForm(`phone\n${rows.join('\n')}\n`),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ added: 1_000, already_present: 0, errors: [] });
    console.info(`1,000-row suppression import: ${Date.now() - started} ms`);
    const tooMany = await other.request('POST', '/v1/suppressions', {
      rawBody: csvForm(`phone\n${rows.join('\n')}\n+14153999999\n`),
    });
    expectEnvelope(tooMany, 400, 'validation_error');
    expect(tooMany.body.error.fields).toEqual([
      { path: 'csv_file', message: expect.stringMatching(/1,001 rows/) },
    ]);
  }, 120_000);

  it('lists in creation order with cursors, and filters by phone', async () => {
    const { workspaceId, apiKey } = await service.newWorkspace('paging');
    const other = client(service.baseUrl, apiKey, { checkContract: true });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await other.post('/v1/suppressions', { phone: `+1415555030${i}` })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await other.get(`/v1/suppressions?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.suppressions.map((s: any) => s.id));
      expect(page.body.has_more).toBe(page.body.next_cursor !== null);
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(ids);

    const filtered = await other.get('/v1/suppressions?phone=%2B1%20415%20555%200302');
    expect(filtered.body).toEqual({
      suppressions: [expect.objectContaining({ id: ids[2], phone: '+14155550302' })],
      next_cursor: null,
      has_more: false,
    });
    expect((await other.get('/v1/suppressions?phone=%2B14155550399')).body.suppressions).toEqual([]);
    expectEnvelope(await other.get('/v1/suppressions?phone=0302'), 400, 'validation_error');
    expectEnvelope(await other.get('/v1/suppressions?limit=201'), 400, 'validation_error');
    expect(workspaceId).not.toBe(service.workspaceId);
  });

  it("deletes an entry, and never reaches another workspace's", async () => {
    const res = await c.post('/v1/suppressions', { phone: '+14155550220' });
    const { apiKey } = await service.newWorkspace('other');
    const other = client(service.baseUrl, apiKey, { checkContract: true });
    expectEnvelope(await other.get(`/v1/suppressions/${res.body.id}`), 404, 'not_found');
    expectEnvelope(await other.del(`/v1/suppressions/${res.body.id}`), 404, 'not_found');
    expect((await other.get('/v1/suppressions?phone=%2B14155550220')).body.suppressions).toEqual([]);
    expectEnvelope(await c.get('/v1/suppressions/sup_nope'), 404, 'not_found');

    expect((await c.del(`/v1/suppressions/${res.body.id}`)).status).toBe(204);
    expectEnvelope(await c.get(`/v1/suppressions/${res.body.id}`), 404, 'not_found');
    expectEnvelope(await c.del(`/v1/suppressions/${res.body.id}`), 404, 'not_found');
    expect(await service.store.isSuppressed(service.workspaceId, ['+14155550220'], new Date())).toEqual(
      new Set(),
    );
    // Added again after the delete: a new entry.
    const again = await c.post('/v1/suppressions', { phone: '+14155550220' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(res.body.id);
  });
});
