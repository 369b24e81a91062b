import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INLINE_EXPORT_MAX_BYTES } from '#shared/app/results-export.ts';
import { runBatchToEnd, waitForBatchEnd } from '../helpers/batch-run.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { expectEnvelope, seedAgent } from '../helpers/seed.ts';

/**
 * Results export and recipient queries through the local gateway (contract "Results export",
 * "Recipient queries"): columns and their order, formula prefixing, the JSONL shape, the S3 path of a
 * large export, the round trip of an export uploaded as a new batch, filters, pagination, and
 * workspace scoping.
 */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let agentId: string;
/** A finished JSON batch: one recipient per simulated outcome, a formula in a variable. */
let finished: { batchId: string; done: any };

const RESULT_COLUMNS = [
  'status',
  'outcome',
  'skip_reason',
  'attempts',
  'started_at',
  'ended_at',
  'duration_secs',
  'conversation_id',
  'error',
];

const exportPath = (id: string, format?: string) =>
  `/v1/agents/batch-calls/${id}/export${format ? `?format=${format}` : ''}`;
const recipientsPath = (id: string, query = '') => `/v1/agents/batch-calls/${id}/recipients${query}`;

/** The export answer itself, without following a redirect. */
function fetchExport(id: string, format?: string, apiKey = service.apiKey) {
  return fetch(service.baseUrl + exportPath(id, format), {
    headers: { authorization: `Bearer ${apiKey}` },
    redirect: 'manual',
  });
}

function csvForm(csv: string, fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  form.set('csv_file', new Blob([csv], { type: 'text/csv' }), 'export.csv');
  return form;
}

const inADay = () => new Date(Date.now() + 86_400_000).toISOString();

beforeAll(async () => {
  service = await startLocalService({ simCallMs: 200 });
  c = client(service.baseUrl, service.apiKey, { checkContract: true });
  ({ agentId } = await seedAgent(c, {
    // No placeholders: these recipients carry other variables than the default agent's texts use.
    prompt: 'Remind the caller of the appointment.',
    first_message: 'Hi, this is a reminder.',
    evaluation_criteria: [{ id: 'confirmed_time', description: 'The caller confirmed the time' }],
    data_collection: [{ id: 'party_size', type: 'number', description: 'How many people come' }],
  }));
  finished = await runBatchToEnd(
    c,
    {
      name: 'Export me',
      agent_id: agentId,
      recipients: [
        { phone: '+14155551234', zeta: 'Alice', alpha: 'May 5th' },
        { phone: '+14155550002', zeta: '=cmd|"/C calc"!A0', alpha: '-3' },
        { phone: '+14155550003', alpha: 'has, comma', zeta: 'Carol' },
        { phone: '+14155550004', zeta: 'Dan', alpha: '@home', extra: 'later key' },
        { phone: '+14155550001', zeta: 'Eve', alpha: 'plain' },
      ],
    },
    { timeoutMs: 60_000 },
  );
  expect(finished.done.batch.status).toBe('completed');
}, 120_000);

afterAll(async () => {
  await service?.stop();
});

describe('export', () => {
  it('answers a small batch inline as CSV: columns in order, formulas prefixed, results filled', async () => {
    const res = await fetchExport(finished.batchId, 'csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="export-me-batch_.+\.csv"/);
    const text = await res.text();
    const rows = parse(text) as string[][];
    expect(rows[0]).toEqual([
      'phone',
      'zeta',
      'alpha',
      'extra',
      ...RESULT_COLUMNS,
      'eval.confirmed_time',
      'data.party_size',
    ]);
    const header = rows[0] ?? [];
    const byPhone = new Map(
      rows.slice(1).map((r) => [r[0], Object.fromEntries(header.map((h, i) => [h, r[i]]))]),
    );
    expect([...byPhone.keys()]).toEqual([
      '+14155551234',
      '+14155550002',
      '+14155550003',
      '+14155550004',
      '+14155550001',
    ]);
    const alice = byPhone.get('+14155551234') ?? {};
    expect(alice).toMatchObject({ zeta: 'Alice', status: 'completed', outcome: 'answered', attempts: '1' });
    expect(alice['eval.confirmed_time']).toBe('success');
    expect(alice['data.party_size']).not.toBe('');
    expect(alice.conversation_id).toMatch(/^conv_/);
    expect(byPhone.get('+14155550002')).toMatchObject({
      zeta: '\'=cmd|"/C calc"!A0',
      alpha: "'-3",
      status: 'failed',
      outcome: 'no_answer',
      'eval.confirmed_time': '',
    });
    expect(byPhone.get('+14155550003')?.alpha).toBe('has, comma');
    expect(byPhone.get('+14155550004')).toMatchObject({
      alpha: "'@home",
      extra: 'later key',
      outcome: 'voicemail',
    });
    expect(byPhone.get('+14155550001')?.outcome).toBe('busy');
  });

  it('answers JSONL: one object per recipient, variables under dynamic_vars, nothing prefixed', async () => {
    const res = await fetchExport(finished.batchId, 'jsonl');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.jsonl"/);
    const lines = (await res.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatchObject({
      phone: '+14155550002',
      dynamic_vars: { zeta: '=cmd|"/C calc"!A0', alpha: '-3' },
      status: 'failed',
      outcome: 'no_answer',
      skip_reason: null,
      attempts: 1,
      evaluations: { confirmed_time: null },
      data_collection: { party_size: null },
    });
    expect(lines[0].evaluations).toEqual({ confirmed_time: 'success' });
    expect(lines[0].conversation_id).toMatch(/^conv_/);
  });

  it('defaults to CSV and refuses an unknown format, naming it', async () => {
    const res = await fetchExport(finished.batchId);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bad = await c.get(exportPath(finished.batchId, 'xlsx'));
    expectEnvelope(bad, 400, 'validation_error');
    expect(bad.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['format']);
  });

  it('is a 404 for an unknown batch and for another workspace’s batch', async () => {
    expectEnvelope(await c.get(exportPath('batch_01J00000000000000000000000')), 404, 'not_found');
    expectEnvelope(await c.get(exportPath('nonsense')), 404, 'not_found');
    const other = await service.newWorkspace('Other');
    const res = await fetchExport(finished.batchId, 'csv', other.apiKey);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('writes a 1,000-recipient export with 900-byte variables to S3 and redirects to it', async () => {
    const recipients = Array.from({ length: 1_000 }, (_, i) => ({
      phone: `+1415555${String(1_000 + i)}`,
      first_name: `R${i}`,
      notes: `${i}:`.padEnd(900, 'x'),
    }));
    const created = await c.post('/v1/agents/batch-calls', {
      name: 'Large',
      agent_id: agentId,
      recipients,
      scheduled_at: inADay(),
    });
    expect(created.status, created.text).toBe(202);
    const res = await fetchExport(created.body.id, 'csv');
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    expect(new URL(location).pathname).toMatch(/\/exports\/ws_[^/]+\/batch_[^/]+\/exp_[^/]+\.csv$/);
    expect(location).toMatch(/X-Amz-Signature=/);
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="large-batch_.+\.csv"/);
    const text = await file.text();
    expect(Buffer.byteLength(text)).toBeGreaterThan(INLINE_EXPORT_MAX_BYTES);
    const rows = parse(text) as string[][];
    expect(rows).toHaveLength(1_001);
    expect(rows[0]?.slice(0, 4)).toEqual(['phone', 'first_name', 'notes', 'status']);
    expect(rows[1_000]?.slice(0, 4)).toEqual(['+14155551999', 'R999', `999:`.padEnd(900, 'x'), 'pending']);

    // The page fills up to its limit even when the filter drops most of what one Query reads.
    const last = await c.get(recipientsPath(created.body.id, '?phone=1999&limit=1'));
    expect(last.status, last.text).toBe(200);
    expect(last.body.recipients.map((r: { index: number }) => r.index)).toEqual([999]);
    expect(last.body).toMatchObject({ has_more: false, next_cursor: null });
    const tail = await c.get(recipientsPath(created.body.id, '?phone=%2B1415555199&limit=200'));
    expect(tail.body.recipients.map((r: { index: number }) => r.index)).toEqual([
      990, 991, 992, 993, 994, 995, 996, 997, 998, 999,
    ]);
  }, 60_000);

  it('round trip: a finished batch’s CSV export uploads again as a new batch with the same phones and variables', async () => {
    const csv =
      'phone,last_name,first_name,appointment_date\n+14155551234,Smith,Alice,"May 5th, 2pm"\n+14155551235,Jones,Bob,May 6th\n';
    const original = await c.request('POST', '/v1/agents/batch-calls', {
      rawBody: csvForm(csv, { name: 'Round trip', agent_id: agentId }),
    });
    expect(original.status, original.text).toBe(202);
    const done = await waitForBatchEnd(c, original.body.id, { timeoutMs: 60_000 });
    expect(done.batch.status).toBe('completed');

    const exported = await fetchExport(original.body.id, 'csv');
    expect(exported.status).toBe(200);
    const exportCsv = await exported.text();
    expect(exportCsv.split('\r\n')[0]).toMatch(/^phone,last_name,first_name,appointment_date,status,/);

    const again = await c.request('POST', '/v1/agents/batch-calls', {
      rawBody: csvForm(exportCsv, { name: 'Called again', agent_id: agentId, scheduled_at: inADay() }),
    });
    expect(again.status, again.text).toBe(202);
    expect(again.body.source).toBe('csv');
    const detail = await c.get(`/v1/agents/batch-calls/${again.body.id}`);
    const before = done.recipients as Array<{ phone: string; dynamic_vars: Record<string, unknown> }>;
    const after = detail.body.recipients as typeof before;
    expect(after.map((r) => r.phone)).toEqual(before.map((r) => r.phone));
    after.forEach((r, i) => expect(r.dynamic_vars).toMatchObject(before[i]?.dynamic_vars ?? { missing: i }));
    expect(after[0]?.dynamic_vars.status).toBe('completed');
  }, 90_000);
});

describe('recipient queries', () => {
  const indexes = (body: { recipients: Array<{ index: number }> }) => body.recipients.map((r) => r.index);

  it('pages in input order with next_cursor and has_more', async () => {
    const first = await c.get(recipientsPath(finished.batchId, '?limit=2'));
    expect(first.status, first.text).toBe(200);
    expect(indexes(first.body)).toEqual([0, 1]);
    expect(first.body.has_more).toBe(true);
    const second = await c.get(recipientsPath(finished.batchId, `?limit=2&cursor=${first.body.next_cursor}`));
    expect(indexes(second.body)).toEqual([2, 3]);
    const third = await c.get(recipientsPath(finished.batchId, `?limit=2&cursor=${second.body.next_cursor}`));
    expect(indexes(third.body)).toEqual([4]);
    expect(third.body).toMatchObject({ has_more: false, next_cursor: null });
    const all = await c.get(recipientsPath(finished.batchId));
    expect(all.body.recipients).toEqual(finished.done.recipients);
  });

  it('filters by status, outcome and phone, and pages through a filter', async () => {
    const failed = await c.get(recipientsPath(finished.batchId, '?status=failed&limit=2'));
    expect(indexes(failed.body)).toEqual([1, 2]);
    const rest = await c.get(
      recipientsPath(finished.batchId, `?status=failed&limit=2&cursor=${failed.body.next_cursor}`),
    );
    // Index 3 (voicemail, completed) is passed over; the page still ends the listing.
    expect(indexes(rest.body)).toEqual([4]);
    expect(rest.body.has_more).toBe(false);
    expect(indexes((await c.get(recipientsPath(finished.batchId, '?outcome=voicemail'))).body)).toEqual([3]);
    expect(indexes((await c.get(recipientsPath(finished.batchId, '?phone=0003'))).body)).toEqual([2]);
    expect(indexes((await c.get(recipientsPath(finished.batchId, '?phone=%2B1415555000'))).body)).toEqual([
      1, 2, 3, 4,
    ]);
    const none = await c.get(recipientsPath(finished.batchId, '?status=completed&outcome=busy'));
    expect(none.body).toEqual({ recipients: [], next_cursor: null, has_more: false });
  });

  it('refuses bad filters naming each field, and a cursor of another batch', async () => {
    const bad = await c.get(recipientsPath(finished.batchId, '?status=done&outcome=x&phone=abc&limit=500'));
    expectEnvelope(bad, 400, 'validation_error');
    expect(bad.body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual([
      'limit',
      'outcome',
      'phone',
      'status',
    ]);
    const other = await c.post('/v1/agents/batch-calls', {
      name: 'Other',
      agent_id: agentId,
      recipients: [{ phone: '+14155551234' }, { phone: '+14155551235' }],
      scheduled_at: inADay(),
    });
    const page = await c.get(recipientsPath(other.body.id, '?limit=1'));
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const crossed = await c.get(recipientsPath(finished.batchId, `?cursor=${page.body.next_cursor}`));
    expectEnvelope(crossed, 400, 'invalid_request');
    expect(crossed.body.error.fields[0].path).toBe('cursor');
    expectEnvelope(await c.get(recipientsPath(finished.batchId, '?cursor=garbage!')), 400, 'invalid_request');
  });

  it('is a 404 for an unknown batch and for another workspace’s batch', async () => {
    expectEnvelope(await c.get(recipientsPath('batch_01J00000000000000000000000')), 404, 'not_found');
    const other = await service.newWorkspace('Other again');
    const foreign = client(service.baseUrl, other.apiKey, { checkContract: true });
    expectEnvelope(await foreign.get(recipientsPath(finished.batchId)), 404, 'not_found');
  });
});
