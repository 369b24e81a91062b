import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { normalizeStreamImage } from '#infra/local/triggers/stream-reader.ts';

/**
 * DynamoDB Local writes empty maps into stream images as `{}` (issue 11: every recipient without
 * dynamic_vars failed in the stream function and held its shard for ~150 s). The local poller hands
 * the function DynamoDB Streams' form, `{"M": {}}`, at any depth.
 */
describe('stream images from DynamoDB Local', () => {
  // As DynamoDB Local wrote it for a recipient without variables and an agent without telephony.
  const raw = {
    PK: { S: 'BATCH#b' },
    dynamicVars: {},
    telephony: {},
    nested: { M: { inner: {}, list: { L: [{}, { M: { deeper: {} } }, { S: 'x' }] } } },
    count: { N: '3' },
  };

  it('is refused by the SDK as it comes', () => {
    expect(() => unmarshall(raw as unknown as Record<string, AttributeValue>)).toThrow(/No value defined/);
  });

  it('unmarshalls once normalized, empty maps as empty objects', () => {
    const image = normalizeStreamImage(raw) as Record<string, AttributeValue>;
    expect(unmarshall(image)).toEqual({
      PK: 'BATCH#b',
      dynamicVars: {},
      telephony: {},
      nested: { inner: {}, list: [{}, { deeper: {} }, 'x'] },
      count: 3,
    });
  });
});
