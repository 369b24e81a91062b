import type { LocalServiceOptions } from './local-service.ts';

/** What names a request AWS refused as malformed, in a function's logged error. */
const REFUSAL = 'ValidationException';

/**
 * Watches the functions' output for a request AWS refused as malformed (a `ValidationException`:
 * two operations on one item in a transaction, an item over 400 KB, an expression naming a value it
 * lacks). Never a fault to tolerate: always a request we built wrong, and one the same input rebuilds
 * every time. Functions log at ERROR in tests, so such a refusal shows only as a log line, and a run
 * can still end well by a slower path (the sweeper) that hides it: a test asserts `take()` is empty.
 * The output is still forwarded to the test's own streams.
 */
export function watchMalformedRequests(): {
  output: NonNullable<LocalServiceOptions['output']>;
  /** The refusals seen since the last take (so each test answers for its own). */
  take(): string[];
} {
  let seen: string[] = [];
  // The end of each stream's previous chunk, so a name split across two chunks is still found.
  const tails = new Map<string, string>();
  return {
    output(name, stream, chunk) {
      const key = `${name} ${stream}`;
      const text = (tails.get(key) ?? '') + chunk.toString('utf8');
      // One character short of the name: a refusal wholly inside the tail was already counted.
      tails.set(key, text.slice(-(REFUSAL.length - 1)));
      const at = text.indexOf(REFUSAL);
      if (at >= 0) seen.push(`${name}: ${text.slice(Math.max(0, at - 200), at + 300)}`);
    },
    take() {
      const taken = seen;
      seen = [];
      return taken;
    },
  };
}
