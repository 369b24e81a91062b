import { StateConflictError } from '../../../domain/errors.ts';
import { isSuppressionActive, SUPPRESSION_SOURCES, type Suppression } from '../../../domain/suppression.ts';
import type { SuppressionStore } from '../../../ports/store.ts';
import { BATCH_GET_LIMIT } from '../batch-get.ts';
import { ENTITY, keys, runKeys, SK_PREFIX, workspacePartition } from '../keys.ts';
import { itemToContactHistory } from './contact.ts';
import type { ContactAttempt } from '../../../domain/contact-limit.ts';
import { TABLE } from '../table-definition.ts';
import { chunk } from '../batch-write.ts';
import { NOT_EXISTS, type Item, type Table, type TransactItem } from '../table-ops.ts';
import { queryPage, type QueryFilter } from './paging.ts';
import { expectEntity, read } from './parse.ts';

/**
 * A suppression entry is two items with the same fields, written and deleted together in one
 * transaction:
 *
 * - the **entry** `SUP#<ws>#<E.164>` / `SUP` answers "may this phone be dialed in W?" with one key:
 *   a GetItem, one key of a BatchGetItem (create), or a ConditionCheck inside the dial claim's
 *   transaction (`suppressionConditionCheck`), so a phone suppressed between create and dial is
 *   still never dialed. One entry per phone and workspace: its key is what makes "the same phone
 *   again" find the existing entry.
 * - the **listing** `WS#<ws>` / `SUP#<id>` lists a workspace's entries in creation order (ids are
 *   ULIDs) and finds one by id (GET/DELETE `/v1/suppressions/:id`). A copy, not a pointer: a list
 *   page is one Query, with no BatchGetItem behind it. The id could instead have encoded the phone
 *   (and so the entry's key), but ids appear in URLs, logs and webhooks, where phone numbers must not.
 *
 * Expiry: both items carry the table's TTL attribute `expiresAt` (epoch seconds) when the entry
 * expires. TTL deletes lazily (up to days later), so every read checks the expiry too (`expiry`, the
 * RFC 3339 instant, whole seconds: the two always agree), and the ConditionCheck treats an entry past
 * its `expiresAt` as absent. An expired entry still stored is replaced when its phone is added again.
 */

type TtlItem = Item & { [TABLE.ttlAttribute]?: number };

function epochSeconds(iso: string): number {
  return Math.ceil(Date.parse(iso) / 1000);
}

function fieldsOf(entry: Suppression): TtlItem {
  return {
    id: entry.id,
    workspaceId: entry.workspaceId,
    phone: entry.phone,
    reason: entry.reason,
    source: entry.source,
    conversationId: entry.conversationId,
    createdAt: entry.createdAt,
    expiry: entry.expiresAt,
    ...(entry.expiresAt === null ? {} : { [TABLE.ttlAttribute]: epochSeconds(entry.expiresAt) }),
  };
}

// Keys go last so a field can never overwrite them.
export function suppressionToItem(entry: Suppression): Item {
  return {
    ...fieldsOf(entry),
    ...keys.suppression(entry.workspaceId, entry.phone),
    entity: ENTITY.suppression,
  };
}

export function suppressionListingToItem(entry: Suppression): Item {
  return {
    ...fieldsOf(entry),
    ...keys.suppressionListing(entry.workspaceId, entry.id),
    entity: ENTITY.suppressionListing,
  };
}

/** Either item of an entry (the entry or its listing) as the domain object. */
export function itemToSuppression(item: Item): Suppression {
  if (item.entity !== ENTITY.suppressionListing) expectEntity(item, ENTITY.suppression);
  return {
    id: read.string(item, 'id'),
    workspaceId: read.string(item, 'workspaceId'),
    phone: read.string(item, 'phone'),
    reason: read.nullableString(item, 'reason'),
    source: read.oneOf(item, 'source', SUPPRESSION_SOURCES),
    conversationId: read.nullableString(item, 'conversationId'),
    createdAt: read.string(item, 'createdAt'),
    expiresAt: read.nullableString(item, 'expiry'),
  };
}

const nowSeconds = (now: Date): number => Math.floor(now.getTime() / 1000);

/**
 * For the dial claim's transaction: holds only while `phone` is not suppressed in the workspace
 * (no entry, or one whose expiry has passed at `now`). A claim that fails on it must not dial.
 */
export function suppressionConditionCheck(
  tableName: string,
  workspaceId: string,
  phone: string,
  now: Date,
): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.suppression(workspaceId, phone),
      ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#expiresAt': TABLE.ttlAttribute },
      ExpressionAttributeValues: { ':now': nowSeconds(now) },
    },
  };
}

/** The listing's read-time expiry filter (TTL may not have removed an expired entry yet). */
function activeFilter(now: Date): QueryFilter {
  return {
    expression: 'attribute_not_exists(#expiresAt) OR #expiresAt > :nowSeconds',
    names: { '#expiresAt': TABLE.ttlAttribute },
    values: { ':nowSeconds': nowSeconds(now) },
  };
}

function active(item: Item | null, now: Date): Suppression | null {
  if (item === null) return null;
  const entry = itemToSuppression(item);
  return isSuppressionActive(entry, now) ? entry : null;
}

/** Tries to store `entry` as its phone's entry, replacing `expired` (an entry past its expiry) if given. */
async function writeEntry(table: Table, entry: Suppression, expired: Suppression | null): Promise<boolean> {
  const items: TransactItem[] = [];
  if (expired === null) {
    items.push({ Put: { TableName: table.name, Item: suppressionToItem(entry), ...NOT_EXISTS } });
  } else {
    items.push(
      {
        Put: {
          TableName: table.name,
          Item: suppressionToItem(entry),
          // Only the expired entry we saw: another request may have replaced it meanwhile.
          ConditionExpression: '#id = :expiredId',
          ExpressionAttributeNames: { '#id': 'id' },
          ExpressionAttributeValues: { ':expiredId': expired.id },
        },
      },
      { Delete: { TableName: table.name, Key: keys.suppressionListing(expired.workspaceId, expired.id) } },
    );
  }
  items.push({ Put: { TableName: table.name, Item: suppressionListingToItem(entry), ...NOT_EXISTS } });
  return (await table.transact(items)) === null;
}

export function suppressionStore(table: Table): SuppressionStore {
  const findEntry = async (workspaceId: string, phone: string, now: Date) =>
    active(await table.get(keys.suppression(workspaceId, phone)), now);

  return {
    async addSuppression(entry, now) {
      // Write first (a new phone, the common case of an import, costs one transaction), read on a
      // refusal. Three rounds: the entry seen can be replaced or deleted before the next write.
      let expired: Suppression | null = null;
      for (let round = 0; round < 3; round++) {
        if (await writeEntry(table, entry, expired)) return { entry, created: true };
        const item = await table.get(keys.suppression(entry.workspaceId, entry.phone));
        const existing = item === null ? null : itemToSuppression(item);
        if (existing !== null && isSuppressionActive(existing, now))
          return { entry: existing, created: false };
        // Past its expiry but not yet removed by TTL: replaced next round (or, if gone meanwhile, created).
        expired = existing;
      }
      throw new StateConflictError(`Suppression of ${entry.id} changed concurrently; try again`);
    },

    async getSuppression(workspaceId, id, now) {
      return active(await table.get(keys.suppressionListing(workspaceId, id)), now);
    },

    findSuppression: findEntry,

    listSuppressions(workspaceId, page, now) {
      return queryPage(table, {
        partition: workspacePartition(workspaceId),
        skPrefix: SK_PREFIX.suppression,
        page,
        newestFirst: false,
        filter: activeFilter(now),
        toDomain: itemToSuppression,
      });
    },

    async deleteSuppression(workspaceId, id, now) {
      const entry = active(await table.get(keys.suppressionListing(workspaceId, id)), now);
      if (entry === null) return false;
      const failed = await table.transact([
        {
          Delete: {
            TableName: table.name,
            Key: keys.suppression(workspaceId, entry.phone),
            // Never the entry of a later add of the same phone (after this one expired).
            ConditionExpression: '#id = :id',
            ExpressionAttributeNames: { '#id': 'id' },
            ExpressionAttributeValues: { ':id': id },
          },
        },
        { Delete: { TableName: table.name, Key: keys.suppressionListing(workspaceId, id) } },
      ]);
      if (failed === null) return true;
      // The phone's entry is not this one (a concurrent delete, or a replacement, which removes this
      // listing itself): what is left to delete is the listing, if it is still there.
      return table.deleteExisting(keys.suppressionListing(workspaceId, id));
    },

    async isSuppressed(workspaceId, phones, now) {
      // The chunks side by side: a create waits on this before it answers.
      const reads = chunk([...new Set(phones)], BATCH_GET_LIMIT).map((part) =>
        table.batchGet(part.map((phone) => keys.suppression(workspaceId, phone))),
      );
      const suppressed = new Set<string>();
      for (const item of (await Promise.all(reads)).flat()) {
        const entry = active(item, now);
        if (entry !== null) suppressed.add(entry.phone);
      }
      return suppressed;
    },

    // Beside the suppressions: both answer "may this phone be called now?" for a whole create.
    async contactHistories(workspaceId, phones) {
      const distinct = [...new Set(phones)];
      const reads = chunk(distinct, BATCH_GET_LIMIT).map((part) =>
        table.batchGet(part.map((phone) => runKeys.contact(workspaceId, phone))),
      );
      const items = (await Promise.all(reads)).flat();
      const histories = new Map<string, ContactAttempt[]>();
      items.forEach((item, i) => {
        const phone = distinct[i];
        if (item && phone !== undefined) histories.set(phone, itemToContactHistory(item).attempts);
      });
      return histories;
    },
  };
}
