import { describe, expect, it } from 'vitest';
import { cachedSecretStore } from '#shared/adapters/secrets/cached-secret-store.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';

function countingStore(): SecretStore & { reads: number; values: Map<string, Record<string, string>> } {
  const values = new Map<string, Record<string, string>>();
  const store = {
    reads: 0,
    values,
    async get(ref: string) {
      store.reads++;
      return values.get(ref) ?? null;
    },
    async put(ref: string, v: Record<string, string>) {
      values.set(ref, v);
    },
    async delete(ref: string) {
      values.delete(ref);
    },
  };
  return store;
}

describe('cached secret store', () => {
  it('reads a secret once per TTL, and again after it', async () => {
    let now = 0;
    const inner = countingStore();
    inner.values.set('a', { token: '1' });
    const cached = cachedSecretStore(inner, { ttlMs: 1_000, now: () => now });
    expect(await cached.get('a')).toEqual({ token: '1' });
    expect(await cached.get('a')).toEqual({ token: '1' });
    expect(inner.reads).toBe(1);
    now = 1_000;
    inner.values.set('a', { token: '2' });
    expect(await cached.get('a')).toEqual({ token: '2' });
    expect(inner.reads).toBe(2);
  });

  it('does not keep misses, and drops an entry it writes or deletes', async () => {
    const inner = countingStore();
    const cached = cachedSecretStore(inner, { ttlMs: 60_000 });
    expect(await cached.get('b')).toBeNull();
    expect(await cached.get('b')).toBeNull();
    expect(inner.reads).toBe(2);
    await cached.put('b', { token: 'x' });
    expect(await cached.get('b')).toEqual({ token: 'x' });
    await cached.put('b', { token: 'y' });
    expect(await cached.get('b')).toEqual({ token: 'y' });
    await cached.delete('b');
    expect(await cached.get('b')).toBeNull();
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const inner = countingStore();
    for (const ref of ['a', 'b', 'c']) inner.values.set(ref, { ref });
    const cached = cachedSecretStore(inner, { ttlMs: 60_000, maxEntries: 2 });
    await cached.get('a');
    await cached.get('b');
    await cached.get('c');
    const before = inner.reads;
    await cached.get('c');
    await cached.get('b');
    expect(inner.reads).toBe(before);
    await cached.get('a');
    expect(inner.reads).toBe(before + 1);
  });
});
