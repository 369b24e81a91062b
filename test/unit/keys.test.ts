import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '#shared/adapters/dynamodb/cursor.ts';
import { keys, padRecipientIndex, SK_PREFIX } from '#shared/adapters/dynamodb/keys.ts';
import { InvalidRequestError } from '#shared/domain/errors.ts';

describe('key builders', () => {
  it('builds the documented keys', () => {
    expect(keys.workspace('ws_1')).toEqual({ PK: 'WS#ws_1', SK: 'WS' });
    expect(keys.apiKeyLookup('ab12')).toEqual({ PK: 'KEY#ab12', SK: 'KEY' });
    expect(keys.apiKeyListing('ws_1', 'key_1')).toEqual({ PK: 'WS#ws_1', SK: 'APIKEY#key_1' });
    expect(keys.agent('ws_1', 'agent_1')).toEqual({ PK: 'WS#ws_1', SK: 'AGENT#agent_1' });
    expect(keys.phoneNumber('ws_1', 'pn_1')).toEqual({ PK: 'WS#ws_1', SK: 'PHONE#pn_1' });
    expect(keys.batch('ws_1', 'batch_1')).toEqual({ PK: 'WS#ws_1', SK: 'BATCH#batch_1' });
    expect(keys.recipient('batch_1', 7)).toEqual({ PK: 'BATCH#batch_1', SK: 'R#0007' });
  });

  it('zero-pads recipient indexes to 4 digits so key order is input order', () => {
    expect(padRecipientIndex(0)).toBe('0000');
    expect(padRecipientIndex(42)).toBe('0042');
    expect(padRecipientIndex(999)).toBe('0999');
    expect(padRecipientIndex(9999)).toBe('9999');
    const sks = [0, 1, 2, 9, 10, 99, 100, 999].map((i) => keys.recipient('b', i).SK);
    expect([...sks].sort()).toEqual(sks);
  });

  it('refuses indexes that cannot be padded to 4 digits', () => {
    for (const bad of [-1, 10_000, 1.5, Number.NaN])
      expect(() => padRecipientIndex(bad)).toThrow(/recipient index/);
  });

  it('hashes the idempotency key into a fixed-length segment, per workspace', () => {
    const key = keys.idempotency('ws_1', 'order#42');
    expect(key.SK).toBe('IDEM');
    expect(key.PK).toMatch(/^IDEM#ws_1#[0-9a-f]{64}$/);
    expect(key.PK).not.toContain('order');
    expect(keys.idempotency('ws_1', 'order#42')).toEqual(key);
    expect(keys.idempotency('ws_2', 'order#42').PK).not.toBe(key.PK);
    expect(keys.idempotency('ws_1', 'order#43').PK).not.toBe(key.PK);
  });

  it('keeps the namespaces of one workspace partition apart', () => {
    const sks = [
      keys.workspace('ws_1').SK,
      keys.apiKeyListing('ws_1', 'x_1').SK,
      keys.agent('ws_1', 'x_1').SK,
      keys.phoneNumber('ws_1', 'x_1').SK,
      keys.batch('ws_1', 'x_1').SK,
    ];
    expect(new Set(sks).size).toBe(sks.length);
    // No listing prefix is a prefix of another, so begins_with never mixes kinds.
    const prefixes = Object.values(SK_PREFIX);
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(b.startsWith(a)).toBe(false);
    // Partitions of different kinds never collide either.
    const pks = [
      keys.workspace('x').PK,
      keys.apiKeyLookup('x').PK,
      keys.recipient('x', 0).PK,
      keys.idempotency('x', 'x').PK,
    ];
    expect(new Set(pks).size).toBe(pks.length);
  });

  it('refuses empty segments and segments holding "#"', () => {
    expect(() => keys.workspace('')).toThrow(/workspace id/);
    expect(() => keys.batch('ws_1', 'batch_1#R')).toThrow(/batch id/);
    expect(() => keys.agent('ws#2', 'agent_1')).toThrow(/workspace id/);
    expect(() => keys.apiKeyLookup('')).toThrow(/key hash/);
  });
});

describe('cursors', () => {
  const expected = { partition: 'WS#ws_1', skPrefix: SK_PREFIX.batch };

  const batchId = 'batch_01JF0000000000000000000000';

  it('round-trips a key as opaque base64url', () => {
    const cursor = encodeCursor(keys.batch('ws_1', batchId));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, expected)).toEqual({ PK: 'WS#ws_1', SK: `BATCH#${batchId}` });
  });

  it('refuses cursors of another partition, another list, or malformed ones', () => {
    const bad = [
      encodeCursor(keys.batch('ws_2', batchId)),
      encodeCursor(keys.agent('ws_1', 'agent_1')),
      encodeCursor({ PK: 'WS#ws_1', SK: 'BATCH#' }),
      // Crafted sort keys: not an id of ours (a `#`, or past DynamoDB's 1 KB sort key).
      encodeCursor({ PK: 'WS#ws_1', SK: 'BATCH#batch_9' }),
      encodeCursor({ PK: 'WS#ws_1', SK: `BATCH#${batchId}#x` }),
      encodeCursor({ PK: 'WS#ws_1', SK: `BATCH#${'x'.repeat(1_100)}` }),
      Buffer.from('{"PK":"WS#ws_1"}').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      Buffer.from('not json').toString('base64url'),
      'a=b',
      '',
    ];
    for (const cursor of bad) {
      expect(() => decodeCursor(cursor, expected), cursor).toThrow(InvalidRequestError);
      try {
        decodeCursor(cursor, expected);
      } catch (error) {
        expect((error as InvalidRequestError).fields).toEqual([
          { path: 'cursor', message: 'is not a valid cursor' },
        ]);
      }
    }
  });
});
