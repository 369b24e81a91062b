import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { SDK_REQUEST_HANDLER } from '#shared/adapters/sdk-http.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '../functions/local-env.ts';
import { toShardRecord, type ShardRecord } from './stream-image.ts';

export type { ShardIteratorType } from '@aws-sdk/client-dynamodb-streams';

/**
 * What the stream poller reads from DynamoDB Local's streams, through the real
 * @aws-sdk/client-dynamodb-streams (DescribeStream, GetShardIterator, GetRecords) and
 * @aws-sdk/client-dynamodb (DescribeTable, for the table's latest stream), signed with the operator's
 * local key. Records come back in Lambda's form (stream-image.ts).
 */

export type StreamShard = Shard & { ShardId: string };

export interface DynamoDbStreamsApi {
  latestStreamArn(tableName: string): Promise<string>;
  listShards(streamArn: string): Promise<StreamShard[]>;
  shardIterator(input: {
    streamArn: string;
    shardId: string;
    type: ShardIteratorType;
    sequenceNumber?: string;
  }): Promise<string>;
  records(iterator: string, limit: number): Promise<{ records: ShardRecord[]; next: string | null }>;
  /** Closes the clients' connections. */
  destroy(): void;
}

/** True for an error the service answered with this type (the SDK names its exceptions so). */
export function isServiceError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

export function createDynamoDbStreamsApi(endpoint: string): DynamoDbStreamsApi {
  const config = {
    endpoint,
    region: LOCAL_SDK_REGION,
    credentials: LOCAL_CREDENTIALS,
    // Every wait has a bound (a GetRecords DynamoDB Local never answers fails after 10 s), and one
    // try per call: the poller has its own retries, with a log line each.
    requestHandler: SDK_REQUEST_HANDLER,
    maxAttempts: 1,
  };
  const tables = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);

  return {
    async latestStreamArn(tableName) {
      const out = await tables.send(new DescribeTableCommand({ TableName: tableName }));
      const arn = out.Table?.LatestStreamArn;
      if (!arn)
        throw Object.assign(new Error(`Table ${tableName} has no stream`), { name: 'StreamNotEnabled' });
      return arn;
    },
    async listShards(streamArn) {
      const shards: StreamShard[] = [];
      let start: string | undefined;
      do {
        const out = await streams.send(
          new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
        );
        for (const shard of out.StreamDescription?.Shards ?? []) {
          if (shard.ShardId) shards.push(shard as StreamShard);
        }
        start = out.StreamDescription?.LastEvaluatedShardId;
      } while (start);
      return shards;
    },
    async shardIterator({ streamArn, shardId, type, sequenceNumber }) {
      const out = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: type,
          ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
        }),
      );
      if (!out.ShardIterator) {
        throw Object.assign(new Error(`No iterator for shard ${shardId}`), { name: 'NoIterator' });
      }
      return out.ShardIterator;
    },
    async records(iterator, limit) {
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      return { records: (out.Records ?? []).map(toShardRecord), next: out.NextShardIterator ?? null };
    },
    destroy() {
      tables.destroy();
      streams.destroy();
    },
  };
}
