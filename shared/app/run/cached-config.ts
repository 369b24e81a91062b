import { boundedCache } from '../../domain/bounded-cache.ts';
import type { Store } from '../../ports/store.ts';

/**
 * Agents and phone numbers as the run path reads them, kept in the container for a bounded time.
 * Every signed callback verified its number's secret by reading the number's item first (Vapi sends
 * about four callbacks a call, so four reads), and every outbox record needs the agent's webhook
 * subscription: configuration that changes by hand, read thousands of times a minute (issue 16).
 *
 * What staleness costs, bounded by `ttlMs` (CONFIG_CACHE_MS, 30 s): an agent's edited prompt or
 * webhook settings reach calls and events that start up to that long after the edit; a number's
 * provider or credentials are fixed at creation, and a deleted number's calls were refused at the
 * claim already. Misses are not kept (a fresh read next time), and the map is bounded
 * (domain/bounded-cache.ts).
 */
export const CONFIG_CACHE_MS = 30_000;

type ConfigReads = Pick<Store, 'getAgent' | 'getPhoneNumber'>;

export function cachedConfig<S extends ConfigReads>(
  store: S,
  options: { ttlMs: number; maxEntries?: number; now?: () => number },
): S {
  const now = options.now ?? Date.now;
  // Agents and numbers share the one bound: what the container keeps is capped by one figure.
  const entries = boundedCache<unknown>({ ttlMs: options.ttlMs, maxEntries: options.maxEntries ?? 1_000 });
  const kept = <T>(key: string, load: () => Promise<T | null>) =>
    entries.getOrLoad(key, now, load) as Promise<T | null>;

  return {
    ...store,
    getAgent: (workspaceId: string, id: string) =>
      kept(`agent#${workspaceId}#${id}`, () => store.getAgent(workspaceId, id)),
    getPhoneNumber: (workspaceId: string, id: string) =>
      kept(`phone#${workspaceId}#${id}`, () => store.getPhoneNumber(workspaceId, id)),
  };
}
