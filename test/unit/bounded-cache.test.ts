import { describe, expect, it, vi } from 'vitest';
import { boundedCache } from '#shared/domain/bounded-cache.ts';

/** What a container keeps between invocations: for a time, a bounded number of entries. */

describe('boundedCache', () => {
  it('keeps a value until ttlMs after it was stored, by the time the caller gives', () => {
    const cache = boundedCache<string>({ ttlMs: 1_000, maxEntries: 10 });
    cache.set('a', 'one', 5_000);
    expect(cache.get('a', 5_999)).toBe('one');
    expect(cache.get('a', 6_000)).toBeUndefined();
    // Expired is gone, not revived by an earlier time.
    expect(cache.get('a', 5_500)).toBeUndefined();
  });

  it('holds at most maxEntries, the oldest stored going first', () => {
    const cache = boundedCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    cache.set('a', 'A', 0);
    cache.set('b', 'B', 0);
    // Stored again: now the newest, so `b` is the oldest.
    cache.set('a', 'A2', 1);
    cache.set('c', 'C', 2);
    expect(cache.get('b', 3)).toBeUndefined();
    expect(cache.get('a', 3)).toBe('A2');
    expect(cache.get('c', 3)).toBe('C');
  });

  it('forgets a deleted key', () => {
    const cache = boundedCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    cache.set('a', 'A', 0);
    cache.delete('a');
    expect(cache.get('a', 1)).toBeUndefined();
  });

  it('loads a miss and keeps it, but keeps no null (a miss is read again)', async () => {
    let now = 0;
    const cache = boundedCache<string>({ ttlMs: 1_000, maxEntries: 10 });
    const load = vi.fn(async () => 'value');
    expect(await cache.getOrLoad('k', () => now, load)).toBe('value');
    now = 999;
    expect(await cache.getOrLoad('k', () => now, load)).toBe('value');
    expect(load).toHaveBeenCalledOnce();
    now = 1_000;
    await cache.getOrLoad('k', () => now, load);
    expect(load).toHaveBeenCalledTimes(2);

    const absent = vi.fn(async () => null);
    expect(await cache.getOrLoad('gone', () => now, absent)).toBeNull();
    expect(await cache.getOrLoad('gone', () => now, absent)).toBeNull();
    expect(absent).toHaveBeenCalledTimes(2);
  });

  it('dates a loaded value from when its load ended', async () => {
    let now = 0;
    const cache = boundedCache<string>({ ttlMs: 1_000, maxEntries: 10 });
    await cache.getOrLoad(
      'k',
      () => now,
      async () => ((now = 500), 'slow'),
    );
    expect(cache.get('k', 1_499)).toBe('slow');
    expect(cache.get('k', 1_500)).toBeUndefined();
  });

  it('once: callers that miss together share one load', async () => {
    const cache = boundedCache<string>({ ttlMs: 1_000, maxEntries: 10 });
    let release: (value: string) => void = () => undefined;
    const load = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
    const both = Promise.all([cache.once('k', load), cache.once('k', load)]);
    release('read');
    expect(await both).toEqual(['read', 'read']);
    expect(load).toHaveBeenCalledOnce();
    // Another key is its own load; a settled one is loaded again, and `once` itself keeps nothing.
    await cache.once('other', async () => 'x');
    const again = vi.fn(async () => 'read again');
    expect(await cache.once('k', again)).toBe('read again');
    expect(cache.get('k', 0)).toBeUndefined();
  });

  it('once: a failed load reaches every waiting caller and is not kept', async () => {
    const cache = boundedCache<string>({ ttlMs: 1_000, maxEntries: 10 });
    let fail: (error: Error) => void = () => undefined;
    const failing = vi.fn(() => new Promise<string>((_, reject) => (fail = reject)));
    const both = Promise.allSettled([cache.once('k', failing), cache.once('k', failing)]);
    fail(new Error('read failed'));
    expect((await both).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failing).toHaveBeenCalledOnce();
    const next = vi.fn(async () => 'fine');
    expect(await cache.once('k', next)).toBe('fine');
    expect(next).toHaveBeenCalledOnce();
  });
});
