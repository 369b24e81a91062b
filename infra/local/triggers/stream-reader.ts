import type { StreamRecord } from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '../functions/local-env.ts';

/**
 * The four DynamoDB Streams calls the stream poller needs, spoken directly (JSON 1.0 over HTTP)
 * to DynamoDB Local: the project has no @aws-sdk/client-dynamodb-streams, and these calls are
 * only ever made against the local endpoint. DynamoDB Local checks that a request names an access
 * key, not its signature.
 */

export interface StreamShard {
  ShardId: string;
  ParentShardId?: string;
  SequenceNumberRange?: { StartingSequenceNumber?: string; EndingSequenceNumber?: string };
}

export interface RawStreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  dynamodb: StreamRecord & { SequenceNumber: string };
  userIdentity?: { type: string; principalId: string };
}

export type ShardIteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER';

export class StreamsApiError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = name;
  }
}

export interface DynamoDbStreamsApi {
  latestStreamArn(tableName: string): Promise<string>;
  listShards(streamArn: string): Promise<StreamShard[]>;
  shardIterator(input: {
    streamArn: string;
    shardId: string;
    type: ShardIteratorType;
    sequenceNumber?: string;
  }): Promise<string>;
  records(iterator: string, limit: number): Promise<{ records: RawStreamRecord[]; next: string | null }>;
}

export function createDynamoDbStreamsApi(endpoint: string): DynamoDbStreamsApi {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/${date}/${LOCAL_SDK_REGION}/dynamodb/aws4_request, ` +
    'SignedHeaders=content-type;host;x-amz-target, Signature=0';

  async function call<T>(target: string, body: unknown): Promise<T> {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target, authorization },
      body: JSON.stringify(body),
      // Every wait has a bound: a GetRecords DynamoDB Local never answers fails and is retried.
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new StreamsApiError(
        'InvalidResponse',
        `${target}: not JSON (${response.status})`,
        response.status,
      );
    }
    if (!response.ok) {
      const type = typeof json.__type === 'string' ? json.__type : 'UnknownError';
      const message =
        typeof json.Message === 'string' ? json.Message : ((json.message as string | undefined) ?? '');
      throw new StreamsApiError(
        type.slice(type.lastIndexOf('#') + 1),
        `${target}: ${message}`,
        response.status,
      );
    }
    return json as T;
  }

  return {
    async latestStreamArn(tableName) {
      const out = await call<{ Table?: { LatestStreamArn?: string } }>('DynamoDB_20120810.DescribeTable', {
        TableName: tableName,
      });
      const arn = out.Table?.LatestStreamArn;
      if (!arn) throw new StreamsApiError('StreamNotEnabled', `Table ${tableName} has no stream`, 400);
      return arn;
    },
    async listShards(streamArn) {
      const shards: StreamShard[] = [];
      let start: string | undefined;
      do {
        const out = await call<{
          StreamDescription?: { Shards?: StreamShard[]; LastEvaluatedShardId?: string };
        }>('DynamoDBStreams_20120810.DescribeStream', {
          StreamArn: streamArn,
          ...(start ? { ExclusiveStartShardId: start } : {}),
        });
        shards.push(...(out.StreamDescription?.Shards ?? []));
        start = out.StreamDescription?.LastEvaluatedShardId;
      } while (start);
      return shards;
    },
    async shardIterator({ streamArn, shardId, type, sequenceNumber }) {
      const out = await call<{ ShardIterator?: string }>('DynamoDBStreams_20120810.GetShardIterator', {
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
      });
      if (!out.ShardIterator)
        throw new StreamsApiError('NoIterator', `No iterator for shard ${shardId}`, 400);
      return out.ShardIterator;
    },
    async records(iterator, limit) {
      const out = await call<{ Records?: RawStreamRecord[]; NextShardIterator?: string | null }>(
        'DynamoDBStreams_20120810.GetRecords',
        { ShardIterator: iterator, Limit: limit },
      );
      return { records: out.Records ?? [], next: out.NextShardIterator ?? null };
    },
  };
}

type WireValue = Record<string, unknown>;

/**
 * DynamoDB Local writes an empty map into stream images as `{}` — an attribute value with no type —
 * where DynamoDB Streams sends `{"M": {}}`. The SDK's unmarshall refuses `{}` ("No value defined"),
 * so every record of an item with an empty map (a recipient without dynamic_vars, an agent without
 * telephony settings) failed in the stream function, deterministically: retried for ~150 s with the
 * rest of its shard waiting, then sent to the on-failure destination (issue 11). The poller hands the
 * function what DynamoDB Streams would.
 */
export function normalizeStreamImage(
  image: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (image === undefined) return undefined;
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, normalizeValue(value)]));
}

function normalizeValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const wire = value as WireValue;
  if (Object.keys(wire).length === 0) return { M: {} };
  if (wire.M && typeof wire.M === 'object')
    return { M: normalizeStreamImage(wire.M as Record<string, unknown>) };
  if (Array.isArray(wire.L)) return { L: wire.L.map(normalizeValue) };
  return value;
}
