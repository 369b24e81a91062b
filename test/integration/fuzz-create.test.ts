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
const dynamicVars = fc.oneof(
  {
    arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }), { maxKeys: 4 }),
    weight: 4,
  },
  fc.dictionary(fc.string({ maxLength: 120 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
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
    else late.push(m);
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
        ],
      },
    );
    expect(outcomes.accepted).toBeGreaterThan(acceptedBefore);
  }, 120_000);
});
