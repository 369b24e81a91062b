import { ENTITY, gsi, keys } from '../keys.ts';
import type { Item } from '../table-ops.ts';

/**
 * Marks a batch create in progress (BATCH#<id> / CREATING): written before the recipients, removed
 * once the batch item is stored (or the create undone). In GSI1 under CREATING, so the sweeper finds
 * one a crash left behind (see createBatch in ./batch-creation.ts).
 */

export function creationMarkerItem(workspaceId: string, batchId: string, startedAt: string): Item {
  return {
    ...keys.batchCreation(batchId),
    entity: ENTITY.batchCreation,
    workspaceId,
    batchId,
    startedAt,
    ...gsi.batchCreation(startedAt, workspaceId, batchId),
  };
}
