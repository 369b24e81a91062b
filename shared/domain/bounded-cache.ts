/**
 * What a function's container keeps between invocations (configuration, credentials, webhook
 * endpoints): each value kept until `ttlMs` after it was stored, at most `maxEntries` of them, the
 * oldest out first when full (a Map iterates in insertion order). A container lives for hours and
 * serves every workspace, so neither bound can be left out. The time is always the caller's: the
 * cache reads no clock of its own, so a use case's clock (and a test's) decides what has expired.
 */
export interface BoundedCache<V> {
  /** The value stored less than `ttlMs` before `nowMs`, or undefined. */
  get(key: string, nowMs: number): V | undefined;
  set(key: string, value: V, nowMs: number): void;
  delete(key: string): void;
  /**
   * The kept value, else `load`'s. A miss (null) is not kept: an absent item is worth a fresh read
   * next time (it may be created, or its absence is an error the caller reports).
   */
  getOrLoad(key: string, now: () => number, load: () => Promise<V | null>): Promise<V | null>;
  /**
   * One `load` for the callers that miss the same key at once (deliveries run in parallel): the
   * others wait for the first one's. Nothing is kept by it, not even a failure: once settled, the
   * next call loads again (`set` is what keeps a value).
   */
  once(key: string, load: () => Promise<V>): Promise<V>;
}

export function boundedCache<V>(options: { ttlMs: number; maxEntries: number }): BoundedCache<V> {
  const entries = new Map<string, { value: V; until: number }>();
  const loading = new Map<string, Promise<V>>();
  const cache: BoundedCache<V> = {
    get(key, nowMs) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until > nowMs) return entry.value;
      entries.delete(key);
      return undefined;
    },
    set(key, value, nowMs) {
      // Deleted first, so a value stored again counts as the newest.
      entries.delete(key);
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { value, until: nowMs + options.ttlMs });
    },
    delete(key) {
      entries.delete(key);
    },
    async getOrLoad(key, now, load) {
      const kept = cache.get(key, now());
      if (kept !== undefined) return kept;
      const value = await load();
      if (value !== null) cache.set(key, value, now());
      return value;
    },
    once(key, load) {
      const pending = loading.get(key);
      if (pending) return pending;
      const loaded = load().finally(() => loading.delete(key));
      loading.set(key, loaded);
      return loaded;
    },
  };
  return cache;
}
