import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { failedConditions, isConditionFailure, oldItemOf } from './aws-errors.ts';
import { createTable, prefixQuery, tableKeyOf } from './table-ops.ts';
import type { Agent } from '../../domain/agent.ts';
import { isTerminalBatchStatus, type Batch, type BatchStatus } from '../../domain/batch.ts';
import { StateConflictError } from '../../domain/errors.ts';
import type { PhoneNumber } from '../../domain/phone-number.ts';
import type { Recipient } from '../../domain/recipient.ts';
import type { ApiKeyRecord, Workspace } from '../../domain/workspace.ts';
import type { BatchFilter, IdempotencyRecord, Page, PageRequest, Store } from '../../ports/store.ts';
import { BatchWriteError, type BatchPutOptions } from './batch-write.ts';
import { assertStorable } from './item-size.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { gsi, keys, recipientPartition, SK_PREFIX, workspacePartition } from './keys.ts';
import {
  agentToItem,
  apiKeyListingItem,
  apiKeyLookupItem,
  batchToItem,
  creationMarkerItem,
  idempotencyToItem,
  itemToAgent,
  itemToApiKeyRecord,
  itemToBatch,
  itemToIdempotency,
  itemToPhoneNumber,
  itemToRecipient,
  itemToWorkspace,
  phoneNumberToItem,
  recipientToItem,
  workspaceToItem,
  type Item,
} from './mappers.ts';
import { TABLE } from './table-definition.ts';
import { retryOnConflict } from './conflicts.ts';

/**
 * The Store port on one DynamoDB table (layout: ./keys.ts). Every state change is a conditional
 * write; a lost condition becomes a StateConflictError, so the domain never sees an SDK exception.
 * Single-item reads are strongly consistent: a client that just created something can read it back.
 */

/** Longer than any API request can run (API Gateway gives up after 30 s): such a claim was abandoned. */
export const IDEMPOTENCY_STALE_CLAIM_MS = 2 * 60 * 1000;

function isStaleClaim(record: IdempotencyRecord, now: Date): boolean {
  return (
    record.state === 'in_progress' &&
    Date.parse(record.createdAt) < now.getTime() - IDEMPOTENCY_STALE_CLAIM_MS
  );
}

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The clock used for idempotency expiry; tests move it. */
  clock?: () => Date;
  /** Tuning of the recipients' BatchWriteItem (parallelism, retries). */
  batchWrite?: BatchPutOptions;
}

/** A batch transition lost its condition; `current` is the batch as it was then (null: it does not exist). */
export class BatchStateConflictError extends StateConflictError {
  constructor(
    message: string,
    readonly current: Batch | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BatchStateConflictError';
  }
}

const TRANSITION_FIELDS = ['startedAt', 'completedAt', 'cancelledAt', 'failureReason'] as const;

/** Items a filtered listing examines per Query: Limit counts items before the filter drops any. */
const FILTERED_QUERY_MIN_LIMIT = 100;
const FILTERED_QUERY_MAX_LIMIT = 1_000;

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`Page limit must be a positive integer, got ${limit}`);
}

interface QueryFilter {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export function createDynamoStore(options: DynamoStoreOptions): Store {
  const { client, tableName } = options;
  const clock = options.clock ?? (() => new Date());
  const table = createTable(client, tableName);
  const getItem = table.get;

  /** Puts an item that must not exist yet; a conflict says what already exists. */
  async function putNew(item: Item, what: string): Promise<void> {
    assertStorable(item, what);
    const written = await table.putNew(item);
    if (!written.ok) throw new StateConflictError(`${what} already exists`, { cause: written.cause });
  }

  const deleteExisting = table.deleteExisting;
  const queryAll = table.queryPrefix;

  /**
   * One page of a listing. Reads until it holds one item more than the page (or the partition ends),
   * so `nextCursor` is null exactly when nothing follows. The cursor is the key of the last item
   * RETURNED, not DynamoDB's LastEvaluatedKey: items read past the page (or dropped by the filter)
   * are read again by the next page, so none is skipped and none repeated.
   */
  async function queryPage<T>(params: {
    partition: string;
    skPrefix: string;
    page: PageRequest;
    newestFirst: boolean;
    filter: QueryFilter | null;
    toDomain: (item: Item) => T;
  }): Promise<Page<T>> {
    const { partition, skPrefix, page, filter } = params;
    checkLimit(page.limit);
    const wanted = page.limit + 1;
    const perQuery = filter
      ? Math.min(FILTERED_QUERY_MAX_LIMIT, Math.max(FILTERED_QUERY_MIN_LIMIT, wanted * 4))
      : wanted;
    const base = { TableName: tableName, ...prefixQuery(partition, skPrefix) };
    const input: QueryCommandInput = {
      ...base,
      ScanIndexForward: !params.newestFirst,
      Limit: perQuery,
      ...(filter
        ? {
            FilterExpression: filter.expression,
            ExpressionAttributeNames: { ...base.ExpressionAttributeNames, ...filter.names },
            ExpressionAttributeValues: { ...base.ExpressionAttributeValues, ...filter.values },
          }
        : {}),
    };

    let startKey: Record<string, unknown> | undefined = page.cursor
      ? decodeCursor(page.cursor, { partition, skPrefix })
      : undefined;
    const collected: Item[] = [];
    do {
      const out = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      collected.push(...((out.Items ?? []) as Item[]));
      startKey = out.LastEvaluatedKey;
    } while (collected.length < wanted && startKey);

    const items = collected.slice(0, page.limit);
    const last = items.at(-1);
    const nextCursor = collected.length > page.limit && last ? encodeCursor(tableKeyOf(last)) : null;
    return { items: items.map(params.toDomain), nextCursor };
  }

  function batchFilter(filter: BatchFilter): QueryFilter | null {
    const clauses: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    if (filter.status !== undefined) {
      clauses.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = filter.status;
    }
    if (filter.agentId !== undefined) {
      clauses.push('#agentId = :agentId');
      names['#agentId'] = 'agentId';
      values[':agentId'] = filter.agentId;
    }
    return clauses.length === 0 ? null : { expression: clauses.join(' AND '), names, values };
  }

  async function currentBatch(error: unknown, workspaceId: string, id: string): Promise<Batch | null> {
    const old = oldItemOf(error) ?? (await getItem(keys.batch(workspaceId, id)));
    return old ? itemToBatch(old) : null;
  }

  /**
   * Undoes a failed create, best effort and bounded: deletes the recipients that may have been
   * written, then the marker. If any delete fails the marker stays, and the sweeper finishes the job.
   */
  async function undoCreation(batchId: string, written: readonly Item[]): Promise<void> {
    try {
      await table.batchDelete(written.map(tableKeyOf), {
        ...options.batchWrite,
        maxAttempts: Math.min(options.batchWrite?.maxAttempts ?? 3, 3),
      });
      await table.delete({ Key: keys.batchCreation(batchId) });
    } catch {
      // Left to the sweeper: the marker still names the batch.
    }
  }

  const idempotencyNames = { '#pk': TABLE.partitionKey, '#state': 'state', '#response': 'response' };

  return {
    // ── workspaces and API keys ──────────────────────────────────────────────────────────────
    async createWorkspace(workspace: Workspace): Promise<void> {
      await putNew(workspaceToItem(workspace), `Workspace ${workspace.id}`);
    },

    async getWorkspace(id: string): Promise<Workspace | null> {
      const item = await getItem(keys.workspace(id));
      return item ? itemToWorkspace(item) : null;
    },

    async createApiKey(record: ApiKeyRecord, keyHash: string): Promise<void> {
      const condition = {
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      };
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: apiKeyLookupItem(record, keyHash), ...condition } },
              { Put: { TableName: tableName, Item: apiKeyListingItem(record, keyHash), ...condition } },
            ],
          }),
        );
      } catch (error) {
        if (failedConditions(error) !== null) {
          throw new StateConflictError(`API key ${record.id} (or its hash) already exists`, { cause: error });
        }
        throw error;
      }
    },

    async resolveApiKey(keyHash: string): Promise<{ workspaceId: string; keyId: string } | null> {
      // Eventually consistent: a key is used long after it is made, and this runs on every request.
      const item = await getItem(keys.apiKeyLookup(keyHash), false);
      if (!item || item.revoked === true) return null;
      const { workspaceId, keyId } = item;
      if (typeof workspaceId !== 'string' || typeof keyId !== 'string') return null;
      return { workspaceId, keyId };
    },

    async listApiKeys(workspaceId: string): Promise<ApiKeyRecord[]> {
      const items = await queryAll(workspacePartition(workspaceId), SK_PREFIX.apiKeyListing, true);
      return items.map(itemToApiKeyRecord);
    },

    async revokeApiKey(workspaceId: string, keyId: string, at: string): Promise<boolean> {
      const listingKey = keys.apiKeyListing(workspaceId, keyId);
      const listing = await getItem(listingKey);
      if (!listing) return false;
      if (listing.revokedAt !== null && listing.revokedAt !== undefined) return true;
      const keyHash = listing.keyHash;
      if (typeof keyHash !== 'string') throw new Error(`API key ${keyId} has no key hash`);
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: listingKey,
                  // The first revocation's time stays: revoking twice changes nothing.
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
                  ExpressionAttributeValues: {
                    ':true': true,
                    ':at': at,
                    ':ws': workspaceId,
                    ':keyId': keyId,
                  },
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (failedConditions(error) === null) throw error;
        // Lost a race: deleted meanwhile (false), or revoked meanwhile (true).
        const now = await getItem(listingKey);
        if (!now) return false;
        if (now.revokedAt !== null && now.revokedAt !== undefined) return true;
        throw new StateConflictError(
          `API key ${keyId} could not be revoked: its lookup item does not match`,
          {
            cause: error,
          },
        );
      }
    },

    // ── phone numbers ─────────────────────────────────────────────────────────────────────────
    async putPhoneNumber(phone: PhoneNumber): Promise<void> {
      await putNew(phoneNumberToItem(phone), `Phone number ${phone.id}`);
    },

    async getPhoneNumber(workspaceId: string, id: string): Promise<PhoneNumber | null> {
      const item = await getItem(keys.phoneNumber(workspaceId, id));
      return item ? itemToPhoneNumber(item) : null;
    },

    async listPhoneNumbers(workspaceId: string, page: PageRequest): Promise<Page<PhoneNumber>> {
      return queryPage({
        partition: workspacePartition(workspaceId),
        skPrefix: SK_PREFIX.phoneNumber,
        page,
        newestFirst: false,
        filter: null,
        toDomain: itemToPhoneNumber,
      });
    },

    async deletePhoneNumber(workspaceId: string, id: string): Promise<boolean> {
      return deleteExisting(keys.phoneNumber(workspaceId, id));
    },

    // ── agents ────────────────────────────────────────────────────────────────────────────────
    async putAgent(agent: Agent): Promise<void> {
      await putNew(agentToItem(agent), `Agent ${agent.id}`);
    },

    async replaceAgent(agent: Agent, expectedUpdatedAt: string): Promise<void> {
      const item = agentToItem(agent);
      assertStorable(item, `Agent ${agent.id}`);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_exists(#pk) AND #updatedAt = :expected',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#updatedAt': 'updatedAt' },
            ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const old = oldItemOf(error) ?? (await getItem(keys.agent(agent.workspaceId, agent.id)));
        const message = old
          ? `Agent ${agent.id} was changed meanwhile (updated at ${String(old.updatedAt)}, expected ${expectedUpdatedAt})`
          : `Agent ${agent.id} does not exist`;
        throw new StateConflictError(message, { cause: error });
      }
    },

    async getAgent(workspaceId: string, id: string): Promise<Agent | null> {
      const item = await getItem(keys.agent(workspaceId, id));
      return item ? itemToAgent(item) : null;
    },

    async listAgents(workspaceId: string, page: PageRequest): Promise<Page<Agent>> {
      return queryPage({
        partition: workspacePartition(workspaceId),
        skPrefix: SK_PREFIX.agent,
        page,
        newestFirst: false,
        filter: null,
        toDomain: itemToAgent,
      });
    },

    async deleteAgent(workspaceId: string, id: string): Promise<boolean> {
      return deleteExisting(keys.agent(workspaceId, id));
    },

    // ── batches and recipients ────────────────────────────────────────────────────────────────
    /**
     * A refused or failed create stores nothing (docs/limits.md, "A refused create stores nothing"):
     *  1. every item is checked against DynamoDB's limits before anything is written;
     *  2. a creation marker (one item, in the sparse index under CREATING) is written first;
     *  3. the recipients (BatchWriteItem): after a failing chunk no other starts, and those in flight
     *     settle before this returns;
     *  4. the batch item (conditional put), then the marker is removed.
     * On a failure the recipients written are deleted (bounded retries) and then the marker. What a
     * crash or a failed clean-up leaves behind is still under its marker, which the sweeper finds once
     * it is older than any request can run (discardAbandonedBatchCreation). The happy path costs two
     * writes per batch (marker put and delete), none per recipient.
     */
    async createBatch(batch: Batch, recipients: Recipient[]): Promise<void> {
      for (const recipient of recipients) {
        if (recipient.batchId !== batch.id || recipient.workspaceId !== batch.workspaceId) {
          throw new Error(`Recipient ${recipient.id} does not belong to batch ${batch.id}`);
        }
      }
      const recipientItems = recipients.map(recipientToItem);
      const batchItem = batchToItem(batch);
      recipientItems.forEach((item, i) => assertStorable(item, `Recipient ${i}`, `recipients[${i}]`));
      assertStorable(batchItem, 'The batch');

      if (recipientItems.length === 0) {
        await putNew(batchItem, `Batch ${batch.id}`);
        return;
      }
      const marker = creationMarkerItem(batch.workspaceId, batch.id, clock().toISOString());
      await table.put({ Item: marker });
      try {
        await table.batchPut(recipientItems, options.batchWrite);
      } catch (error) {
        const started = error instanceof BatchWriteError ? error.startedItems : recipientItems.length;
        await undoCreation(batch.id, recipientItems.slice(0, started));
        throw error;
      }
      try {
        await putNew(batchItem, `Batch ${batch.id}`);
      } catch (error) {
        // A put whose answer was lost may have stored the batch: only a batch known to be absent
        // (or another one under this id) is undone now; otherwise the sweeper decides later.
        if (error instanceof StateConflictError) {
          await table.deleteQuietly(keys.batchCreation(batch.id));
        } else if ((await getItem(keys.batch(batch.workspaceId, batch.id)).catch(() => undefined)) === null) {
          await undoCreation(batch.id, recipientItems);
        }
        throw error;
      }
      await table.deleteQuietly(keys.batchCreation(batch.id));
    },

    async listAbandonedBatchCreations(startedBefore: string) {
      const items = await table.queryIndexUpTo(gsi.CREATING, `${startedBefore}~`);
      return items.flatMap((item) => {
        const [, workspaceId, batchId] = String(item[TABLE.gsi1.sortKey]).split('#');
        return workspaceId && batchId ? [{ workspaceId, batchId }] : [];
      });
    },

    async discardAbandonedBatchCreation(workspaceId: string, batchId: string) {
      if (await getItem(keys.batch(workspaceId, batchId))) {
        // The batch was stored; only its marker was left.
        await deleteExisting(keys.batchCreation(batchId));
        return { discardedRecipients: 0 };
      }
      const recipientKeys = (await queryAll(recipientPartition(batchId), SK_PREFIX.recipient, true)).map(
        tableKeyOf,
      );
      await table.batchDelete(recipientKeys, options.batchWrite);
      await deleteExisting(keys.batchCreation(batchId));
      return { discardedRecipients: recipientKeys.length };
    },

    async getBatch(workspaceId: string, id: string): Promise<Batch | null> {
      const item = await getItem(keys.batch(workspaceId, id));
      return item ? itemToBatch(item) : null;
    },

    async listRecipients(batchId: string): Promise<Recipient[]> {
      // Consistent: this runs right after the batch appears and must see every recipient written before it.
      const items = await queryAll(recipientPartition(batchId), SK_PREFIX.recipient, true);
      return items.map(itemToRecipient);
    },

    async listBatches(workspaceId: string, filter: BatchFilter, page: PageRequest): Promise<Page<Batch>> {
      return queryPage({
        partition: workspacePartition(workspaceId),
        skPrefix: SK_PREFIX.batch,
        page,
        newestFirst: true,
        filter: batchFilter(filter),
        toDomain: itemToBatch,
      });
    },

    async transitionBatch(
      workspaceId: string,
      id: string,
      from: readonly BatchStatus[],
      to: BatchStatus,
      changes: Partial<Pick<Batch, 'startedAt' | 'completedAt' | 'cancelledAt' | 'failureReason'>>,
    ): Promise<Batch> {
      if (from.length === 0) throw new Error('transitionBatch needs at least one source status');
      const names: Record<string, string> = { '#pk': TABLE.partitionKey, '#status': 'status' };
      const values: Record<string, unknown> = { ':to': to };
      const sets = ['#status = :to'];
      from.forEach((status, i) => {
        values[`:from${i}`] = status;
      });
      for (const field of TRANSITION_FIELDS) {
        const value = changes[field];
        if (value === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
      const sources = from.map((_, i) => `:from${i}`).join(', ');
      // A finished batch leaves the sweeper's index of active batches.
      const leaveIndex = isTerminalBatchStatus(to)
        ? ` REMOVE ${TABLE.gsi1.partitionKey}, ${TABLE.gsi1.sortKey}`
        : '';
      try {
        // The batch item is hot while it runs (every claim and call end moves its counts).
        const out = await retryOnConflict(() =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.batch(workspaceId, id),
              UpdateExpression: `SET ${sets.join(', ')}${leaveIndex}`,
              ConditionExpression: `attribute_exists(#pk) AND #status IN (${sources})`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_NEW',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        if (!out.Attributes) throw new Error(`UpdateItem on batch ${id} returned no attributes`);
        return itemToBatch(out.Attributes);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const current = await currentBatch(error, workspaceId, id);
        const message = current
          ? `Batch ${id} is ${current.status}, not ${from.join(' or ')}: cannot move it to ${to}`
          : `Batch ${id} does not exist`;
        throw new BatchStateConflictError(message, current, { cause: error });
      }
    },

    // ── idempotency ───────────────────────────────────────────────────────────────────────────
    async claimIdempotencyKey(
      record: IdempotencyRecord,
      ttlSeconds: number,
    ): Promise<IdempotencyRecord | null> {
      const key = keys.idempotency(record.workspaceId, record.key);
      // Two rounds: a record seen taken can be released (or expire) before we read it back.
      for (let round = 0; round < 2; round++) {
        const nowSeconds = Math.floor(clock().getTime() / 1000);
        try {
          await client.send(
            new PutCommand({
              TableName: tableName,
              Item: idempotencyToItem(record, nowSeconds + ttlSeconds),
              // TTL deletes lazily (up to days later): an expired record counts as absent. So does a
              // claim still "in progress" long after any request could run (its Lambda died mid-work):
              // otherwise the client would be locked out of its own key for 24 hours.
              ConditionExpression:
                'attribute_not_exists(#pk) OR #expiresAt < :now OR (#state = :inProgress AND #createdAt < :staleBefore)',
              ExpressionAttributeNames: {
                '#pk': TABLE.partitionKey,
                '#expiresAt': TABLE.ttlAttribute,
                '#state': 'state',
                '#createdAt': 'createdAt',
              },
              ExpressionAttributeValues: {
                ':now': nowSeconds,
                ':inProgress': 'in_progress',
                ':staleBefore': new Date(clock().getTime() - IDEMPOTENCY_STALE_CLAIM_MS).toISOString(),
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          );
          return null;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          const existing = oldItemOf(error) ?? (await getItem(key));
          const expiresAt = existing?.[TABLE.ttlAttribute];
          const expired = typeof expiresAt === 'number' && expiresAt < nowSeconds;
          if (existing && !expired && !isStaleClaim(itemToIdempotency(existing), clock())) {
            return itemToIdempotency(existing);
          }
        }
      }
      throw new StateConflictError(
        `Idempotency key of workspace ${record.workspaceId} is changing too fast to claim`,
      );
    },

    async completeIdempotencyKey(
      workspaceId: string,
      key: string,
      response: NonNullable<IdempotencyRecord['response']>,
    ): Promise<void> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.idempotency(workspaceId, key),
            UpdateExpression: 'SET #state = :completed, #response = :response',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: idempotencyNames,
            ExpressionAttributeValues: { ':completed': 'completed', ':response': response },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) {
          throw new StateConflictError(`Idempotency key of workspace ${workspaceId} is no longer claimed`, {
            cause: error,
          });
        }
        throw error;
      }
    },

    async releaseIdempotencyKey(workspaceId: string, key: string): Promise<void> {
      try {
        await client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: keys.idempotency(workspaceId, key),
            // Only a claim in progress is released: a completed answer stays for replays.
            ConditionExpression: '#state = :inProgress',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':inProgress': 'in_progress' },
          }),
        );
      } catch (error) {
        // Nothing in progress to release (already gone, or completed): the caller's goal holds.
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}
