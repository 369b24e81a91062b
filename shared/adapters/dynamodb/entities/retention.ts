import type { RunStore } from '../../../ports/run-store.ts';
import { recipientPartition } from '../keys.ts';
import { tableKeyOf, type Table } from '../table-ops.ts';
import { TABLE } from '../table-definition.ts';

/**
 * What a finished batch leaves, once its retention is over (docs/deploy.md, "Retention"). The batch
 * item carries `expiresAt` from its finishing write (entities/batch-transition.ts), and DynamoDB's TTL deletes it
 * for free; the stream's REMOVE of the batch then brings its partition here — recipients, webhook
 * outbox records, live events and their counter, leftover due items — which is deleted 25 items a
 * write. Keys only are read (a Query still reads whole items: ≈ 1 read unit per 4 KB).
 */
export function retentionStore(table: Table): Pick<RunStore, 'purgeBatchItems'> {
  return {
    async purgeBatchItems(batchId) {
      const items = await table.queryAll({
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': recipientPartition(batchId) },
        ProjectionExpression: '#pk, #sk',
      });
      await table.batchDelete(items.map(tableKeyOf));
      return items.length;
    },
  };
}
