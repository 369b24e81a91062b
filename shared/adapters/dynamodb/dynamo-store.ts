import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Store } from '../../ports/store.ts';
import type { BatchPutOptions } from './batch-write.ts';
import { agentStore } from './entities/agent.ts';
import { batchFilter, editPausedUpdate, itemToBatch } from './entities/batch.ts';
import { transitionBatch } from './entities/batch-transition.ts';
import { batchCreation } from './entities/batch-creation.ts';
import { idempotencyStore } from './entities/idempotency.ts';
import { queryPage } from './entities/paging.ts';
import { phoneNumberStore } from './entities/phone-number.ts';
import { itemToRecipient } from './entities/recipient.ts';
import { queryRecipients } from './entities/recipient-query.ts';
import { suppressionStore } from './entities/suppression.ts';
import { workspaceStore } from './entities/workspace.ts';
import { keys, recipientPartition, SK_PREFIX, workspacePartition } from './keys.ts';
import { createTable } from './table-ops.ts';
import { DEFAULT_RETENTION_DAYS } from '../../config/runtime-config.ts';

export { BatchStateConflictError } from './entities/batch-transition.ts';
export { IDEMPOTENCY_STALE_CLAIM_MS } from './entities/idempotency.ts';
export { suppressionConditionCheck } from './entities/suppression.ts';

/**
 * The Store port on one DynamoDB table (layout: ./keys.ts), composed of one module per entity
 * (./entities/). Every state change is a conditional write; a lost condition becomes a
 * StateConflictError, so the domain never sees an SDK exception. Single-item reads are strongly
 * consistent: a client that just created something can read it back.
 */

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The clock used for idempotency expiry; tests move it. */
  clock?: () => Date;
  /** Tuning of the recipients' BatchWriteItem (parallelism, retries). */
  batchWrite?: BatchPutOptions;
  /** How long a finished batch is kept (its `expiresAt`); DEFAULT_RETENTION_DAYS unless given. */
  retentionDays?: number;
}

export function createDynamoStore(options: DynamoStoreOptions): Store {
  const table = createTable(options.client, options.tableName);
  const clock = options.clock ?? (() => new Date());
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;

  return {
    ...workspaceStore(table),
    ...phoneNumberStore(table),
    ...agentStore(table),
    ...batchCreation(table, clock, options.batchWrite),
    ...idempotencyStore(table, clock),
    ...suppressionStore(table),

    async getBatch(workspaceId, id) {
      const item = await table.get(keys.batch(workspaceId, id));
      return item ? itemToBatch(item) : null;
    },

    async listRecipients(batchId) {
      // Consistent: this runs right after the batch appears and must see every recipient written before it.
      const items = await table.queryPrefix(recipientPartition(batchId), SK_PREFIX.recipient, true);
      return items.map(itemToRecipient);
    },

    queryRecipients(batchId, filter, page) {
      return queryRecipients(table, batchId, filter, page);
    },

    listBatches(workspaceId, filter, page) {
      return queryPage(table, {
        partition: workspacePartition(workspaceId),
        skPrefix: SK_PREFIX.batch,
        page,
        newestFirst: true,
        filter: batchFilter(filter),
        toDomain: itemToBatch,
      });
    },

    async editPausedBatch(workspaceId, id, edit) {
      const written = await table.update(editPausedUpdate(workspaceId, id, edit));
      return written.ok ? itemToBatch(written.item) : null;
    },

    transitionBatch(workspaceId, id, from, to, changes) {
      return transitionBatch(table, workspaceId, id, { from, to }, changes, retentionDays);
    },
  };
}
