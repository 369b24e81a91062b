import { boundedCache } from '../../domain/bounded-cache.ts';
import type { SecretStore } from '../../ports/secret-store.ts';

/**
 * Provider credentials kept in the container for a bounded time. Without it every Twilio call read
 * its secret up to five times (dial, each signed callback, the sweeper's reconcile), and Secrets
 * Manager's $0.05 per 10,000 reads cost more than all of DynamoDB per call (issue 16).
 *
 * Safe to keep: a credential's ref names its phone number (`batch-calls/<ws>/<pn>`), credentials
 * are only written when the number is created and removed with it, and every reader has read the
 * number's item first, so a deleted number is never dialed from a stale entry. A write or delete
 * through this container drops its entry at once; other containers keep theirs at most `ttlMs`.
 * Misses (no such secret) are not kept: they are errors worth a fresh read.
 */
export function cachedSecretStore(
  inner: SecretStore,
  options: { ttlMs: number; maxEntries?: number; now?: () => number },
): SecretStore {
  const now = options.now ?? Date.now;
  const entries = boundedCache<Record<string, string>>({
    ttlMs: options.ttlMs,
    maxEntries: options.maxEntries ?? 500,
  });
  return {
    get: (ref) => entries.getOrLoad(ref, now, () => inner.get(ref)),
    async put(ref, values) {
      entries.delete(ref);
      await inner.put(ref, values);
    },
    async delete(ref) {
      entries.delete(ref);
      await inner.delete(ref);
    },
  };
}
