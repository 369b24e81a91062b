import type { Agent } from '../../domain/agent.ts';
import { isTerminalBatchStatus, type Batch } from '../../domain/batch.ts';
import type { PhoneNumber } from '../../domain/phone-number.ts';
import type { Recipient } from '../../domain/recipient.ts';
import type { ApiKeyRecord, Workspace } from '../../domain/workspace.ts';
import type { IdempotencyRecord } from '../../ports/store.ts';
import { ENTITY, gsi, keys, type ActiveIndexAttributes, type Entity, type TableKey } from './keys.ts';
import { TABLE } from './table-definition.ts';

/**
 * Domain object ⇄ item. Items hold the domain fields as they are (camelCase) next to the key
 * attributes and the `entity` discriminator; reading an item back strips those again. Items are
 * written by this module only, so reading trusts their shape.
 */

export type Item = Record<string, unknown>;

/** Domain types are interfaces (no index signature); the intersection with Item lets the SDK take them. */
export type Stored<T> = T & TableKey & { entity: Entity } & Item;

/** Attributes that belong to the table, not to the domain object. */
const TABLE_ATTRIBUTES: readonly string[] = [
  TABLE.partitionKey,
  TABLE.sortKey,
  'entity',
  TABLE.ttlAttribute,
  TABLE.gsi1.partitionKey,
  TABLE.gsi1.sortKey,
];

function withoutAttributes(item: Item, extra: readonly string[] = []): Item {
  const copy: Item = { ...item };
  for (const name of [...TABLE_ATTRIBUTES, ...extra]) delete copy[name];
  return copy;
}

// Keys go last so a domain field can never overwrite them.
function stored<T extends object>(value: T, key: TableKey, entity: Entity): Stored<T> {
  return { ...value, ...key, entity } as Stored<T>;
}

export function workspaceToItem(workspace: Workspace): Stored<Workspace> {
  return stored(workspace, keys.workspace(workspace.id), ENTITY.workspace);
}

export function itemToWorkspace(item: Item): Workspace {
  return withoutAttributes(item) as unknown as Workspace;
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
  return withoutAttributes(item, ['keyHash']) as unknown as ApiKeyRecord;
}

export function agentToItem(agent: Agent): Stored<Agent> {
  return stored(agent, keys.agent(agent.workspaceId, agent.id), ENTITY.agent);
}

export function itemToAgent(item: Item): Agent {
  return withoutAttributes(item) as unknown as Agent;
}

export function phoneNumberToItem(phone: PhoneNumber): Stored<PhoneNumber> {
  return stored(phone, keys.phoneNumber(phone.workspaceId, phone.id), ENTITY.phoneNumber);
}

export function itemToPhoneNumber(item: Item): PhoneNumber {
  return withoutAttributes(item) as unknown as PhoneNumber;
}

/**
 * A batch that is not finished sits in the sparse GSI1 under `ACTIVE`, sorted by when it needs
 * attention (its scheduled time, else its creation), so the sweeper finds it without a Scan.
 * `dispatched` counts the recipients handed to the dial queue (see shared/app/run/).
 */
export function batchToItem(
  batch: Batch,
): Stored<Batch> & Partial<ActiveIndexAttributes> & { dispatched: number } {
  const item = { ...stored(batch, keys.batch(batch.workspaceId, batch.id), ENTITY.batch), dispatched: 0 };
  if (isTerminalBatchStatus(batch.status)) return item;
  return { ...item, ...gsi.activeBatch(batch.scheduledAt ?? batch.createdAt, batch.id) };
}

/** Attributes of the batch item that belong to running it, not to the domain object. */
const BATCH_RUN_ATTRIBUTES = ['dispatched'] as const;

export function itemToBatch(item: Item): Batch {
  return withoutAttributes(item, BATCH_RUN_ATTRIBUTES) as unknown as Batch;
}

/**
 * Marks a create in progress: written before the recipients, removed once the batch item is stored
 * (or the create undone). In GSI1 under CREATING, so the sweeper finds one a crash left behind.
 */
export function creationMarkerItem(workspaceId: string, batchId: string, startedAt: string): Item {
  return {
    ...keys.batchCreation(batchId),
    entity: ENTITY.batchCreation,
    workspaceId,
    batchId,
    startedAt,
    ...gsi.batchCreation(startedAt, workspaceId, batchId),
  };
}

/** Recipients carry their workspace id: the recipient partition is keyed by batch only. */
export function recipientToItem(recipient: Recipient): Stored<Recipient> {
  return stored(recipient, keys.recipient(recipient.batchId, recipient.index), ENTITY.recipient);
}

/** Attributes of the recipient item that belong to running it, not to the domain object. */
export const RECIPIENT_RUN_ATTRIBUTES = [
  'dispatchedAt',
  'dialingSince',
  'provider',
  'providerCallId',
  'handedOver',
  'transcriptKey',
] as const;

export function itemToRecipient(item: Item): Recipient {
  return withoutAttributes(item, RECIPIENT_RUN_ATTRIBUTES) as unknown as Recipient;
}

export function idempotencyToItem(
  record: IdempotencyRecord,
  expiresAtEpochSeconds: number,
): Stored<IdempotencyRecord> & { [TABLE.ttlAttribute]: number } {
  return {
    ...stored(record, keys.idempotency(record.workspaceId, record.key), ENTITY.idempotency),
    [TABLE.ttlAttribute]: expiresAtEpochSeconds,
  };
}

export function itemToIdempotency(item: Item): IdempotencyRecord {
  return withoutAttributes(item) as unknown as IdempotencyRecord;
}
