import { describe, expect, it } from 'vitest';
import { buildProxyEvent, type RequestShape } from '#infra/local/gateway/http-event.ts';
import { createAgentSchema, updateAgentSchema } from '#shared/contracts/agent.ts';
import { validateCreateBatchJson } from '#shared/contracts/batch.ts';
import { validateCsvHeader } from '#shared/contracts/csv-rules.ts';
import { createPhoneNumberSchema } from '#shared/contracts/phone-number.ts';
import { validateRecipient } from '#shared/contracts/recipient.ts';
import { rotateSecrets, MAX_WEBHOOK_SECRETS } from '#shared/domain/agent.ts';
import { InvalidRequestError, ValidationError } from '#shared/domain/errors.ts';
import { newId } from '#shared/domain/ids.ts';
import { LIMITS } from '#shared/domain/limits.ts';
import { deliveryIdOf, parseDeliveryId, webhookIdFor } from '#shared/domain/outbox.ts';
import { parseCreateBatchMultipart } from '#shared/http/parse-multipart.ts';
import { bodyBytes, readJson } from '#shared/http/request-body.ts';

/** Issue 11, item 2: input beyond a limit is a 4xx naming the field, never a 500 (contract "Input limits"). */

const NOW = new Date('2026-12-07T06:00:00Z');
const phone = '+14155551234';

function issuesOf(raw: unknown) {
  const check = validateRecipient(raw, 'recipients[0]');
  return check.ok ? [] : check.issues;
}

describe('numbers in dynamic_vars', () => {
  it('refuses integers beyond ±(2^53 − 1) and magnitudes DynamoDB cannot store, naming the field and not the value', () => {
    for (const body of [
      '{"phone":"+14155551234","dynamic_vars":{"account":12345678901234567}}',
      '{"phone":"+14155551234","dynamic_vars":{"account":1e200}}',
      '{"phone":"+14155551234","dynamic_vars":{"account":-1e-200}}',
      '{"phone":"+14155551234","account":9007199254740993}',
    ]) {
      const issues = issuesOf(JSON.parse(body));
      expect(issues, body).toHaveLength(1);
      expect(issues[0]?.path).toMatch(/^recipients\[0\]\.(dynamic_vars\.)?account$/);
      expect(JSON.stringify(issues)).not.toMatch(/1234567890|e200|e-200|9007199254740993/);
    }
  });

  it('accepts every number it can store exactly', () => {
    const vars = {
      a: Number.MAX_SAFE_INTEGER,
      b: -Number.MAX_SAFE_INTEGER,
      c: 0,
      d: 1e-130,
      e: 0.1,
      f: -2.5e-7,
    };
    expect(validateRecipient({ phone, dynamic_vars: vars }, 'r')).toMatchObject({ ok: true });
  });
});

describe('variables per recipient, CSV columns', () => {
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${i}`, 'x']));

  it(`allows ${LIMITS.dynamicVarsPerRecipient} variables and refuses one more, counting extra fields too`, () => {
    expect(issuesOf({ phone, dynamic_vars: many(LIMITS.dynamicVarsPerRecipient) })).toEqual([]);
    expect(issuesOf({ phone, dynamic_vars: many(LIMITS.dynamicVarsPerRecipient), extra: 1 })).toEqual([
      { path: 'recipients[0].dynamic_vars', message: expect.stringMatching(/at most 50 variables/) },
    ]);
    // 450 variables of 1 KB: the issue's case.
    const huge = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`v${i}`, 'x'.repeat(1_000)]));
    expect(() =>
      validateCreateBatchJson(
        { name: 'n', agent_id: 'agent_x', recipients: [{ phone, dynamic_vars: huge }] },
        NOW,
      ),
    ).toThrow(ValidationError);
  });

  it('refuses a CSV header of more than phone + 50 columns, with one issue on line 1', () => {
    const ok = ['phone', ...Array.from({ length: 50 }, (_, i) => `c${i}`)];
    expect(validateCsvHeader(ok)).toEqual([]);
    const wide = ['phone', ...Array.from({ length: 449 }, (_, i) => `c${i}`)];
    expect(validateCsvHeader(wide)).toEqual([
      { path: 'csv_file:line 1', message: expect.stringMatching(/has 450 columns; at most 51/) },
    ]);
  });
});

describe('text that has no UTF-8 form', () => {
  it('refuses lone surrogates in variables and free-text fields', () => {
    expect(issuesOf({ phone, note: 'a\ud800b' })[0]?.path).toBe('recipients[0].note');
    expect(issuesOf({ phone, ['k\udc00']: 'v' })).toHaveLength(1);
    expect(createAgentSchema.safeParse({ name: 'a', prompt: 'x\ud800' }).success).toBe(false);
  });

  it('readJson: a \\u escape of a lone surrogate, anywhere, is 400 invalid_request', () => {
    const event = (body: string) => ({ body, isBase64Encoded: false, headers: {} });
    expect(() => readJson(event('{"a":[{"b":"\\ud800"}]}'))).toThrow(InvalidRequestError);
    expect(() => readJson(event('{"\\udfff":1}'))).toThrow(InvalidRequestError);
    // A pair is a character: fine.
    expect(readJson(event('{"a":"\\ud83d\\ude00"}'))).toEqual({ a: '😀' });
    // A body of millions of elements is walked without overflowing the stack.
    const huge = `[${'0,'.repeat(3_000_000)}"\\udc00"]`;
    expect(() => readJson(event(huge))).toThrow(InvalidRequestError);
  });

  it('readJson: bytes that are not UTF-8 (base64 from the gateway) are 400 invalid_request', () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const event = { body: bytes.toString('base64'), isBase64Encoded: true, headers: {} };
    expect(() => readJson(event)).toThrow(/not valid UTF-8/);
  });

  it('multipart: a text field that is not UTF-8 is 400 invalid_request, not stored with U+FFFD', async () => {
    const boundary = 'b0undary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nRemind`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="agent_id"\r\n\r\nagent_x\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="csv_file"; filename="r.csv"\r\n\r\nphone\n${phone}\n\r\n--${boundary}--\r\n`,
      ),
    ]);
    await expect(
      parseCreateBatchMultipart(body, `multipart/form-data; boundary=${boundary}`, NOW),
    ).rejects.toThrow(InvalidRequestError);
  });
});

describe('local gateway body (API Gateway HTTP API, payload 2.0)', () => {
  const shape: RequestShape = {
    method: 'POST',
    rawPath: '/v1/agents',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    cookies: [],
    queryStringParameters: undefined,
  };
  const context = { routeKey: 'POST /v1/agents' } as Parameters<typeof buildProxyEvent>[1];

  it('passes a UTF-8 JSON body as text, and one that is not UTF-8 base64-encoded with its bytes intact', () => {
    const text = buildProxyEvent(shape, context, {}, Buffer.from('{"name":"é"}'));
    expect(text).toMatchObject({ isBase64Encoded: false, body: '{"name":"é"}' });

    const raw = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    const event = buildProxyEvent(shape, context, {}, raw);
    expect(event.isBase64Encoded).toBe(true);
    expect(bodyBytes({ body: event.body, isBase64Encoded: event.isBase64Encoded, headers: {} })).toEqual(raw);
  });
});

describe('agent and phone number limits', () => {
  it('refuses 26 evaluation criteria, a 600 KB telephony id and an over-long description, on POST and PATCH', () => {
    const criteria = Array.from({ length: 26 }, (_, i) => ({ id: `c${i}`, description: 'd' }));
    const cases = [
      { evaluation_criteria: criteria },
      { data_collection: criteria.map((c) => ({ ...c, type: 'string' })) },
      { telephony: { vapi_assistant_id: 'x'.repeat(600_000) } },
      { telephony: { twiml_url: `https://example.com/${'x'.repeat(2_100)}` } },
      { evaluation_criteria: [{ id: 'c', description: 'd'.repeat(1_001) }] },
    ];
    for (const extra of cases) {
      const created = createAgentSchema.safeParse({ name: 'a', prompt: 'p', ...extra });
      expect(created.success, JSON.stringify(extra).slice(0, 80)).toBe(false);
      expect(updateAgentSchema.safeParse(extra).success).toBe(false);
    }
  });

  it('refuses an over-long credential', () => {
    const input = {
      phone_number: phone,
      provider: 'retell',
      credentials: { api_key: 'k'.repeat(4_097) },
    };
    expect(createPhoneNumberSchema.safeParse(input).success).toBe(false);
  });

  it('keeps at most 10 webhook secrets however often they are rotated', () => {
    let secrets = [{ secret: 'whsec_0', expiresAt: null as string | null }];
    for (let i = 1; i <= 50; i++) secrets = rotateSecrets(secrets, `whsec_${i}`, NOW);
    expect(secrets).toHaveLength(MAX_WEBHOOK_SECRETS);
    expect(secrets[0]).toEqual({ secret: 'whsec_50', expiresAt: null });
  });
});

describe('webhook delivery ids', () => {
  it('round-trips the ids the service makes', () => {
    const batchId = newId('batch');
    const webhookId = webhookIdFor('conversation.completed', newId('recipient'));
    expect(parseDeliveryId(deliveryIdOf(batchId, webhookId))).toEqual({ batchId, webhookId });
    const batchEvent = webhookIdFor('batch.completed', batchId);
    expect(parseDeliveryId(deliveryIdOf(batchId, batchEvent))).toEqual({ batchId, webhookId: batchEvent });
  });

  it('names nothing when crafted: a #, a key over 1 KB, not an id of ours', () => {
    const batchId = newId('batch');
    const crafted = [
      deliveryIdOf(batchId, 'conversation.completed:rcp_#1'),
      deliveryIdOf(`${batchId}#x`, webhookIdFor('call.failed', newId('recipient'))),
      deliveryIdOf(batchId, `conversation.completed:${'r'.repeat(1_100)}`),
      deliveryIdOf('batch_1', webhookIdFor('call.failed', newId('recipient'))),
      deliveryIdOf(batchId, `other.event:${newId('recipient')}`),
      `whd_${'A'.repeat(2_000)}`,
      'whd_!!',
      'whd_',
    ];
    for (const id of crafted) expect(parseDeliveryId(id), id.slice(0, 60)).toBeNull();
  });
});
