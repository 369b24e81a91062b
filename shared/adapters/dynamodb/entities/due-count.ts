import { keys } from '../keys.ts';
import type { Item, TransactItem } from '../table-ops.ts';
import { read } from './parse.ts';

/**
 * Waiting recipients, counted on the batch item: every write that puts a due item adds one to
 * `dueWritten` in its transaction, every take of one adds one to `dueTaken`. A due item removed
 * otherwise (a skip, a stale one cleared) is not counted, so the count can only say "maybe" too
 * often, never "none" wrongly. A batch started before the count existed has neither: maybe.
 */
export const DUE_WRITTEN = 'dueWritten';
export const DUE_TAKEN = 'dueTaken';

export function mayHaveDue(item: Item): boolean {
  const written = read.nullableNumber(item, DUE_WRITTEN);
  if (written === null) return true;
  return written > (read.nullableNumber(item, DUE_TAKEN) ?? 0);
}

/** Adds `count = count + 1` to an update of the batch item (its SET clause). */
export function withDueCount(
  update: TransactItem,
  count: typeof DUE_WRITTEN | typeof DUE_TAKEN,
): TransactItem {
  if (!update.Update) return update;
  const step = `#${count} = if_not_exists(#${count}, :dueZero) + :dueOne`;
  const expression = update.Update.UpdateExpression ?? '';
  return {
    Update: {
      ...update.Update,
      UpdateExpression: expression.startsWith('SET ')
        ? `SET ${step}, ${expression.slice(4)}`
        : `SET ${step} ${expression}`.trimEnd(),
      ExpressionAttributeNames: { ...update.Update.ExpressionAttributeNames, [`#${count}`]: count },
      ExpressionAttributeValues: { ...update.Update.ExpressionAttributeValues, ':dueZero': 0, ':dueOne': 1 },
    },
  };
}

/**
 * The count alone, for a transaction that changes nothing else on the batch item (a deferred dial
 * that keeps its turn). Conditioned on the batch item existing: an update without a condition would
 * create a stray item holding nothing but the count.
 */
export function dueCountUpdate(
  tableName: string,
  batch: { workspaceId: string; batchId: string },
  count: typeof DUE_WRITTEN | typeof DUE_TAKEN,
): TransactItem {
  const onlyTheCount = {
    Update: {
      TableName: tableName,
      Key: keys.batch(batch.workspaceId, batch.batchId),
      UpdateExpression: '',
      ConditionExpression: 'attribute_exists(PK)',
    },
  };
  return withDueCount(onlyTheCount, count);
}
