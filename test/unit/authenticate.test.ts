import { describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '#shared/domain/api-key.ts';
import { createKeyAuthenticator } from '#shared/http/authenticate.ts';

describe('the API key check every API function makes', () => {
  const key = 'bck_valid_key_for_tests_000000';
  const makeStore = (workspaceId: string | null) => ({
    resolveApiKey: vi.fn(async (hash: string) =>
      workspaceId && hash === hashApiKey(key) ? { workspaceId, keyId: 'key_1' } : null,
    ),
  });

  it('says why a request is not authenticated', async () => {
    const authenticate = createKeyAuthenticator(makeStore('ws_1'), 30);
    expect(await authenticate(undefined)).toEqual({ workspaceId: '', authError: 'missing' });
    expect(await authenticate('Basic x')).toEqual({ workspaceId: '', authError: 'malformed' });
    expect(await authenticate('Bearer other_key_123')).toEqual({
      workspaceId: '',
      authError: 'unknown_or_revoked',
    });
    expect(await authenticate(`Bearer ${key}`)).toEqual({ workspaceId: 'ws_1', authError: '' });
  });

  it('caches a successful lookup for its TTL only', async () => {
    let now = 1_000_000;
    const store = makeStore('ws_1');
    const authenticate = createKeyAuthenticator(store, 30, () => now);
    await authenticate(`Bearer ${key}`);
    now += 29_000;
    await authenticate(`Bearer ${key}`);
    expect(store.resolveApiKey).toHaveBeenCalledTimes(1);
    now += 1_001;
    await authenticate(`Bearer ${key}`);
    expect(store.resolveApiKey).toHaveBeenCalledTimes(2);
  });

  it('refuses a revoked key once its cached lookup has expired', async () => {
    let now = 1_000_000;
    let revoked = false;
    const store = {
      resolveApiKey: vi.fn(async () => (revoked ? null : { workspaceId: 'ws_1', keyId: 'key_1' })),
    };
    const authenticate = createKeyAuthenticator(store, 30, () => now);
    expect((await authenticate(`Bearer ${key}`)).workspaceId).toBe('ws_1');
    revoked = true;
    now += 30_001;
    expect(await authenticate(`Bearer ${key}`)).toEqual({ workspaceId: '', authError: 'unknown_or_revoked' });
    // And stays refused: a failure is never cached as a success.
    expect((await authenticate(`Bearer ${key}`)).workspaceId).toBe('');
  });

  it('does not cache failures, so a new key works at once', async () => {
    const store = makeStore(null);
    const authenticate = createKeyAuthenticator(store, 30);
    await authenticate(`Bearer ${key}`);
    await authenticate(`Bearer ${key}`);
    expect(store.resolveApiKey).toHaveBeenCalledTimes(2);
  });

  it('keeps at most 10,000 keys: beyond that it starts over', async () => {
    const store = { resolveApiKey: vi.fn(async () => ({ workspaceId: 'ws_1', keyId: 'key_1' })) };
    const authenticate = createKeyAuthenticator(store, 30);
    for (let i = 0; i < 10_000; i++) await authenticate(`Bearer bck_key_${String(i).padStart(6, '0')}`);
    await authenticate('Bearer bck_key_000000');
    expect(store.resolveApiKey).toHaveBeenCalledTimes(10_000);
    await authenticate('Bearer bck_key_010000'); // the 10,001st: the cache starts over with it
    await authenticate('Bearer bck_key_000000');
    expect(store.resolveApiKey).toHaveBeenCalledTimes(10_002);
  });

  it('with a TTL of 0 looks every key up', async () => {
    const store = makeStore('ws_1');
    const authenticate = createKeyAuthenticator(store, 0);
    await authenticate(`Bearer ${key}`);
    await authenticate(`Bearer ${key}`);
    expect(store.resolveApiKey).toHaveBeenCalledTimes(2);
  });
});
