import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidRequestError } from '../../../domain/errors.ts';
import type { Recipient } from '../../../domain/recipient.ts';
import type { Page, PageRequest, RecipientFilter } from '../../../ports/store.ts';
import { keys, recipientPartition, SK_PREFIX } from '../keys.ts';
import { prefixQuery, type Item, type Table } from '../table-ops.ts';
import { itemToRecipient } from './recipient.ts';

/**
 * One page of a batch's recipients in input order, filtered (contract "Recipient queries"). The
 * cursor is opaque to clients: base64url of the batch id and the last index returned. It names its
 * batch, and batch ids are unique across workspaces, so a cursor of another batch (of this
 * workspace or another) is refused rather than read in the wrong partition.
 */

/** Items one Query examines when a filter may drop most of them (Limit counts before the filter). */
const FILTERED_QUERY_LIMIT = 250;

interface RecipientCursor {
  b: string;
  i: number;
}

export function encodeRecipientCursor(batchId: string, index: number): string {
  const cursor: RecipientCursor = { b: batchId, i: index };
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** The index to resume after, when the cursor is one this batch's listing made. */
export function decodeRecipientCursor(cursor: string, batchId: string): number {
  const invalid = new InvalidRequestError('The cursor is not valid for this batch.', [
    { path: 'cursor', message: 'is not a valid cursor of this batch' },
  ]);
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const { b, i } = (parsed ?? {}) as Partial<RecipientCursor>;
  if (b !== batchId || typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i > 9_999) throw invalid;
  return i;
}

function filterExpression(
  filter: RecipientFilter,
): Pick<
  QueryCommandInput,
  'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
> | null {
  const terms: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.status) {
    terms.push('#status = :status');
    names['#status'] = 'status';
    values[':status'] = filter.status;
  }
  if (filter.outcome) {
    terms.push('#outcome = :outcome');
    names['#outcome'] = 'outcome';
    values[':outcome'] = filter.outcome;
  }
  if (filter.phonePrefix) {
    terms.push('begins_with(#phone, :phone)');
    names['#phone'] = 'phone';
    values[':phone'] = filter.phonePrefix;
  }
  // DynamoDB has no ends_with: `contains` narrows what is read, the check below decides.
  if (filter.phoneSuffix) {
    terms.push('contains(#phone, :phone)');
    names['#phone'] = 'phone';
    values[':phone'] = filter.phoneSuffix;
  }
  if (terms.length === 0) return null;
  return {
    FilterExpression: terms.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * Reads until the page holds `limit + 1` matches or the partition ends, so `nextCursor` is null exactly
 * when nothing follows, and a page is full even when the filter drops most items.
 */
export async function queryRecipients(
  table: Table,
  batchId: string,
  filter: RecipientFilter,
  page: PageRequest,
): Promise<Page<Recipient>> {
  const base = prefixQuery(recipientPartition(batchId), SK_PREFIX.recipient);
  const extra = filterExpression(filter);
  const input: QueryCommandInput = {
    TableName: table.name,
    ...base,
    ...(extra
      ? {
          FilterExpression: extra.FilterExpression,
          ExpressionAttributeNames: { ...base.ExpressionAttributeNames, ...extra.ExpressionAttributeNames },
          ExpressionAttributeValues: {
            ...base.ExpressionAttributeValues,
            ...extra.ExpressionAttributeValues,
          },
        }
      : {}),
    Limit: extra ? FILTERED_QUERY_LIMIT : page.limit + 1,
  };
  let startKey: Record<string, unknown> | undefined = page.cursor
    ? keys.recipient(batchId, decodeRecipientCursor(page.cursor, batchId))
    : undefined;
  const matches: Recipient[] = [];
  do {
    const out = await table.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    for (const item of (out.Items ?? []) as Item[]) {
      const recipient = itemToRecipient(item);
      if (filter.phoneSuffix && !recipient.phone.endsWith(filter.phoneSuffix)) continue;
      matches.push(recipient);
    }
    startKey = out.LastEvaluatedKey;
  } while (matches.length <= page.limit && startKey);

  const items = matches.slice(0, page.limit);
  const last = items.at(-1);
  const nextCursor = matches.length > page.limit && last ? encodeRecipientCursor(batchId, last.index) : null;
  return { items, nextCursor };
}
