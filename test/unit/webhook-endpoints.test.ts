import { describe, expect, it, vi } from 'vitest';
import { createEndpointCache, type EndpointView } from '#shared/app/run/webhook-endpoints.ts';

/** The delivery function's per-container view of an endpoint (agent settings and breaker). */

const ref = { workspaceId: 'ws_1', agentId: 'agent_1' };
const view: EndpointView = { settings: null, health: null };

describe('the endpoint cache', () => {
  it('reads once for deliveries that miss at the same time, and again after that read settled', async () => {
    const cache = createEndpointCache(5_000);
    let release: () => void = () => undefined;
    const load = vi.fn(() => new Promise<EndpointView>((resolve) => (release = () => resolve(view))));
    const both = Promise.all([cache.once(ref, load), cache.once(ref, load)]);
    release();
    expect(await both).toEqual([view, view]);
    expect(load).toHaveBeenCalledOnce();
    // Once settled, the next miss reads again (the cache's `put` is what keeps a view).
    const again = vi.fn(async () => view);
    await cache.once(ref, again);
    expect(again).toHaveBeenCalledOnce();
  });

  it('keeps a view for its bound only, and forgets it after a breaker write', () => {
    const cache = createEndpointCache(5_000);
    cache.put(ref, view, 1_000);
    expect(cache.get(ref, 5_999)).toBe(view);
    expect(cache.get(ref, 6_000)).toBeUndefined();
    cache.put(ref, view, 1_000);
    cache.forget(ref);
    expect(cache.get(ref, 1_001)).toBeUndefined();
  });
});
