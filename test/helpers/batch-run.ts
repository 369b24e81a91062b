import { expect } from 'vitest';
import type { TestClient } from './http-client.ts';
import { sleep } from './wait.ts';

/** The statuses a batch does not leave. */
export const FINAL_STATUSES = ['completed', 'failed', 'cancelled'];

export interface WaitForBatchEndOptions {
  /** How long the batch may take to finish. */
  timeoutMs: number;
  /** Pause between polls of the detail (default 200 ms). */
  intervalMs?: number;
  /** Check on every poll that pending + dialing + completed + failed + skipped = total_recipients (default on). */
  checkCounts?: boolean;
}

/**
 * Polls `GET /v1/agents/batch-calls/:id` until the batch reaches a final status and returns the
 * detail body (`{ batch, recipients, ... }`). Every poll must answer 200 and, unless turned off, the
 * counts must add up to the batch's recipients.
 */
export async function waitForBatchEnd(
  c: TestClient,
  batchId: string,
  { timeoutMs, intervalMs = 200, checkCounts = true }: WaitForBatchEndOptions,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await c.get(`/v1/agents/batch-calls/${batchId}`);
    expect(res.status, res.text).toBe(200);
    const { batch, recipients } = res.body;
    const counts = batch.counts;
    if (checkCounts)
      expect(counts.pending + counts.dialing + counts.completed + counts.failed + counts.skipped).toBe(
        batch.total_recipients,
      );
    if (FINAL_STATUSES.includes(batch.status)) return res.body;
    if (Date.now() > deadline)
      throw new Error(
        `batch ${batchId} still ${batch.status} after ${timeoutMs} ms: ${JSON.stringify(counts)}, ${recipients?.length} recipients`,
      );
    await sleep(intervalMs);
  }
}

/**
 * Creates a batch with `POST /v1/agents/batch-calls` (expecting 202) and waits for it to end;
 * returns its id and the final detail body.
 */
export async function runBatchToEnd(
  c: TestClient,
  body: Record<string, unknown>,
  options: WaitForBatchEndOptions,
) {
  const res = await c.post('/v1/agents/batch-calls', body);
  expect(res.status, res.text).toBe(202);
  const batchId = res.body.id as string;
  return { batchId, done: await waitForBatchEnd(c, batchId, options) };
}

/**
 * Creates a batch and polls its detail until it is `paused` (a guardrail, a refused credential);
 * returns its id and that detail. Throws when it ends or `timeoutMs` passes first.
 */
export async function runBatchUntilPaused(c: TestClient, body: Record<string, unknown>, timeoutMs: number) {
  const res = await c.post('/v1/agents/batch-calls', body);
  expect(res.status, res.text).toBe(202);
  const batchId = res.body.id as string;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const detail = (await c.get(`/v1/agents/batch-calls/${batchId}`)).body;
    // Paused, and no call still being placed (a dial under way when it paused finishes first).
    if (detail.batch.status === 'paused' && detail.batch.counts.dialing === 0)
      return { batchId, paused: detail };
    if (FINAL_STATUSES.includes(detail.batch.status) || Date.now() > deadline) {
      throw new Error(`batch ${batchId} is ${detail.batch.status}, not paused`);
    }
    await sleep(200);
  }
}
