import type { Page, PageRequest } from '../../../ports/store.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { prefixQuery, tableKeyOf, type Item, type Table } from '../table-ops.ts';
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** Cursor pages of the API's lists (agents, phone numbers, batches), each a prefix of a workspace partition. */

/** Items a filtered listing examines per Query: Limit counts items before the filter drops any. */
const FILTERED_QUERY_MIN_LIMIT = 100;
const FILTERED_QUERY_MAX_LIMIT = 1_000;

export interface QueryFilter {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`Page limit must be a positive integer, got ${limit}`);
}

/**
 * One page of a listing. Reads until it holds one item more than the page (or the partition ends),
 * so `nextCursor` is null exactly when nothing follows. The cursor is the key of the last item
 * RETURNED, not DynamoDB's LastEvaluatedKey: items read past the page (or dropped by the filter)
 * are read again by the next page, so none is skipped and none repeated.
 */
export async function queryPage<T>(
  table: Table,
  params: {
    partition: string;
    skPrefix: string;
    page: PageRequest;
    newestFirst: boolean;
    filter: QueryFilter | null;
    toDomain: (item: Item) => T;
  },
): Promise<Page<T>> {
  const { partition, skPrefix, page, filter } = params;
  checkLimit(page.limit);
  const wanted = page.limit + 1;
  const perQuery = filter
    ? Math.min(FILTERED_QUERY_MAX_LIMIT, Math.max(FILTERED_QUERY_MIN_LIMIT, wanted * 4))
    : wanted;
  const base = prefixQuery(partition, skPrefix);
  const input: QueryCommandInput = {
    TableName: table.name,
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
    const out = await table.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    collected.push(...((out.Items ?? []) as Item[]));
    startKey = out.LastEvaluatedKey;
  } while (collected.length < wanted && startKey);

  const items = collected.slice(0, page.limit);
  const last = items.at(-1);
  const nextCursor = collected.length > page.limit && last ? encodeCursor(tableKeyOf(last)) : null;
  return { items: items.map(params.toDomain), nextCursor };
}
