import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { StreamSourceSpec } from '../../wiring.ts';
import { describeError } from '../http-helpers.ts';

/**
 * One batch of stream records through the function, with Lambda's error handling for stream event
 * sources: reportBatchItemFailures (resume from the first failed record), bisectBatchOnError (split a
 * failing batch and retry the halves; splitting does not count as a retry), retryAttempts and
 * maxRecordAgeSeconds (-1 = unlimited), then the on-failure destination.
 */

/** What Lambda sends to a stream source's on-failure destination. */
export interface StreamFailureDescription {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface StreamBatchContext {
  source: StreamSourceSpec;
  /** The function's ARN, named in failure descriptions. */
  functionArn: string;
  streamArn(): string | null;
  invoke(event: DynamoDBStreamEvent): Promise<unknown>;
  sendFailure(description: StreamFailureDescription): Promise<void>;
  /** Saves the shard's position after `sequenceNumber`. */
  checkpoint(shardId: string, sequenceNumber: string | null): Promise<void>;
  /** Notes what the shard's worker is waiting on, for the backlog warning. */
  phase(shardId: string, what: string): void;
  /** Sleeps, or returns early when the poller stops. */
  pause(ms: number): Promise<void>;
  stopped(): boolean;
  retryBaseMs: number;
  retryMaxMs: number;
  label: string;
  log(message: string): void;
}

interface WorkItem {
  records: DynamoDBRecord[];
  /** Failed invocations of these records (splits excluded). */
  attempts: number;
}

export const lastSequence = (records: DynamoDBRecord[]) => records.at(-1)?.dynamodb?.SequenceNumber ?? null;

/** Handles one batch to its end (processed or given up on); false when stopped first. */
export function createBatchProcessor(
  ctx: StreamBatchContext,
): (shardId: string, batch: DynamoDBRecord[]) => Promise<boolean> {
  const { source, label, log } = ctx;

  function failureDescription(
    shardId: string,
    records: DynamoDBRecord[],
    condition: StreamFailureDescription['requestContext']['condition'],
    invokeCount: number,
  ): StreamFailureDescription {
    const seq = (r: DynamoDBRecord | undefined) => r?.dynamodb?.SequenceNumber ?? '';
    const arrival = (r: DynamoDBRecord | undefined) =>
      new Date((r?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
    return {
      requestContext: {
        requestId: randomUUID(),
        functionArn: ctx.functionArn,
        condition,
        approximateInvokeCount: invokeCount,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: seq(records[0]),
        endSequenceNumber: seq(records.at(-1)),
        approximateArrivalOfFirstRecord: arrival(records[0]),
        approximateArrivalOfLastRecord: arrival(records.at(-1)),
        batchSize: records.length,
        streamArn: ctx.streamArn() ?? '',
      },
    };
  }

  async function giveUp(
    shardId: string,
    records: DynamoDBRecord[],
    condition: StreamFailureDescription['requestContext']['condition'],
    invokeCount: number,
  ): Promise<void> {
    const description = failureDescription(shardId, records, condition, invokeCount);
    log(
      `${label} gave up on ${records.length} record(s) of ${shardId} (${condition}); sent to the on-failure destination`,
    );
    for (let attempt = 1; ; attempt++) {
      try {
        ctx.phase(shardId, 'sending to the on-failure destination');
        await ctx.sendFailure(description);
        return;
      } catch (error) {
        if (attempt >= 3 || ctx.stopped()) {
          log(`${label} could not send to the on-failure destination: ${describeError(error)}`);
          return;
        }
        await ctx.pause(ctx.retryBaseMs);
      }
    }
  }

  /** The index of the first failed record, null for success, or 'error' when the whole batch failed. */
  async function invoke(shardId: string, records: DynamoDBRecord[]): Promise<number | null | 'error'> {
    let result: unknown;
    ctx.phase(shardId, `invoking ${source.function} with ${records.length} record(s)`);
    try {
      result = await ctx.invoke({ Records: records });
    } catch (error) {
      log(`${label} ${source.function} failed on ${records.length} record(s): ${describeError(error)}`);
      return 'error';
    }
    if (typeof result !== 'object' || result === null || !('batchItemFailures' in result)) return null;
    const failures = (result as { batchItemFailures: unknown }).batchItemFailures;
    if (failures === null || failures === undefined) return null;
    if (!Array.isArray(failures)) return 'error';
    let first: number | null = null;
    for (const failure of failures as unknown[]) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      const index = records.findIndex((r) => r.dynamodb?.SequenceNumber === id);
      // Lambda treats an identifier that is not in the batch as a failure of the whole batch.
      if (typeof id !== 'string' || index === -1) return 'error';
      first = first === null ? index : Math.min(first, index);
    }
    return first;
  }

  const isExpired = (record: DynamoDBRecord) =>
    source.maxRecordAgeSeconds >= 0 &&
    Date.now() - (record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000 >
      source.maxRecordAgeSeconds * 1000;

  return async function processBatch(shardId, batch) {
    const work: WorkItem[] = [{ records: batch, attempts: 0 }];
    while (work.length > 0) {
      if (ctx.stopped()) return false;
      const item = work[0] as WorkItem;
      const expired = item.attempts > 0 ? item.records.filter(isExpired) : [];
      if (expired.length > 0) {
        // Records are in order: the expired ones are the front of the batch.
        await giveUp(shardId, expired, 'RecordAgeExceeded', item.attempts);
        await ctx.checkpoint(shardId, lastSequence(expired));
        item.records = item.records.slice(expired.length);
        if (item.records.length === 0) {
          work.shift();
          continue;
        }
      }
      const outcome = await invoke(shardId, item.records);
      if (outcome === null) {
        await ctx.checkpoint(shardId, lastSequence(item.records));
        work.shift();
        continue;
      }
      if (outcome === 'error' && source.bisectBatchOnError && item.records.length > 1) {
        const half = Math.ceil(item.records.length / 2);
        work.splice(
          0,
          1,
          { records: item.records.slice(0, half), attempts: item.attempts },
          { records: item.records.slice(half), attempts: item.attempts },
        );
        ctx.phase(shardId, 'pausing before retrying the halves of a failed batch');
        await ctx.pause(ctx.retryBaseMs);
        continue;
      }
      if (typeof outcome === 'number' && outcome > 0) {
        // The records before the first failure are done; the retry starts at the failure.
        await ctx.checkpoint(shardId, lastSequence(item.records.slice(0, outcome)));
        item.records = item.records.slice(outcome);
      }
      item.attempts += 1;
      if (source.retryAttempts >= 0 && item.attempts > source.retryAttempts) {
        await giveUp(shardId, item.records, 'RetryAttemptsExhausted', item.attempts);
        await ctx.checkpoint(shardId, lastSequence(item.records));
        work.shift();
        continue;
      }
      ctx.phase(shardId, `pausing before retry ${item.attempts}`);
      await ctx.pause(Math.min(ctx.retryBaseMs * 2 ** (item.attempts - 1), ctx.retryMaxMs));
    }
    return true;
  };
}
