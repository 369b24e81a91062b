import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { StreamSourceSpec } from '../../wiring.ts';
import { describeError } from '../http-helpers.ts';
import { startBacklogWatch, type BacklogSample } from './backlog-watch.ts';
import { compileFilters } from './filter-pattern.ts';
import { createBatchProcessor, lastSequence, type StreamFailureDescription } from './stream-batch.ts';
import type { StreamCheckpoints } from './stream-checkpoints.ts';
import type { ShardRecord } from './stream-image.ts';
import {
  isServiceError,
  type DynamoDbStreamsApi,
  type ShardIteratorType,
  type StreamShard,
} from './stream-reader.ts';

export type { StreamFailureDescription } from './stream-batch.ts';

/**
 * Plays Lambda's DynamoDB Streams event source mapping for one STREAM_SOURCES entry, against
 * DynamoDB Local: follows every shard (a parent before its children), filters records with the
 * entry's patterns, invokes the function with at most `batchSize` records, and applies the entry's
 * error handling (stream-batch.ts). One batch at a time per shard, in order (parallelizationFactor 1).
 * Progress is checkpointed per shard. Records are read with the AWS SDK's DynamoDB Streams client
 * (stream-reader.ts).
 */

export interface StreamPollerOptions {
  source: StreamSourceSpec;
  api: DynamoDbStreamsApi;
  tableName: string;
  checkpoints: StreamCheckpoints;
  /** Runs the function; resolves with its result, rejects when it throws or times out. */
  invoke(event: DynamoDBStreamEvent): Promise<unknown>;
  /** The on-failure destination: receives Lambda's description of records given up on. */
  sendFailure(description: StreamFailureDescription): Promise<void>;
  /** The function's ARN, named in failure descriptions. */
  functionArn: string;
  /** Pause after an empty read. */
  idlePollMs?: number;
  /** How often the stream is described again to find new shards. */
  discoverIntervalMs?: number;
  /** First backoff before a retry, doubled per attempt up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  stopTimeoutMs?: number;
  /** Records waiting longer than this are reported (10 s unless given). */
  backlogThresholdMs?: number;
  /** How often the backlog is sampled (2 s unless given); 0 turns the watch off. */
  backlogIntervalMs?: number;
  log?: (message: string) => void;
}

export interface StreamPoller {
  stop(): Promise<void>;
}

/** GetRecords' maximum; filtering happens before batching, as in Lambda. */
const READ_LIMIT = 1000;

export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const { source, api, checkpoints } = options;
  const label = `[stream ${source.function}]`;
  const log = options.log ?? ((message: string) => console.error(message));
  const idlePollMs = options.idlePollMs ?? 200;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const matches = compileFilters(source.filters);

  let stopped = false;
  let signalStop: () => void = () => undefined;
  const stopSignal = new Promise<void>((resolve) => (signalStop = resolve));
  const pause = (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const slept = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([slept, stopSignal]).finally(() => clearTimeout(timer));
  };

  /** What each shard's worker awaits and since when: named in a backlog warning. */
  const phases = new Map<string, { what: string; since: number }>();
  const phase = (shardId: string, what: string) => phases.set(shardId, { what, since: Date.now() });

  let streamArn: string | null = null;
  let firstRun = true;
  const known = new Map<string, StreamShard>();
  const workers = new Map<string, Promise<void>>();

  const finished = (shardId: string) =>
    streamArn !== null && checkpoints.get(streamArn, shardId)?.finished === true;

  async function checkpoint(shardId: string, sequenceNumber: string | null, done = false): Promise<void> {
    if (streamArn === null) return;
    phase(shardId, 'saving its checkpoint');
    await checkpoints.set(streamArn, shardId, { sequenceNumber, finished: done });
  }

  const processBatch = createBatchProcessor({
    source,
    functionArn: options.functionArn,
    streamArn: () => streamArn,
    invoke: options.invoke,
    sendFailure: options.sendFailure,
    checkpoint: (shardId, sequenceNumber) => checkpoint(shardId, sequenceNumber),
    phase,
    pause,
    stopped: () => stopped,
    retryBaseMs,
    retryMaxMs,
    label,
    log,
  });

  async function processRecords(shardId: string, read: ShardRecord[]): Promise<boolean> {
    const records: DynamoDBRecord[] = read.map((r) => ({ ...r, eventSourceARN: streamArn ?? '' }));
    const passing = records.filter((r) => matches(r));
    for (let i = 0; i < passing.length; i += source.batchSize) {
      if (!(await processBatch(shardId, passing.slice(i, i + source.batchSize)))) return false;
    }
    // Records filtered out after the last batch are done too.
    await checkpoint(shardId, lastSequence(records));
    return true;
  }

  // --- following shards ------------------------------------------------------------------------

  async function firstIterator(
    arn: string,
    shard: StreamShard,
    startAtLatest: boolean,
  ): Promise<string | null> {
    const saved = checkpoints.get(arn, shard.ShardId);
    if (saved?.sequenceNumber) {
      try {
        return await api.shardIterator({
          streamArn: arn,
          shardId: shard.ShardId,
          type: 'AFTER_SEQUENCE_NUMBER',
          sequenceNumber: saved.sequenceNumber,
        });
      } catch (error) {
        if (!isServiceError(error, 'TrimmedDataAccessException')) throw error;
        log(`${label} checkpoint of ${shard.ShardId} is past the stream's retention; reading from its start`);
      }
    }
    const type: ShardIteratorType = !saved && startAtLatest ? 'LATEST' : 'TRIM_HORIZON';
    try {
      return await api.shardIterator({ streamArn: arn, shardId: shard.ShardId, type });
    } catch (error) {
      if (isServiceError(error, 'ResourceNotFoundException')) return null;
      throw error;
    }
  }

  async function followShard(arn: string, shard: StreamShard, startAtLatest: boolean): Promise<void> {
    let iterator = await firstIterator(arn, shard, startAtLatest);
    if (iterator === null) {
      await checkpoint(shard.ShardId, checkpoints.get(arn, shard.ShardId)?.sequenceNumber ?? null, true);
      return;
    }
    if (!checkpoints.get(arn, shard.ShardId)) await checkpoint(shard.ShardId, null);
    while (!stopped) {
      let read: Awaited<ReturnType<DynamoDbStreamsApi['records']>>;
      try {
        phase(shard.ShardId, 'reading records (GetRecords)');
        read = await api.records(iterator, READ_LIMIT);
      } catch (error) {
        if (stopped) return;
        if (isServiceError(error, 'ExpiredIteratorException')) {
          iterator = await firstIterator(arn, shard, false);
          if (iterator === null) return;
          continue;
        }
        throw error;
      }
      if (read.records.length > 0 && !(await processRecords(shard.ShardId, read.records))) return;
      if (read.next === null) {
        // A closed shard read to its end: its children may start now.
        await checkpoint(shard.ShardId, checkpoints.get(arn, shard.ShardId)?.sequenceNumber ?? null, true);
        return;
      }
      iterator = read.next;
      if (read.records.length === 0) {
        phase(shard.ShardId, 'idle');
        await pause(idlePollMs);
      }
    }
  }

  function startReadyShards(arn: string): void {
    const startAtLatest = firstRun && source.startingPosition === 'LATEST' && !checkpoints.knowsStream(arn);
    for (const shard of known.values()) {
      if (stopped || workers.has(shard.ShardId) || finished(shard.ShardId)) continue;
      const parent = shard.ParentShardId;
      // Lambda reads a parent shard to its end before its children, so per-item order holds.
      if (parent && known.has(parent) && !finished(parent)) continue;
      const worker = followShard(
        arn,
        shard,
        startAtLatest && !shard.SequenceNumberRange?.EndingSequenceNumber,
      )
        .catch(async (error: unknown) => {
          log(`${label} shard ${shard.ShardId}: ${describeError(error)}; retrying`);
          await pause(1_000);
        })
        .finally(() => {
          workers.delete(shard.ShardId);
          phases.delete(shard.ShardId);
          if (!stopped) startReadyShards(arn);
        });
      workers.set(shard.ShardId, worker);
    }
    firstRun = false;
  }

  const discovery = (async () => {
    while (!stopped) {
      try {
        streamArn ??= await api.latestStreamArn(options.tableName);
        for (const shard of await api.listShards(streamArn)) known.set(shard.ShardId, shard);
        startReadyShards(streamArn);
      } catch (error) {
        if (stopped) break;
        if (isServiceError(error, 'ResourceNotFoundException')) streamArn = null;
        log(`${label} cannot read the stream of ${options.tableName}: ${describeError(error)}`);
      }
      await pause(options.discoverIntervalMs ?? 2_000);
    }
  })();

  /**
   * How long the oldest record after any open shard's checkpoint has waited, read from the stream
   * itself rather than from the worker's state, so a worker that waits, died or was never started is
   * seen alike. DynamoDB Local rounds ApproximateCreationDateTime down to the minute, so a record's
   * wait is the later of "first seen waiting by this watch" and "created + 60 s" — a stalled checkpoint
   * shows after the threshold, a slow-moving one once it is surely a minute behind.
   */
  const firstSeen = new Map<string, { sequenceNumber: string; at: number }>();
  async function backlog(): Promise<BacklogSample> {
    const arn = streamArn;
    if (arn === null) return { oldestSince: null };
    let oldest: { since: number; shardId: string } | null = null;
    for (const shard of known.values()) {
      const saved = checkpoints.get(arn, shard.ShardId);
      if (!saved || saved.finished) continue;
      const iterator = await api.shardIterator({
        streamArn: arn,
        shardId: shard.ShardId,
        ...(saved.sequenceNumber
          ? { type: 'AFTER_SEQUENCE_NUMBER' as const, sequenceNumber: saved.sequenceNumber }
          : { type: 'TRIM_HORIZON' as const }),
      });
      const first = (await api.records(iterator, 1)).records[0];
      if (!first) {
        firstSeen.delete(shard.ShardId);
        continue;
      }
      const sequenceNumber = first.dynamodb.SequenceNumber;
      let seen = firstSeen.get(shard.ShardId);
      if (seen?.sequenceNumber !== sequenceNumber) {
        seen = { sequenceNumber, at: Date.now() };
        firstSeen.set(shard.ShardId, seen);
      }
      const created = first.dynamodb.ApproximateCreationDateTime;
      const since = created === undefined ? seen.at : Math.min(seen.at, created * 1000 + 60_000);
      if (oldest === null || since < oldest.since) oldest = { since, shardId: shard.ShardId };
    }
    if (oldest === null) return { oldestSince: null };
    const doing = phases.get(oldest.shardId);
    const detail = doing
      ? `its worker on ${oldest.shardId} has been ${doing.what} for ${Math.round((Date.now() - doing.since) / 1000)} s`
      : `no worker follows ${oldest.shardId}`;
    return { oldestSince: oldest.since, detail };
  }
  const watchInterval = options.backlogIntervalMs ?? 2_000;
  const watch =
    watchInterval > 0
      ? startBacklogWatch({
          label,
          sample: backlog,
          intervalMs: watchInterval,
          thresholdMs: options.backlogThresholdMs,
          log,
        })
      : null;

  return {
    async stop() {
      stopped = true;
      watch?.stop();
      signalStop();
      const bound = new Promise<void>((resolve) =>
        setTimeout(resolve, options.stopTimeoutMs ?? 5_000).unref(),
      );
      await Promise.race([Promise.allSettled([discovery, ...workers.values()]), bound]);
    },
  };
}
