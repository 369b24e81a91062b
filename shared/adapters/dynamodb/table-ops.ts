import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { failedConditions, isConditionFailure, oldItemOf } from './aws-errors.ts';
import { batchGetItems } from './batch-get.ts';
import { batchDeleteKeys, batchPutItems, type BatchPutOptions } from './batch-write.ts';
import { retryOnConflict } from './conflicts.ts';
import { stampLiveEvents } from './live-stamp.ts';
import type { TableKey } from './keys.ts';
import { TABLE } from './table-definition.ts';

/**
 * The operations of the single table, written once: the entity modules (./entities/) and both stores
 * go through these instead of sending commands themselves (only ./entities/paging.ts runs its own
 * page-by-page Query, for its cursors). A failed condition is an answer, not an exception:
 * conditional writes resolve to a `Written` that says whether the condition held and, when it did not,
 * what the item was (ReturnValuesOnConditionCheckFailure ALL_OLD, when the caller asked for it).
 * Transaction conflicts on hot items are retried here (./conflicts.ts), so no caller forgets to.
 */

export type Item = Record<string, unknown>;

export type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

type WithoutTable<T> = Omit<T, 'TableName'>;
export type UpdateInput = WithoutTable<UpdateCommandInput>;
export type PutInput = WithoutTable<PutCommandInput>;
export type DeleteInput = WithoutTable<DeleteCommandInput>;
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

/** The outcome of a conditional write: the item it returned, or the item its condition saw. */
export type Written = { ok: true; item: Item } | { ok: false; old: Item | null; cause: unknown };

export function tableKeyOf(item: Item): TableKey {
  const { PK, SK } = item;
  if (typeof PK !== 'string' || typeof SK !== 'string') throw new Error('Item without a table key');
  return { PK, SK };
}

/** `attribute_not_exists(#pk)`: the condition of a put that creates an item. */
export const NOT_EXISTS = {
  ConditionExpression: 'attribute_not_exists(#pk)',
  ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
} as const;

export interface Table {
  readonly client: DynamoDBDocumentClient;
  readonly name: string;
  /** Strongly consistent unless told otherwise: a client that just wrote something reads it back. */
  get(key: TableKey, consistent?: boolean): Promise<Item | null>;
  /** A put, conditional or not. */
  put(input: PutInput): Promise<Written>;
  /** A put of an item that must not exist yet. */
  putNew(item: Item): Promise<Written>;
  /** An update (conflicts retried); `item` is what ReturnValues asked for, `{}` if nothing. */
  update(input: UpdateInput): Promise<Written>;
  delete(input: DeleteInput): Promise<Written>;
  /** Deletes an item; true when it existed. */
  deleteExisting(key: TableKey): Promise<boolean>;
  /** A delete whose failure is left to the sweeper (the item is one it finds on its own). */
  deleteQuietly(key: TableKey): Promise<void>;
  /** Every item a query finds, all pages. */
  queryAll(input: QueryInput): Promise<Item[]>;
  /** The first item a query finds (Limit 1), or null. */
  queryFirst(input: QueryInput): Promise<Item | null>;
  /** One page of a query (its `Limit` items at most): a reader that only wants what is new. */
  queryPage(input: QueryInput): Promise<Item[]>;
  /** Every item of a partition under a sort-key prefix, in key order. */
  queryPrefix(partition: string, skPrefix: string, consistent: boolean): Promise<Item[]>;
  /**
   * Keys of the items of GSI1 partition `partition` whose sort key is at most `upTo`, in key order:
   * every one, or with `limit` the first page of at most that many.
   */
  queryIndexUpTo(partition: string, upTo?: string, limit?: number): Promise<Item[]>;
  /** Runs a transaction (conflicts retried); null when it committed, else which items failed their condition. */
  transact(items: TransactItem[]): Promise<boolean[] | null>;
  batchGet(keys: readonly TableKey[]): Promise<(Item | null)[]>;
  batchPut(items: readonly Item[], options?: BatchPutOptions): Promise<void>;
  batchDelete(keys: readonly TableKey[], options?: BatchPutOptions): Promise<void>;
}

/** An item parsed by its entity's parser, or null when there is none. */
export function parsedItem<T>(item: Item | null | undefined, parse: (item: Item) => T): T | null {
  return item ? parse(item) : null;
}

export function prefixQuery(partition: string, skPrefix: string): QueryInput {
  return {
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :skPrefix)',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
    ExpressionAttributeValues: { ':pk': partition, ':skPrefix': skPrefix },
  };
}

export function createTable(client: DynamoDBDocumentClient, name: string): Table {
  /** Sends a conditional write; a failed condition becomes `{ ok: false }`. */
  async function conditional(send: () => Promise<{ Attributes?: Item }>): Promise<Written> {
    try {
      const out = await send();
      return { ok: true, item: out.Attributes ?? {} };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { ok: false, old: oldItemOf(error), cause: error };
    }
  }

  async function queryAll(input: QueryInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await client.send(
        new QueryCommand({ TableName: name, ...input, ExclusiveStartKey: start }),
      );
      // A loop, not push(...spread): a partition can hold thousands of items.
      for (const item of (out.Items ?? []) as Item[]) items.push(item);
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  const table: Table = {
    client,
    name,

    async get(key, consistent = true) {
      const out = await client.send(
        new GetCommand({ TableName: name, Key: key, ConsistentRead: consistent }),
      );
      return (out.Item as Item | undefined) ?? null;
    },

    put: (input) =>
      conditional(async () => {
        await client.send(new PutCommand({ TableName: name, ...input }));
        return {};
      }),

    putNew: (item) => table.put({ Item: item, ...NOT_EXISTS }),

    update: (input) =>
      conditional(async () => {
        // Retried on conflicts: batch and workspace items are hot while a batch runs.
        const out = await retryOnConflict(() =>
          client.send(new UpdateCommand({ TableName: name, ...input })),
        );
        return { Attributes: out.Attributes as Item | undefined };
      }),

    delete: (input) =>
      conditional(async () => {
        const out = await client.send(new DeleteCommand({ TableName: name, ...input }));
        return { Attributes: out.Attributes as Item | undefined };
      }),

    async deleteExisting(key) {
      const out = await client.send(
        new DeleteCommand({ TableName: name, Key: key, ReturnValues: 'ALL_OLD' }),
      );
      return out.Attributes !== undefined;
    },

    async deleteQuietly(key) {
      await client.send(new DeleteCommand({ TableName: name, Key: key })).catch(() => undefined);
    },

    queryAll,

    async queryFirst(input) {
      const out = await client.send(new QueryCommand({ TableName: name, ...input, Limit: 1 }));
      return ((out.Items ?? [])[0] as Item | undefined) ?? null;
    },

    async queryPage(input) {
      const out = await client.send(new QueryCommand({ TableName: name, ...input }));
      return (out.Items ?? []) as Item[];
    },

    queryPrefix: (partition, skPrefix, consistent) =>
      queryAll({ ...prefixQuery(partition, skPrefix), ConsistentRead: consistent }),

    queryIndexUpTo(partition, upTo, limit) {
      const input: QueryInput = {
        IndexName: TABLE.gsi1.name,
        KeyConditionExpression: upTo === undefined ? '#gpk = :pk' : '#gpk = :pk AND #gsk <= :upTo',
        ExpressionAttributeNames:
          upTo === undefined
            ? { '#gpk': TABLE.gsi1.partitionKey }
            : { '#gpk': TABLE.gsi1.partitionKey, '#gsk': TABLE.gsi1.sortKey },
        ExpressionAttributeValues:
          upTo === undefined ? { ':pk': partition } : { ':pk': partition, ':upTo': upTo },
      };
      return limit === undefined ? queryAll(input) : table.queryPage({ ...input, Limit: limit });
    },

    async transact(items) {
      try {
        // Live event entries are stamped on every try: a conflict's retries must not age them
        // (./live-stamp.ts).
        await retryOnConflict(() =>
          client.send(new TransactWriteCommand({ TransactItems: stampLiveEvents(items) })),
        );
        return null;
      } catch (error) {
        const failed = failedConditions(error);
        if (!failed) throw error;
        return failed;
      }
    },

    batchGet: (keys) => batchGetItems(client, name, keys),
    batchPut: (items, options) => batchPutItems(client, name, items, options),
    batchDelete: (keys, options) => batchDeleteKeys(client, name, keys, options),
  };
  return table;
}
