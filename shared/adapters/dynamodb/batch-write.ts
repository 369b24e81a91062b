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
type WriteRequest = { PutRequest?: { Item: PutItem | undefined } };

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Runs `task` over `inputs` with at most `concurrency` running; the first failure rejects. */
export async function forEachLimited<T>(
  inputs: readonly T[],
  concurrency: number,
  task: (input: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < inputs.length) {
      const input = inputs[next++] as T;
      try {
        await task(input);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
}

export async function batchPutItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly PutItem[],
  options: BatchPutOptions = {},
): Promise<void> {
  const concurrency = options.concurrency ?? 4;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  const wait = options.sleep ?? sleep;

  const writeChunk = async (chunkItems: PutItem[]): Promise<void> => {
    let pending: WriteRequest[] = chunkItems.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; ; attempt++) {
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
      if (unprocessed.length === 0) return;
      if (attempt >= maxAttempts) {
        throw new Error(
          `BatchWriteItem left ${unprocessed.length} of ${chunkItems.length} items unprocessed after ${attempt} attempts`,
        );
      }
      pending = unprocessed as WriteRequest[];
      await wait(fullJitterMs(attempt - 1, baseDelayMs, maxDelayMs));
    }
  };

  await forEachLimited(chunk(items, BATCH_WRITE_CHUNK), concurrency, writeChunk);
}
