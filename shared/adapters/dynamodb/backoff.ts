/**
 * The store's retries wait the same way (throttled batch items, transaction conflicts): capped
 * exponential backoff with full jitter, so contenders spread out instead of colliding again.
 */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A random wait in [0, min(cap, base × 2^step)) ms. */
export function fullJitterMs(step: number, baseMs: number, capMs: number, random = Math.random): number {
  return random() * Math.min(capMs, baseMs * 2 ** step);
}
