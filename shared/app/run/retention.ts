import type { BatchRun } from '../../ports/run-store.ts';
import type { RunDeps } from './run-deps.ts';

/**
 * A finished batch's retention is over: DynamoDB's TTL deleted its item (`expiresAt`, written when it
 * finished), and the stream brings the removal here. What it left in its own partition goes too
 * (docs/deploy.md, "Retention"); running it twice finds nothing the second time.
 */
export async function purgeExpiredBatch(
  deps: Pick<RunDeps, 'runStore' | 'logger'>,
  batch: Pick<BatchRun, 'id' | 'workspaceId' | 'status'>,
): Promise<number> {
  const removed = await deps.runStore.purgeBatchItems(batch.id);
  deps.logger.info('expired batch removed', {
    workspaceId: batch.workspaceId,
    batchId: batch.id,
    status: batch.status,
    removedItems: removed,
  });
  return removed;
}
