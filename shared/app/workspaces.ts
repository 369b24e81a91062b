import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../domain/api-key.ts';
import { NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
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
