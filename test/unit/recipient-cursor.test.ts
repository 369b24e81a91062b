import { describe, expect, it } from 'vitest';
import {
  decodeRecipientCursor,
  encodeRecipientCursor,
} from '#shared/adapters/dynamodb/entities/recipient-query.ts';
import { InvalidRequestError } from '#shared/domain/errors.ts';

/** The recipient query's cursor: opaque to clients, valid only on the batch that made it. */
describe('recipient cursor', () => {
  it('round-trips on its own batch', () => {
    expect(decodeRecipientCursor(encodeRecipientCursor('batch_A', 49), 'batch_A')).toBe(49);
  });

  it('refuses a cursor of another batch, a malformed one and an out-of-range index', () => {
    const crafted = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      encodeRecipientCursor('batch_B', 3),
      'not base64!',
      'x'.repeat(300),
      crafted({ b: 'batch_A', i: -1 }),
      crafted({ b: 'batch_A', i: 1.5 }),
      crafted({ b: 'batch_A', i: '3' }),
      crafted(null),
      Buffer.from('{').toString('base64url'),
    ]) {
      expect(() => decodeRecipientCursor(cursor, 'batch_A'), cursor).toThrow(InvalidRequestError);
    }
  });
});
