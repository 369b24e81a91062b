import { bearerToken, hashApiKey, isWellFormedApiKey } from '../domain/api-key.ts';
import { boundedCache } from '../domain/bounded-cache.ts';
import type { WorkspaceStore } from '../ports/store.ts';

/**
 * API key → workspace, done by every function that serves an API-key route, before its route
 * handler runs (there is no Lambda authorizer in front: it added a cold start and an invocation to
 * every request). Fails closed: no key, a malformed one, an unknown or a revoked one give no
 * workspace, and the caller answers 401 without touching any workspace data.
 *
 * Successful lookups are kept in memory per key hash for `ttlSeconds` (failures never: a key made a
 * second ago must work at once), in at most MAX_ENTRIES entries, so one container does not read the
 * key item on every request. A revoked key therefore stops working within `ttlSeconds`
 * (AUTH_CACHE_TTL_SECONDS, 30 s by default; docs/architecture.md, "Authentication").
 */
export interface KeyAuthentication {
  /** Empty when the request is not authenticated; `authError` says why. */
  workspaceId: string;
  authError: '' | 'missing' | 'malformed' | 'unknown_or_revoked';
}

export type Authenticate = (authorization: string | undefined) => Promise<KeyAuthentication>;

/** The cache's bound, oldest out first (10,000 keys per container is far above any real use). */
const MAX_ENTRIES = 10_000;

/** The 401 message for each reason a request is not authenticated. */
export const AUTH_MESSAGES: Record<KeyAuthentication['authError'], string> = {
  '': 'Send your API key as `Authorization: Bearer <key>`.',
  missing: 'Send your API key as `Authorization: Bearer <key>`.',
  malformed: 'The Authorization header is not a valid bearer token.',
  unknown_or_revoked: 'The API key is unknown or has been revoked.',
};

export function createKeyAuthenticator(
  store: Pick<WorkspaceStore, 'resolveApiKey'>,
  ttlSeconds: number,
  clock = Date.now,
): Authenticate {
  const cache = boundedCache<string>({ ttlMs: ttlSeconds * 1000, maxEntries: MAX_ENTRIES });
  const workspaceOf = async (hash: string) => (await store.resolveApiKey(hash))?.workspaceId ?? null;

  return async function authenticate(authorization) {
    if (!authorization) return { workspaceId: '', authError: 'missing' };
    const token = bearerToken(authorization);
    if (!token || !isWellFormedApiKey(token)) return { workspaceId: '', authError: 'malformed' };

    const hash = hashApiKey(token);
    const workspaceId =
      ttlSeconds > 0 ? await cache.getOrLoad(hash, clock, () => workspaceOf(hash)) : await workspaceOf(hash);
    return workspaceId === null
      ? { workspaceId: '', authError: 'unknown_or_revoked' }
      : { workspaceId, authError: '' };
  };
}
