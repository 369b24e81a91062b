import { bearerToken, hashApiKey, isWellFormedApiKey } from '../domain/api-key.ts';
import type { WorkspaceStore } from '../ports/store.ts';
import type { AuthorizerContext } from './api-request.ts';

/**
 * API key → workspace. Answers a context rather than a deny: API Gateway HTTP APIs cannot shape the
 * body of an authorizer's 401/403, and the contract wants its error envelope and X-Request-ID on every
 * answer, so the api function turns an empty workspace into the 401 (and fails closed without one).
 *
 * Lookups are cached in memory per key hash for `ttlSeconds` (only successes: a key made a second ago
 * must work at once). Revoking a key therefore takes effect within that time.
 */
export function createAuthorizer(
  store: Pick<WorkspaceStore, 'resolveApiKey'>,
  ttlSeconds: number,
  clock = Date.now,
) {
  const cache = new Map<string, { workspaceId: string; until: number }>();
  const MAX_ENTRIES = 10_000;

  return async function authorize(authorization: string | undefined): Promise<AuthorizerContext> {
    if (!authorization) return { workspaceId: '', authError: 'missing' };
    const token = bearerToken(authorization);
    if (!token || !isWellFormedApiKey(token)) return { workspaceId: '', authError: 'malformed' };

    const hash = hashApiKey(token);
    const cached = cache.get(hash);
    if (cached && cached.until > clock()) return { workspaceId: cached.workspaceId, authError: '' };

    const resolved = await store.resolveApiKey(hash);
    if (!resolved) {
      cache.delete(hash);
      return { workspaceId: '', authError: 'unknown_or_revoked' };
    }
    if (ttlSeconds > 0) {
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(hash, { workspaceId: resolved.workspaceId, until: clock() + ttlSeconds * 1000 });
    }
    return { workspaceId: resolved.workspaceId, authError: '' };
  };
}
