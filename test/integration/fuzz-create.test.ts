import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type TestClient, type TestResponse } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { seedAgent } from '../helpers/seed.ts';
import { countItems } from '../helpers/table-count.ts';

/**
 * Property-based tests of POST /v1/agents/batch-calls through the local gateway: whatever JSON body
 * or CSV bytes arrive, the answer is a 202 or a 4xx carrying the error envelope — never a 5xx — and a
 * refused request leaves the table exactly as it was. The inputs mix valid and invalid fields, so
 * both sides of the contract are reached. FUZZ_SEED=<n> replays a run; the seed is printed.
 */

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = 150;

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let agentId: string;
const outcomes = { accepted: 0, refused: new Map<number, number>() };

beforeAll(async () => {
  service = await startLocalService({ triggers: false });
  c = client(service.baseUrl, service.apiKey);
  ({ agentId } = await seedAgent(c));
});
afterAll(async () => {
  console.log(
    `fuzz seed ${SEED}: ${outcomes.accepted} accepted, refused by status ${JSON.stringify(Object.fromEntries(outcomes.refused))}`,
  );
  await service?.stop();
});

const tableCount = () => countItems(service.dynamodbEndpoint, service.tableName);

/** The property both tests check for one request. */
async function checkAnswer(send: () => Promise<TestResponse>): Promise<void> {
  const before = await tableCount();
  const res = await send();
  const summary = `HTTP ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status === 202) {
    expect(res.body?.id, summary).toMatch(/^batch_/);
    outcomes.accepted++;
    return;
  }
  expect(res.status >= 400 && res.status < 500, summary).toBe(true);
  expect(typeof res.body?.error?.code, summary).toBe('string');
  expect(typeof res.body?.error?.message, summary).toBe('string');
  expect(res.body?.request_id, summary).toBe(res.headers.get('x-request-id'));
  expect(await tableCount(), `a refused request stored something (${summary})`).toBe(before);
  outcomes.refused.set(res.status, (outcomes.refused.get(res.status) ?? 0) + 1);
}

const validPhone = fc.constantFrom('+14155551234', '+1 (415) 555-5678', '+442071838750', '+14155550003');
const phone = fc.oneof(
  { arbitrary: validPhone, weight: 4 },
  fc.constantFrom('4155551234', '+1', '+', '+999999999999999999', '+1415555123\u0000', '+١٤١٥٥٥٥١٢٣٤', ''),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.constant(null),
);
/** Numbers DynamoDB cannot store exactly, or at all (issue 11): each is a 400, never a 500. */
const unstorableNumber = fc.constantFrom(
  2 ** 60,
  1e200,
  -1e200,
  1e-200,
  -1e-131,
  2 ** 53 + 2,
  12345678901234568,
);
const dynamicVars = fc.oneof(
  {
    arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }), { maxKeys: 4 }),
    weight: 4,
  },
  fc.dictionary(fc.string({ maxLength: 120 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(unstorableNumber, fc.double(), fc.integer()), {
    maxKeys: 3,
  }),
  // Around the 50-variable limit, 1 KB each.
  fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.constant('v'.repeat(1_000)), {
    minKeys: 45,
    maxKeys: 60,
  }),
);
const recipient = fc.oneof(
  {
    arbitrary: fc.record(
      {
        phone,
        dynamic_vars: dynamicVars,
        first_name: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: ['phone'] },
    ),
    weight: 5,
  },
  fc.jsonValue({ maxDepth: 2 }),
);
const futureIso = fc
  .integer({ min: 120_000, max: 29 * 86_400_000 })
  .map((ms) => new Date(Date.now() + ms).toISOString());

const FIELDS = [
  'name',
  'agent_id',
  'recipients',
  'scheduled_at',
  'ringing_timeout_ms',
  'max_concurrent_calls',
];

/** A valid create body: each optional field sometimes present. */
function validBody(agent: string) {
  return fc.record(
    {
      name: fc.string({ minLength: 1, maxLength: 40 }).filter((n) => n.trim() !== ''),
      agent_id: fc.constant(agent),
      recipients: fc.array(
        fc.record({
          phone: validPhone,
          dynamic_vars: fc.dictionary(
            fc.constantFrom('first_name', 'appointment_date', 'note'),
            fc.string({ maxLength: 30 }),
          ),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      scheduled_at: futureIso,
      ringing_timeout_ms: fc.integer({ min: 1_000, max: 80_000 }),
      max_concurrent_calls: fc.integer({ min: 1, max: 100 }),
    },
    { requiredKeys: ['name', 'agent_id', 'recipients'] },
  );
}

/** Something wrong done to one field: removed, or replaced by a value of any shape. */
const mutation = fc.record({
  field: fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 12 })),
  value: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 2 },
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(recipient, { maxLength: 3 }),
    fc.string({ maxLength: 300 }),
    fc.constantFrom('2020-01-01T00:00:00Z', '2999-01-01T00:00:00Z', 'tomorrow', '', null, 0, -1, 1e21, 0.5),
    // Ids that cannot be part of a table key.
    fc.constantFrom('agent_#1', 'AGENT#x', '#'),
  ),
});

/** A create body: valid about a third of the time, otherwise with one to three fields broken. */
function createBody(agent: string) {
  return fc
    .tuple(
      validBody(agent),
      fc.oneof({ arbitrary: fc.constant([]), weight: 1 }, fc.array(mutation, { minLength: 1, maxLength: 3 })),
    )
    .map(([body, mutations]) => {
      const out: Record<string, unknown> = { ...body };
      for (const { field, value } of mutations) {
        if (value === undefined) delete out[field];
        else out[field] = value;
      }
      return out;
    });
}

/** Body bytes sent as application/json: a structured body, any JSON text, or not JSON at all. */
function jsonRequest(agent: string) {
  return fc.oneof(
    { arbitrary: createBody(agent).map((body) => JSON.stringify(body)), weight: 6 },
    { arbitrary: fc.json({ maxDepth: 3 }), weight: 2 },
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    // A valid body with bytes that are not UTF-8 inside a string (a lone byte, a broken sequence,
    // an encoded surrogate), or a \u escape of a lone surrogate: 400 invalid_request, nothing stored.
    fc
      .tuple(
        createBody(agent),
        fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]),
      )
      .map(([body, bad]) => {
        const text = JSON.stringify({ ...body, name: 'Reminders' });
        const at = text.indexOf('Reminders') + 3;
        return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bad), Buffer.from(text.slice(at))]);
      }),
    createBody(agent).map((body) =>
      JSON.stringify({ ...body, name: 'Reminders' }).replace('Reminders', 'Rem\\ud800inders'),
    ),
    createBody(agent).map((body) => {
      const text = JSON.stringify(body);
      return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    }),
  );
}

const csvCell = fc.oneof(
  { arbitrary: validPhone, weight: 3 },
  fc.string({ maxLength: 16 }),
  fc.constantFrom(
    '"',
    '""',
    '"a,b"',
    '"unclosed',
    'x"y',
    '\n',
    '\r',
    ',',
    ';',
    '\u0000',
    '\uFEFF',
    ' ',
    '=1+1',
  ),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const word = fc.stringMatching(/^[A-Za-z ]{0,12}$/);
/** A valid CSV: a phone column, some variable columns, one to five rows. */
const validCsv = fc
  .record({
    columns: fc.subarray(['first_name', 'appointment_date']),
    rows: fc.array(fc.tuple(validPhone, word, word), { minLength: 1, maxLength: 5 }),
    eol: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
  })
  .map(({ columns, rows, eol, bom }) => ({
    header: ['phone', ...columns],
    rows: rows.map((row): string[] => row.slice(0, 1 + columns.length)),
    separator: ',',
    eol,
    bom,
  }));
type Csv = typeof validCsv extends fc.Arbitrary<infer T> ? T : never;

/** One way of mangling a CSV: a bad cell, a bad header, a bad row, another separator, cut or garbage bytes. */
const csvMangle = fc.oneof(
  fc.record({ kind: fc.constant('cell' as const), row: fc.nat(), col: fc.nat(), value: csvCell }),
  fc.record({
    kind: fc.constant('header' as const),
    header: fc.array(
      fc.oneof(
        fc.constantFrom('first_name', 'Phone', ' phone', '', 'phone', '"phone"'),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 5 },
    ),
  }),
  fc.record({ kind: fc.constant('row' as const), row: fc.array(csvCell, { maxLength: 7 }) }),
  fc.record({ kind: fc.constant('separator' as const), separator: fc.constantFrom(';', '\t', ', ') }),
  fc.record({ kind: fc.constant('eol' as const), eol: fc.constantFrom('\r', '\n\n', '\r\r\n') }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  // Wide files: around the 51-column limit, and the issue's 450 columns.
  fc.record({
    kind: fc.constant('wide' as const),
    columns: fc.oneof(fc.integer({ min: 48, max: 54 }), fc.integer({ min: 440, max: 460 })),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 20 }),
  }),
);
type CsvMangle = typeof csvMangle extends fc.Arbitrary<infer T> ? T : never;

function renderCsv(csv: Csv, mangles: readonly CsvMangle[]): Buffer {
  const header = [...csv.header];
  const rows = csv.rows.map((r) => [...r]);
  let separator: string = csv.separator;
  let eol: string = csv.eol;
  const late: CsvMangle[] = [];
  for (const m of mangles) {
    if (m.kind === 'cell') {
      const row = rows[m.row % rows.length];
      if (row) row[m.col % Math.max(1, row.length)] = m.value;
    } else if (m.kind === 'header') header.splice(0, header.length, ...m.header);
    else if (m.kind === 'row') rows.push(m.row);
    else if (m.kind === 'separator') separator = m.separator;
    else if (m.kind === 'eol') eol = m.eol;
    else if (m.kind === 'wide') {
      const extra = Array.from({ length: m.columns - header.length }, (_, i) => `col${i}`);
      header.push(...extra);
      for (const row of rows) row.push(...extra.map(() => 'x'.repeat(100)));
    } else late.push(m);
  }
  let bytes = Buffer.from(
    (csv.bom ? '\uFEFF' : '') + [header, ...rows].map((r) => r.join(separator)).join(eol) + eol,
  );
  for (const m of late) {
    if (m.kind === 'cut') bytes = bytes.subarray(0, m.at % (bytes.length + 1));
    if (m.kind === 'insert') {
      const at = m.at % (bytes.length + 1);
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
    }
  }
  return bytes;
}

/** A CSV that is valid about a third of the time, otherwise mangled one to three ways. */
const mangledCsv = fc
  .tuple(validCsv, fc.oneof(fc.constant([]), fc.array(csvMangle, { minLength: 1, maxLength: 3 })))
  .map(([csv, mangles]) => renderCsv(csv, mangles));
const csvBytes = fc.oneof(
  { arbitrary: mangledCsv, weight: 3 },
  fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
);

interface CsvRequest {
  csv: Buffer | null;
  name: string | null;
  agent: string | null;
  extra: Record<string, string>;
  /** Send a hand-made multipart body with this boundary line broken instead of FormData. */
  brokenMultipart: boolean;
}

function csvRequest(agent: string): fc.Arbitrary<CsvRequest> {
  return fc.record({
    csv: fc.oneof({ arbitrary: csvBytes, weight: 9 }, fc.constant(null)),
    name: fc.oneof(
      { arbitrary: fc.constant('Fuzzed'), weight: 4 },
      fc.string({ maxLength: 250 }),
      fc.constant(null),
    ),
    agent: fc.oneof(
      { arbitrary: fc.constant(agent), weight: 4 },
      fc.string({ maxLength: 30 }),
      fc.constantFrom('agent_#1', '#'),
      fc.constant(null),
    ),
    extra: fc.dictionary(
      fc.constantFrom('scheduled_at', 'ringing_timeout_ms', 'max_concurrent_calls', 'recipients', 'zzz'),
      fc.string({ maxLength: 30 }),
      { maxKeys: 2 },
    ),
    brokenMultipart: fc.nat({ max: 9 }).map((n) => n === 0),
  });
}

function sendCsv(req: CsvRequest): Promise<TestResponse> {
  if (req.brokenMultipart) {
    const boundary = 'fuzzboundary';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="csv_file"; filename="r.csv"\r\n\r\n`,
      ),
      req.csv ?? Buffer.alloc(0),
      // No closing boundary: the upload ends mid-part.
    ]);
    return c.request('POST', '/v1/agents/batch-calls', {
      rawBody: body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
  }
  const form = new FormData();
  if (req.name !== null) form.set('name', req.name);
  if (req.agent !== null) form.set('agent_id', req.agent);
  for (const [key, value] of Object.entries(req.extra)) form.set(key, value);
  if (req.csv !== null) form.set('csv_file', new Blob([req.csv], { type: 'text/csv' }), 'recipients.csv');
  return c.request('POST', '/v1/agents/batch-calls', { rawBody: form });
}

describe('fuzzing batch creation', () => {
  it('answers any JSON body with a 202 or a 4xx envelope, and stores nothing when it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(jsonRequest(agentId), (body) =>
        checkAnswer(() =>
          c.request('POST', '/v1/agents/batch-calls', {
            rawBody: body,
            headers: { 'content-type': 'application/json' },
          }),
        ),
      ),
      {
        numRuns: RUNS,
        seed: SEED,
        endOnFailure: true,
        // Found by this test once; kept as a fixed case: an id that cannot be part of a table key.
        examples: [
          [JSON.stringify({ name: 'x', agent_id: 'agent_#1', recipients: [{ phone: '+14155551234' }] })],
        ],
      },
    );
    // The generator reaches both sides of the contract.
    expect(outcomes.accepted).toBeGreaterThan(0);
  }, 120_000);

  it('answers any CSV upload with a 202 or a 4xx envelope, and stores nothing when it refuses', async () => {
    const acceptedBefore = outcomes.accepted;
    await fc.assert(
      fc.asyncProperty(csvRequest(agentId), (req) => checkAnswer(() => sendCsv(req))),
      {
        numRuns: RUNS,
        seed: SEED + 1,
        endOnFailure: true,
        examples: [
          [
            {
              csv: Buffer.from('phone\n+14155551234\n'),
              name: 'x',
              agent: 'agent_#1',
              extra: {},
              brokenMultipart: false,
            },
          ],
          // One create accepts whatever the generator draws: the seeded agent's variables, which
          // create requires since it refuses missing placeholders.
          [
            {
              csv: Buffer.from('phone,first_name,appointment_date\n+14155551234,Ann,Monday\n'),
              name: 'Fuzzed',
              agent: agentId,
              extra: {},
              brokenMultipart: false,
            },
          ],
        ],
      },
    );
    expect(outcomes.accepted).toBeGreaterThan(acceptedBefore);
  }, 120_000);

  it('refuses every input of issue 11 on every route with a 4xx naming it, and stores nothing', async () => {
    const phone = '+14155551234';
    const create = (body: unknown) => () => c.post('/v1/agents/batch-calls', body);
    const rawJson =
      (path: string, bytes: Buffer, method = 'POST') =>
      () =>
        c.request(method, path, { rawBody: bytes, headers: { 'content-type': 'application/json' } });
    const csv =
      (text: string | Buffer, name = 'Wide') =>
      () => {
        const form = new FormData();
        form.set('name', name);
        form.set('agent_id', agentId);
        form.set('csv_file', new Blob([text], { type: 'text/csv' }), 'r.csv');
        return c.request('POST', '/v1/agents/batch-calls', { rawBody: form });
      };
    const kb = 'x'.repeat(1_000);
    const vars450 = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`v${i}`, kb]));
    const criteria = (n: number, type?: string) =>
      Array.from({ length: n }, (_, i) => ({ id: `c${i}`, ...(type ? { type } : {}), description: kb }));
    const wideHeader = ['phone', ...Array.from({ length: 449 }, (_, i) => `c${i}`)].join(',');
    const wideRow = [phone, ...Array.from({ length: 449 }, () => kb)].join(',');
    const badBytes = (text: string, at: string) =>
      Buffer.concat([
        Buffer.from(text.slice(0, text.indexOf(at))),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(text.slice(text.indexOf(at))),
      ]);
    const validCreate = {
      name: 'Reminders',
      agent_id: agentId,
      recipients: [{ phone, first_name: 'Ann', appointment_date: 'May 5th' }],
    };
    const agent = (await c.get(`/v1/agents/${agentId}`)).body;
    const crafted = (inner: string) => `whd_${Buffer.from(inner).toString('base64url')}`;
    // A batch of this workspace: crafted delivery ids must get past the batch lookup to matter.
    const real = await c.post('/v1/agents/batch-calls', validCreate);
    expect(real.status, real.text).toBe(202);
    const batchId = String(real.body.id);
    const cursor = (sk: string) =>
      Buffer.from(JSON.stringify({ PK: `WS#${service.workspaceId}`, SK: sk })).toString('base64url');

    const cases: [string, number[], () => Promise<TestResponse>][] = [
      [
        'unsafe integer',
        [400],
        create({ ...validCreate, recipients: [{ phone, dynamic_vars: { account: 12345678901234568 } }] }),
      ],
      [
        '1e200',
        [400],
        rawJson(
          '/v1/agents/batch-calls',
          Buffer.from(JSON.stringify(validCreate).replace('}]', ',"n":1e200}]')),
        ),
      ],
      [
        '1e-200',
        [400],
        rawJson(
          '/v1/agents/batch-calls',
          Buffer.from(JSON.stringify(validCreate).replace('}]', ',"n":1e-200}]')),
        ),
      ],
      [
        '450 variables of 1 KB',
        [400, 413],
        create({ ...validCreate, recipients: [{ phone, dynamic_vars: vars450 }] }),
      ],
      ['a CSV row with 450 columns', [400, 413], csv(`${wideHeader}\n${wideRow}\n`)],
      [
        'a lone surrogate escape',
        [400],
        rawJson(
          '/v1/agents/batch-calls',
          Buffer.from(JSON.stringify(validCreate).replace('Reminders', 'Rem\\ud800')),
        ),
      ],
      [
        'invalid UTF-8 in JSON',
        [400],
        rawJson('/v1/agents/batch-calls', badBytes(JSON.stringify(validCreate), 'inders')),
      ],
      ['invalid UTF-8 in a CSV', [400], csv(badBytes(`phone,name\n${phone},Alice\n`, 'lice'))],
      [
        'invalid UTF-8 in a form field',
        [400],
        () => {
          const boundary = 'limitsboundary';
          const part = (name: string, value: string) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
          const body = Buffer.concat([
            Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nRem`),
            Buffer.from([0xc3, 0x28]),
            Buffer.from(
              `\r\n${part('agent_id', agentId)}--${boundary}\r\nContent-Disposition: form-data; name="csv_file"; filename="r.csv"\r\n\r\nphone\n${phone}\n\r\n--${boundary}--\r\n`,
            ),
          ]);
          return c.request('POST', '/v1/agents/batch-calls', {
            rawBody: body,
            headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          });
        },
      ],
      [
        '300 evaluation criteria (POST)',
        [400, 413],
        () => c.post('/v1/agents', { name: 'a', prompt: 'p', evaluation_criteria: criteria(300) }),
      ],
      [
        '300 data collection items (POST)',
        [400, 413],
        () => c.post('/v1/agents', { name: 'a', prompt: 'p', data_collection: criteria(300, 'string') }),
      ],
      [
        'a 600 KB telephony id (POST)',
        [400, 413],
        () =>
          c.post('/v1/agents', {
            name: 'a',
            prompt: 'p',
            telephony: { vapi_assistant_id: 'v'.repeat(600_000) },
          }),
      ],
      [
        '300 evaluation criteria (PATCH)',
        [400, 413],
        () => c.patch(`/v1/agents/${agentId}`, { evaluation_criteria: criteria(300) }),
      ],
      [
        'a 600 KB telephony id (PATCH)',
        [400, 413],
        () => c.patch(`/v1/agents/${agentId}`, { telephony: { retell_agent_id: 'r'.repeat(600_000) } }),
      ],
      [
        'invalid UTF-8 (PATCH)',
        [400],
        rawJson(`/v1/agents/${agentId}`, badBytes('{"name":"Renamed"}', 'named'), 'PATCH'),
      ],
      [
        'a 600 KB credential',
        [400, 413],
        () =>
          c.post('/v1/phone-numbers', {
            phone_number: phone,
            provider: 'retell',
            credentials: { api_key: 'k'.repeat(600_000) },
          }),
      ],
      [
        'a delivery id with #',
        [404],
        () =>
          c.post(`/v1/webhook-deliveries/${crafted(`${batchId} conversation.completed:rcp_#1`)}/redeliver`),
      ],
      [
        'a delivery id over 1 KB',
        [404],
        () => c.post(`/v1/webhook-deliveries/${crafted(`${batchId} ${'x'.repeat(1_200)}`)}/redeliver`),
      ],
      [
        'a delivery id of a # batch',
        [404],
        () => c.post(`/v1/webhook-deliveries/${crafted(`batch_#x call.failed:${batchId}`)}/redeliver`),
      ],
      ['a cursor over 1 KB', [400], () => c.get(`/v1/agents?cursor=${cursor(`AGENT#${'a'.repeat(1_100)}`)}`)],
      ['a cursor with #', [400], () => c.get(`/v1/agents/batch-calls?cursor=${cursor('BATCH#batch_#1')}`)],
    ];
    // Every case is sent and judged; the failures are reported together.
    const problems: string[] = [];
    for (const [what, statuses, send] of cases) {
      const before = await tableCount();
      const res = await send();
      const summary = `${what}: HTTP ${res.status} ${res.text.slice(0, 120)}`;
      if (!statuses.includes(res.status)) problems.push(`${summary} (expected ${statuses.join(' or ')})`);
      else if (typeof res.body?.error?.code !== 'string') problems.push(`${summary} (no error envelope)`);
      else if (/invalid UTF-8|surrogate/.test(what) && res.body.error.code !== 'invalid_request') {
        problems.push(`${summary} (expected invalid_request)`);
      }
      const after = await tableCount();
      if (after !== before) problems.push(`${what}: stored ${after - before} item(s)`);
    }
    expect(problems).toEqual([]);
    // A refused PATCH changed nothing either.
    expect((await c.get(`/v1/agents/${agentId}`)).body).toEqual(agent);
  }, 120_000);
});
