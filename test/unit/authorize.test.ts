import { describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '#shared/domain/api-key.ts';
import { createAuthorizer } from '#shared/http/authorize.ts';

describe('the authorizer', () => {
  const key = 'bck_valid_key_for_tests_000000';
  const makeStore = (workspaceId: string | null) => ({
    resolveApiKey: vi.fn(async (hash: string) =>
      workspaceId && hash === hashApiKey(key) ? { workspaceId, keyId: 'key_1' } : null,
    ),
  });

  it('says why a request is not authenticated', async () => {
    const authorize = createAuthorizer(makeStore('ws_1'), 60);
    expect(await authorize(undefined)).toEqual({ workspaceId: '', authError: 'missing' });
    expect(await authorize('Basic x')).toEqual({ workspaceId: '', authError: 'malformed' });
    expect(await authorize('Bearer other_key_123')).toEqual({
      workspaceId: '',
      authError: 'unknown_or_revoked',
    });
    expect(await authorize(`Bearer ${key}`)).toEqual({ workspaceId: 'ws_1', authError: '' });
  });

  it('caches a successful lookup for its TTL only', async () => {
    let now = 1_000_000;
    const store = makeStore('ws_1');
    const authorize = createAuthorizer(store, 60, () => now);
    await authorize(`Bearer ${key}`);
    await authorize(`Bearer ${key}`);
    expect(store.resolveApiKey).toHaveBeenCalledTimes(1);
    now += 61_000;
    await authorize(`Bearer ${key}`);
    expect(store.resolveApiKey).toHaveBeenCalledTimes(2);
  });

  it('does not cache failures, so a new key works at once', async () => {
    const store = makeStore(null);
    const authorize = createAuthorizer(store, 60);
    await authorize(`Bearer ${key}`);
    await authorize(`Bearer ${key}`);
    expect(store.resolveApiKey).toHaveBeenCalledTimes(2);
  });
});
