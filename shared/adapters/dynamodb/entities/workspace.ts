import { StateConflictError } from '../../../domain/errors.ts';
import type { ApiKeyRecord, Workspace } from '../../../domain/workspace.ts';
import type { WorkspaceStore } from '../../../ports/store.ts';
import { ENTITY, keys, SK_PREFIX, workspacePartition, type TableKey } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import { NOT_EXISTS, type Item, type Table, type TransactItem } from '../table-ops.ts';
import { setLiveCallLimit } from './live-calls.ts';
import { expectEntity, read } from './parse.ts';
import { createItem, stored, type Stored } from './stored.ts';

/**
 * A workspace (WS#<ws> / WS) and its API keys: a lookup item by key hash, read on every request, and
 * a listing item under the workspace. The two key items are written, and revoked, in one transaction.
 * The workspace item also holds `liveCalls`, shard 0 of its live-call counter (./live-calls.ts).
 */

export function workspaceToItem(workspace: Workspace): Stored<Workspace> {
  return stored(workspace, keys.workspace(workspace.id), ENTITY.workspace);
}

export function itemToWorkspace(item: Item): Workspace {
  expectEntity(item, ENTITY.workspace);
  return {
    id: read.string(item, 'id'),
    name: read.string(item, 'name'),
    maxLiveCalls: read.number(item, 'maxLiveCalls'),
    createdAt: read.string(item, 'createdAt'),
  };
}

/** The lookup item read on every authenticated request: hash → workspace, key id, revoked flag. */
export interface ApiKeyLookupItem extends TableKey {
  entity: typeof ENTITY.apiKey;
  workspaceId: string;
  keyId: string;
  revoked: boolean;
  revokedAt: string | null;
}

export function apiKeyLookupItem(record: ApiKeyRecord, keyHash: string): ApiKeyLookupItem {
  return {
    ...keys.apiKeyLookup(keyHash),
    entity: ENTITY.apiKey,
    workspaceId: record.workspaceId,
    keyId: record.id,
    revoked: record.revokedAt !== null,
    revokedAt: record.revokedAt,
  };
}

/** The listing item keeps the key hash so a revoke (which knows only the key id) can reach the lookup item. */
export function apiKeyListingItem(
  record: ApiKeyRecord,
  keyHash: string,
): Stored<ApiKeyRecord & { keyHash: string }> {
  return stored(
    { ...record, keyHash },
    keys.apiKeyListing(record.workspaceId, record.id),
    ENTITY.apiKeyListing,
  );
}

export function itemToApiKeyRecord(item: Item): ApiKeyRecord {
  expectEntity(item, ENTITY.apiKeyListing);
  return {
    id: read.string(item, 'id'),
    workspaceId: read.string(item, 'workspaceId'),
    name: read.nullableString(item, 'name'),
    prefix: read.string(item, 'prefix'),
    createdAt: read.string(item, 'createdAt'),
    revokedAt: read.nullableString(item, 'revokedAt'),
  };
}

/** Both halves of a revocation; the first revocation's time stays, so revoking twice changes nothing. */
function revocation(
  tableName: string,
  workspaceId: string,
  keyId: string,
  keyHash: string,
  at: string,
): TransactItem[] {
  return [
    {
      Update: {
        TableName: tableName,
        Key: keys.apiKeyListing(workspaceId, keyId),
        UpdateExpression: 'SET #revokedAt = :at',
        ConditionExpression: 'attribute_exists(#pk) AND attribute_type(#revokedAt, :null)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#revokedAt': 'revokedAt' },
        ExpressionAttributeValues: { ':at': at, ':null': 'NULL' },
      },
    },
    {
      Update: {
        TableName: tableName,
        Key: keys.apiKeyLookup(keyHash),
        UpdateExpression: 'SET #revoked = :true, #revokedAt = :at',
        ConditionExpression: 'attribute_exists(#pk) AND #workspaceId = :ws AND #keyId = :keyId',
        ExpressionAttributeNames: {
          '#pk': TABLE.partitionKey,
          '#revoked': 'revoked',
          '#revokedAt': 'revokedAt',
          '#workspaceId': 'workspaceId',
          '#keyId': 'keyId',
        },
        ExpressionAttributeValues: { ':true': true, ':at': at, ':ws': workspaceId, ':keyId': keyId },
      },
    },
  ];
}

const isRevoked = (listing: Item): boolean => listing.revokedAt !== null && listing.revokedAt !== undefined;

export function workspaceStore(table: Table): WorkspaceStore {
  return {
    async createWorkspace(workspace) {
      await createItem(table, workspaceToItem(workspace), `Workspace ${workspace.id}`);
    },

    async getWorkspace(id) {
      const item = await table.get(keys.workspace(id));
      return item ? itemToWorkspace(item) : null;
    },

    setMaxLiveCalls: (workspaceId, limit) => setLiveCallLimit(table, workspaceId, limit),

    async createApiKey(record, keyHash) {
      const failed = await table.transact([
        { Put: { TableName: table.name, Item: apiKeyLookupItem(record, keyHash), ...NOT_EXISTS } },
        { Put: { TableName: table.name, Item: apiKeyListingItem(record, keyHash), ...NOT_EXISTS } },
      ]);
      if (failed) throw new StateConflictError(`API key ${record.id} (or its hash) already exists`);
    },

    async resolveApiKey(keyHash) {
      // Eventually consistent: a key is used long after it is made, and this runs on every request.
      const item = await table.get(keys.apiKeyLookup(keyHash), false);
      if (!item) return null;
      expectEntity(item, ENTITY.apiKey);
      if (read.boolean(item, 'revoked')) return null;
      return { workspaceId: read.string(item, 'workspaceId'), keyId: read.string(item, 'keyId') };
    },

    async listApiKeys(workspaceId) {
      const items = await table.queryPrefix(workspacePartition(workspaceId), SK_PREFIX.apiKeyListing, true);
      return items.map(itemToApiKeyRecord);
    },

    async revokeApiKey(workspaceId, keyId, at) {
      const listingKey = keys.apiKeyListing(workspaceId, keyId);
      const listing = await table.get(listingKey);
      if (!listing) return false;
      if (isRevoked(listing)) return true;
      const keyHash = read.string(listing, 'keyHash');
      const failed = await table.transact(revocation(table.name, workspaceId, keyId, keyHash, at));
      if (!failed) return true;
      // Lost a race: deleted meanwhile (false), or revoked meanwhile (true).
      const now = await table.get(listingKey);
      if (!now) return false;
      if (isRevoked(now)) return true;
      throw new StateConflictError(`API key ${keyId} could not be revoked: its lookup item does not match`);
    },
  };
}
