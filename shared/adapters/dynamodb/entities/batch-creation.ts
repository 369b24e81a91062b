import type { Batch } from '../../../domain/batch.ts';
import { StateConflictError } from '../../../domain/errors.ts';
import type { Recipient } from '../../../domain/recipient.ts';
import type { BatchStore } from '../../../ports/store.ts';
import { BatchWriteError, type BatchPutOptions } from '../batch-write.ts';
import { assertStorable } from '../item-size.ts';
import { gsi, keys, parseCreationIndexKey, recipientPartition, SK_PREFIX } from '../keys.ts';
import { tableKeyOf, type Item, type Table } from '../table-ops.ts';
import { batchToItem } from './batch.ts';
import { creationMarkerItem } from './creation-marker.ts';
import { newRecipientToItem } from './recipient.ts';
import { createItem } from './stored.ts';

/**
 * Creating a batch with its recipients, and finishing a create a crash abandoned. A refused or failed
 * create stores nothing (docs/limits.md, "A refused create stores nothing"):
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

type CreationOps = 'createBatch' | 'listAbandonedBatchCreations' | 'discardAbandonedBatchCreation';

export function batchCreation(
  table: Table,
  clock: () => Date,
  batchWrite: BatchPutOptions | undefined,
): Pick<BatchStore, CreationOps> {
  /**
   * Undoes a failed create, best effort and bounded: deletes the recipients that may have been
   * written, then the marker. If any delete fails the marker stays, and the sweeper finishes the job.
   */
  async function undoCreation(batchId: string, written: readonly Item[]): Promise<void> {
    try {
      await table.batchDelete(written.map(tableKeyOf), {
        ...batchWrite,
        maxAttempts: Math.min(batchWrite?.maxAttempts ?? 3, 3),
      });
      await table.delete({ Key: keys.batchCreation(batchId) });
    } catch {
      // Left to the sweeper: the marker still names the batch.
    }
  }

  return {
    async createBatch(batch: Batch, recipients: Recipient[]) {
      for (const recipient of recipients) {
        if (recipient.batchId !== batch.id || recipient.workspaceId !== batch.workspaceId) {
          throw new Error(`Recipient ${recipient.id} does not belong to batch ${batch.id}`);
        }
      }
      const recipientItems = recipients.map(newRecipientToItem);
      const batchItem = batchToItem(batch);
      recipientItems.forEach((item, i) => assertStorable(item, `Recipient ${i}`, `recipients[${i}]`));
      assertStorable(batchItem, 'The batch');

      if (recipientItems.length === 0) {
        await createItem(table, batchItem, `Batch ${batch.id}`);
        return;
      }
      await table.put({ Item: creationMarkerItem(batch.workspaceId, batch.id, clock().toISOString()) });
      try {
        await table.batchPut(recipientItems, batchWrite);
      } catch (error) {
        const started = error instanceof BatchWriteError ? error.startedItems : recipientItems.length;
        await undoCreation(batch.id, recipientItems.slice(0, started));
        throw error;
      }
      try {
        await createItem(table, batchItem, `Batch ${batch.id}`);
      } catch (error) {
        // A put whose answer was lost may have stored the batch: only a batch known to be absent
        // (or another one under this id) is undone now; otherwise the sweeper decides later.
        if (error instanceof StateConflictError) {
          await table.deleteQuietly(keys.batchCreation(batch.id));
        } else if (
          (await table.get(keys.batch(batch.workspaceId, batch.id)).catch(() => undefined)) === null
        ) {
          await undoCreation(batch.id, recipientItems);
        }
        throw error;
      }
      await table.deleteQuietly(keys.batchCreation(batch.id));
    },

    async listAbandonedBatchCreations(startedBefore) {
      const items = await table.queryIndexUpTo(gsi.CREATING, `${startedBefore}~`);
      return items.flatMap((item) => parseCreationIndexKey(item) ?? []);
    },

    async discardAbandonedBatchCreation(workspaceId, batchId) {
      if (await table.get(keys.batch(workspaceId, batchId))) {
        // The batch was stored; only its marker was left.
        await table.deleteExisting(keys.batchCreation(batchId));
        return { discardedRecipients: 0 };
      }
      const recipientKeys = (
        await table.queryPrefix(recipientPartition(batchId), SK_PREFIX.recipient, true)
      ).map(tableKeyOf);
      await table.batchDelete(recipientKeys, batchWrite);
      await table.deleteExisting(keys.batchCreation(batchId));
      return { discardedRecipients: recipientKeys.length };
    },
  };
}
