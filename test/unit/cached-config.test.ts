import { describe, expect, it, vi } from 'vitest';
import { cachedConfig } from '#shared/app/run/cached-config.ts';
import type { Store } from '#shared/ports/store.ts';

/** Agents and numbers kept for a bounded time in a run function's container. */

function setup() {
  let now = 1_000;
  const store = {
    getAgent: vi.fn(async (_ws: string, id: string) => (id === 'missing' ? null : { id, v: now })),
    getPhoneNumber: vi.fn(async (_ws: string, id: string) => ({ id, v: now })),
    other: vi.fn(async () => 'untouched'),
  };
  const cached = cachedConfig(store as unknown as Pick<Store, 'getAgent' | 'getPhoneNumber'>, {
    ttlMs: 30_000,
    maxEntries: 2,
    now: () => now,
  });
  return { store, cached, advance: (ms: number) => (now += ms) };
}

describe('cached configuration', () => {
  it('reads an agent once within its bound, again after it', async () => {
    const { store, cached, advance } = setup();
    await cached.getAgent('ws', 'a');
    advance(29_999);
    await cached.getAgent('ws', 'a');
    expect(store.getAgent).toHaveBeenCalledOnce();
    advance(2);
    await cached.getAgent('ws', 'a');
    expect(store.getAgent).toHaveBeenCalledTimes(2);
  });

  it('keeps no miss, tells workspaces apart, and stays bounded', async () => {
    const { store, cached } = setup();
    expect(await cached.getAgent('ws', 'missing')).toBeNull();
    expect(await cached.getAgent('ws', 'missing')).toBeNull();
    expect(store.getAgent).toHaveBeenCalledTimes(2);
    await cached.getPhoneNumber('ws1', 'p');
    await cached.getPhoneNumber('ws2', 'p');
    expect(store.getPhoneNumber).toHaveBeenCalledTimes(2);
    // Bounded at two entries: a third pushes the oldest out.
    await cached.getPhoneNumber('ws3', 'p');
    await cached.getPhoneNumber('ws1', 'p');
    expect(store.getPhoneNumber).toHaveBeenCalledTimes(4);
  });

  it('passes every other read and write through', async () => {
    const { cached } = setup();
    expect(await (cached as unknown as { other(): Promise<string> }).other()).toBe('untouched');
  });
});
