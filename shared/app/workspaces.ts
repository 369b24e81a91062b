import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../domain/api-key.ts';
import { NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { liveCallShardCount } from '../domain/live-call-shards.ts';
import { DEFAULT_WORKSPACE_MAX_LIVE_CALLS, type ApiKeyRecord, type Workspace } from '../domain/workspace.ts';
import type { WorkspaceStore } from '../ports/store.ts';

/**
 * Workspace and API-key administration (the admin command and the local bootstrap).
 * A key is shown once, when it is made; only its hash is stored.
 */

export interface IssuedKey {
  apiKey: string;
  record: ApiKeyRecord;
}

export async function createWorkspaceWithKey(
  store: WorkspaceStore,
  input: { name: string; workspaceId?: string; apiKey?: string },
  now: Date = new Date(),
): Promise<{ workspace: Workspace; key: IssuedKey }> {
  const workspace: Workspace = {
    id: input.workspaceId ?? newId('workspace'),
    name: input.name,
    maxLiveCalls: DEFAULT_WORKSPACE_MAX_LIVE_CALLS,
    createdAt: now.toISOString(),
  };
  await store.createWorkspace(workspace);
  const key = await issueApiKey(store, workspace.id, { name: 'default', apiKey: input.apiKey }, now);
  return { workspace, key };
}

/** Issues a key for a workspace. `apiKey` lets local mode adopt a key given in the environment. */
export async function issueApiKey(
  store: WorkspaceStore,
  workspaceId: string,
  input: { name?: string | null; apiKey?: string },
  now: Date = new Date(),
): Promise<IssuedKey> {
  if (!(await store.getWorkspace(workspaceId)))
    throw new NotFoundError(`Workspace ${workspaceId} does not exist`);
  const apiKey = input.apiKey ?? generateApiKey();
  const record: ApiKeyRecord = {
    id: newId('apiKey'),
    workspaceId,
    name: input.name ?? null,
    prefix: apiKeyDisplayPrefix(apiKey),
    createdAt: now.toISOString(),
    revokedAt: null,
  };
  await store.createApiKey(record, hashApiKey(apiKey));
  return { apiKey, record };
}

export async function listApiKeys(store: WorkspaceStore, workspaceId: string): Promise<ApiKeyRecord[]> {
  if (!(await store.getWorkspace(workspaceId)))
    throw new NotFoundError(`Workspace ${workspaceId} does not exist`);
  return store.listApiKeys(workspaceId);
}

export async function revokeApiKey(
  store: WorkspaceStore,
  workspaceId: string,
  keyId: string,
  now: Date = new Date(),
): Promise<void> {
  const revoked = await store.revokeApiKey(workspaceId, keyId, now.toISOString());
  if (!revoked) throw new NotFoundError(`Workspace ${workspaceId} has no key ${keyId}`);
}

/** The highest live-call limit the admin command sets (64 shards of about 1,560 calls). */
export const MAX_WORKSPACE_LIVE_CALLS = 100_000;

/**
 * Sets a workspace's live-call limit (the admin command): its counter is resharded for it
 * (shared/domain/live-call-shards.ts). Answers how many shards it now has.
 */
export async function setWorkspaceLiveCallLimit(
  store: WorkspaceStore,
  workspaceId: string,
  limit: number,
): Promise<number> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_WORKSPACE_LIVE_CALLS) {
    throw new RangeError(`The live-call limit must be an integer from 1 to ${MAX_WORKSPACE_LIVE_CALLS}`);
  }
  if (!(await store.setMaxLiveCalls(workspaceId, limit)))
    throw new NotFoundError(`Workspace ${workspaceId} does not exist`);
  return liveCallShardCount(limit);
}
