import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { normalizeStreamImage, toShardRecord } from '#infra/local/triggers/stream-image.ts';

/**
 * DynamoDB Local writes empty maps into stream images as `{}` (issue 11: every recipient without
 * dynamic_vars failed in the stream function and held its shard for ~150 s), and the SDK's DynamoDB
 * Streams client passes `{}` through untouched. The local poller hands the function DynamoDB Streams'
 * form, `{"M": {}}`, at any depth.
 */
describe('stream images from DynamoDB Local', () => {
  // As DynamoDB Local wrote it (and the SDK's stream client read it) for a recipient without variables
  // and an agent without telephony.
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

  it('becomes a Lambda stream record: base64 binaries, creation time in epoch seconds', () => {
    const sdkRecord = {
      eventID: 'e1',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-01-02T03:04:00Z'),
        Keys: { PK: { S: 'BATCH#b' } },
        NewImage: { ...raw, blob: { B: new Uint8Array([1, 2, 3]) }, blobs: { BS: [new Uint8Array([4])] } },
        OldImage: { PK: { S: 'BATCH#b' }, dynamicVars: {} },
        SequenceNumber: '000000000000000000007',
        SizeBytes: 65,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    } as unknown as SdkStreamRecord;
    const record = toShardRecord(sdkRecord);
    expect(record).toMatchObject({
      eventID: 'e1',
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-01-02T03:04:00Z') / 1000,
        Keys: { PK: { S: 'BATCH#b' } },
        SequenceNumber: '000000000000000000007',
        SizeBytes: 65,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(record.dynamodb.NewImage?.dynamicVars).toEqual({ M: {} });
    expect(record.dynamodb.NewImage?.blob).toEqual({ B: 'AQID' });
    expect(record.dynamodb.NewImage?.blobs).toEqual({ BS: ['BA=='] });
    expect(record.dynamodb.OldImage?.dynamicVars).toEqual({ M: {} });
    // What a Lambda event carries crosses a structured clone (the worker boundary) unchanged.
    expect(structuredClone(record)).toEqual(record);
  });
});
