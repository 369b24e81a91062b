import type { _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, StreamRecord } from 'aws-lambda';

/**
 * Stream records as the SDK reads them from DynamoDB Local, turned into what Lambda hands a stream
 * function: images in DynamoDB Streams' wire form (binary values base64, empty maps `{"M": {}}`) and
 * ApproximateCreationDateTime in epoch seconds.
 */

/** A record of one shard in Lambda's form; the poller adds the stream's ARN (eventSourceARN). */
export type ShardRecord = Omit<DynamoDBRecord, 'eventSourceARN' | 'dynamodb'> & {
  dynamodb: StreamRecord & { SequenceNumber: string };
};

export function toShardRecord(record: SdkStreamRecord): ShardRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return {
    ...(record.eventID !== undefined ? { eventID: record.eventID } : {}),
    ...(record.eventName !== undefined ? { eventName: record.eventName } : {}),
    ...(record.eventVersion !== undefined ? { eventVersion: record.eventVersion } : {}),
    eventSource: 'aws:dynamodb',
    ...(record.awsRegion !== undefined ? { awsRegion: record.awsRegion } : {}),
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: created.getTime() / 1000 } : {}),
      ...(stream.Keys ? { Keys: normalizeStreamImage(stream.Keys) } : {}),
      ...(stream.NewImage ? { NewImage: normalizeStreamImage(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: normalizeStreamImage(stream.OldImage) } : {}),
      SequenceNumber: stream.SequenceNumber ?? '',
      ...(stream.SizeBytes !== undefined ? { SizeBytes: stream.SizeBytes } : {}),
      ...(stream.StreamViewType !== undefined ? { StreamViewType: stream.StreamViewType } : {}),
    } as ShardRecord['dynamodb'],
    ...(record.userIdentity?.Type && record.userIdentity.PrincipalId
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
  };
}

/**
 * DynamoDB Local writes an empty map into stream images as `{}` — an attribute value with no type —
 * where DynamoDB Streams sends `{"M": {}}`. The SDK's stream client passes `{}` through as it is (it
 * does not refuse it, nor repair it), and the SDK's unmarshall then refuses it ("No value defined"),
 * so every record of an item with an empty map (a recipient without dynamic_vars, an agent without
 * telephony settings) failed in the stream function, deterministically: retried for ~150 s with the
 * rest of its shard waiting, then sent to the on-failure destination (issue 11). The poller hands the
 * function what DynamoDB Streams would, at any depth; binary values, which the SDK reads as bytes,
 * go back to the event's base64.
 */
export function normalizeStreamImage(
  image: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (image === undefined) return undefined;
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, normalizeValue(value)]));
}

function normalizeValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const wire = value as Record<string, unknown>;
  if (Object.keys(wire).length === 0) return { M: {} };
  if (wire.M && typeof wire.M === 'object')
    return { M: normalizeStreamImage(wire.M as Record<string, unknown>) };
  if (Array.isArray(wire.L)) return { L: wire.L.map(normalizeValue) };
  if (wire.B instanceof Uint8Array) return { B: base64(wire.B) };
  if (Array.isArray(wire.BS)) return { BS: wire.BS.map((b) => (b instanceof Uint8Array ? base64(b) : b)) };
  return value;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
