import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fullJitterMs, sleep } from './backoff.ts';

/**
 * Puts many items with BatchWriteItem: chunks of 25 (the API's maximum), a few chunks in flight at a
 * time, and every chunk's UnprocessedItems retried with capped exponential backoff and full jitter
 * (the throttling answer DynamoDB expects). Gives up after a bounded number of attempts per chunk.
 * BatchWriteItem has no conditions: use it only for items nobody else can see yet.
 */

export const BATCH_WRITE_CHUNK = 25;

export interface BatchPutOptions {
  /** Chunks in flight at once. */
  concurrency?: number;
  /** Attempts per chunk, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

type PutItem = Record<string, unknown>;
type WriteRequest =
  | { PutRequest: { Item: PutItem }; DeleteRequest?: never }
  | { DeleteRequest: { Key: Record<string, unknown> }; PutRequest?: never };

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * A batch write that failed part-way. `startedItems` leading items were (or may have been) written:
 * every chunk that was started, whether it succeeded, failed or was still in flight, has settled.
 */
export class BatchWriteError extends Error {
  constructor(
    readonly startedItems: number,
    options: { cause: unknown },
  ) {
    super(
      `BatchWriteItem failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`,
      options,
    );
    this.name = 'BatchWriteError';
  }
}

/**
 * Runs `task` over `inputs` with at most `concurrency` running. After the first failure no further
 * input is started, and the tasks already running are waited for (so nothing is still writing when
 * the caller answers or cleans up); then it rejects with that first failure. Resolves with how many
 * inputs were started.
 */
export async function forEachLimited<T>(
  inputs: readonly T[],
  concurrency: number,
  task: (input: T) => Promise<void>,
): Promise<{ started: number; error: unknown } | { started: number; error?: undefined }> {
  let next = 0;
  // A holder object: TypeScript would narrow a plain `let` to its initial null.
  const failure: { first: { error: unknown } | null } = { first: null };
  const worker = async (): Promise<void> => {
    while (failure.first === null && next < inputs.length) {
      const input = inputs[next++] as T;
      try {
        await task(input);
      } catch (error) {
        failure.first ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
  return failure.first === null ? { started: next } : { started: next, error: failure.first.error };
}

async function batchWrite(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
  options: BatchPutOptions,
): Promise<void> {
  const concurrency = options.concurrency ?? 4;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  const wait = options.sleep ?? sleep;

  const writeChunk = async (chunkRequests: WriteRequest[]): Promise<void> => {
    let pending: WriteRequest[] = chunkRequests;
    for (let attempt = 1; ; attempt++) {
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
      if (unprocessed.length === 0) return;
      if (attempt >= maxAttempts) {
        throw new Error(
          `BatchWriteItem left ${unprocessed.length} of ${chunkRequests.length} items unprocessed after ${attempt} attempts`,
        );
      }
      pending = unprocessed as WriteRequest[];
      await wait(fullJitterMs(attempt - 1, baseDelayMs, maxDelayMs));
    }
  };

  const chunks = chunk(requests, BATCH_WRITE_CHUNK);
  const outcome = await forEachLimited(chunks, concurrency, writeChunk);
  if (outcome.error !== undefined) {
    const startedItems = chunks.slice(0, outcome.started).reduce((sum, c) => sum + c.length, 0);
    throw new BatchWriteError(startedItems, { cause: outcome.error });
  }
}

/** Puts items (see the top of this file); a failure is a BatchWriteError saying how many were started. */
export async function batchPutItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly PutItem[],
  options: BatchPutOptions = {},
): Promise<void> {
  await batchWrite(
    client,
    tableName,
    items.map((Item) => ({ PutRequest: { Item } })),
    options,
  );
}

/** Deletes items by key, with the same chunking and retries (deleting a missing item is not an error). */
export async function batchDeleteKeys(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  options: BatchPutOptions = {},
): Promise<void> {
  await batchWrite(
    client,
    tableName,
    keys.map((Key) => ({ DeleteRequest: { Key } })),
    options,
  );
}
