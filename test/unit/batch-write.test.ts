import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { BatchWriteError, batchPutItems } from '#shared/adapters/dynamodb/batch-write.ts';

type Request = { PutRequest?: { Item: Record<string, unknown> } };
type BatchInput = { RequestItems: Record<string, Request[]> };

/** A client whose BatchWriteItem leaves the first `unprocessedRounds` answers' last item unprocessed. */
function fakeClient(unprocessedRounds: number) {
  const calls: Request[][] = [];
  let rounds = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const client = {
    async send(command: { input: BatchInput }) {
      const requests = command.input.RequestItems.t ?? [];
      calls.push(requests);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      if (rounds < unprocessedRounds) {
        rounds++;
        return { UnprocessedItems: { t: requests.slice(-1) } };
      }
      return { UnprocessedItems: {} };
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, calls, maxInFlight: () => maxInFlight };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ PK: 'p', SK: `s${i}` }));
const noSleep = async () => {};

describe('batchPutItems', () => {
  it('writes chunks of 25 with bounded parallelism', async () => {
    const fake = fakeClient(0);
    await batchPutItems(fake.client, 't', items(110), { concurrency: 3, sleep: noSleep });
    expect(fake.calls.map((c) => c.length)).toEqual([25, 25, 25, 25, 10]);
    expect(fake.calls.flat().map((r) => r.PutRequest?.Item.SK)).toHaveLength(110);
    expect(fake.maxInFlight()).toBe(3);
  });

  it('retries unprocessed items with growing, jittered delays', async () => {
    const fake = fakeClient(3);
    const delays: number[] = [];
    await batchPutItems(fake.client, 't', items(5), {
      baseDelayMs: 100,
      maxDelayMs: 250,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(fake.calls.map((c) => c.length)).toEqual([5, 1, 1, 1]);
    expect(fake.calls[1]?.[0]?.PutRequest?.Item.SK).toBe('s4');
    expect(delays).toHaveLength(3);
    [100, 200, 250].forEach((ceiling, i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(0);
      expect(delays[i]).toBeLessThan(ceiling);
    });
  });

  it('gives up after the last attempt', async () => {
    const fake = fakeClient(100);
    await expect(
      batchPutItems(fake.client, 't', items(3), { maxAttempts: 4, sleep: noSleep }),
    ).rejects.toThrow(/1 of 3 items unprocessed after 4 attempts/);
    expect(fake.calls).toHaveLength(4);
  });

  it('after a failing chunk starts no other, waits for those in flight, and says how many were started', async () => {
    const started: string[] = [];
    const finished: string[] = [];
    let failedAt = -1;
    const client = {
      async send(command: { input: BatchInput }) {
        const first = String(command.input.RequestItems.t?.[0]?.PutRequest?.Item.SK);
        started.push(first);
        if (first === 's50') {
          failedAt = finished.length;
          throw new Error('chunk 3 failed');
        }
        // The chunks in flight beside the failing one end after it.
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished.push(first);
        return { UnprocessedItems: {} };
      },
    } as unknown as DynamoDBDocumentClient;
    const error = await batchPutItems(client, 't', items(250), { concurrency: 3, sleep: noSleep }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BatchWriteError);
    expect((error as BatchWriteError).message).toMatch(/chunk 3 failed/);
    // Chunks 1–3 ran together; chunk 3 failed; nothing after it was started.
    expect(started).toEqual(['s0', 's25', 's50']);
    expect((error as BatchWriteError).startedItems).toBe(75);
    // Both chunks in flight when it failed had finished before the call returned.
    expect(failedAt).toBe(0);
    expect(finished).toEqual(['s0', 's25']);
  });
});
