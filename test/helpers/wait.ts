/**
 * The one set of waiting helpers the tests share: a plain pause, a wait for a condition, and a wait
 * for a value. Every timeout names what it waited for, so a failing test says what never happened.
 */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** How long to wait before failing. */
  timeoutMs: number;
  /** Named in the error on timeout: "timed out waiting for <what>". */
  what: string;
  /** Pause between checks (default 25 ms). */
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than `undefined`, `null` or `false`, and returns that
 * value; throws `timed out waiting for <what>` once `timeoutMs` has passed.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs, what, intervalMs = 25 }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Waits until `check()` holds; throws `timed out waiting for <what>` after `timeoutMs`. */
export async function until(
  check: () => boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 25,
): Promise<void> {
  await waitFor(() => check() || undefined, { timeoutMs, what, intervalMs });
}

/**
 * Reads a value until `done(value)` holds or `timeoutMs` has passed, and returns the last value read
 * without throwing: for the waits a test follows with its own assertion on that value, so a
 * failure shows the value, not only that time ran out.
 */
export async function pollUntil<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs, intervalMs = 25 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(intervalMs);
  }
}
