import type { BatchRun, RunStore } from '../../ports/run-store.ts';
import { itemToAgent } from './entities/agent.ts';
import { itemToBatchRun } from './entities/batch.ts';
import { itemToRecipientRun } from './entities/recipient.ts';
import { keys } from './keys.ts';
import { parsedItem, type Table } from './table-ops.ts';

/**
 * The reads of a call's end (the provider callback) and of its reaction (the table stream) in one
 * BatchGetItem each. The reaction needs the batch's agent, which only the batch names: a batch's agent
 * never changes, so the container remembers it (bounded) and from the second call of a batch on, the
 * agent comes in the same round trip; the first call of a batch in a container reads it after.
 * Keyed by workspace and batch, as the batch's own key is.
 */

type BatchIds = { agentId: string; phoneNumberId: string };

/** Batches whose agent this container knows; cleared when full (a few hundred bytes each). */
const MAX_KNOWN_BATCHES = 5_000;

export function runReadsStore(table: Table): Pick<RunStore, 'getRunReads' | 'getBatchIds'> {
  const idsOfBatch = new Map<string, BatchIds>();
  const known = (workspaceId: string, batchId: string) => `${workspaceId}#${batchId}`;
  const remember = (batch: BatchRun) => {
    const id = known(batch.workspaceId, batch.id);
    if (idsOfBatch.size >= MAX_KNOWN_BATCHES && !idsOfBatch.has(id)) idsOfBatch.clear();
    idsOfBatch.set(id, { agentId: batch.agentId, phoneNumberId: batch.phoneNumberId });
  };

  return {
    async getRunReads(ref, want) {
      const { workspaceId, batchId } = ref;
      const knownAgent = want.agent ? idsOfBatch.get(known(workspaceId, batchId))?.agentId : undefined;
      const wanted = [
        keys.batch(workspaceId, batchId),
        want.recipient ? keys.recipient(batchId, ref.recipientIndex) : null,
        knownAgent ? keys.agent(workspaceId, knownAgent) : null,
      ];
      const found = await table.batchGet(wanted.filter((key) => key !== null));
      const [batchItem, recipientItem, agentItem] = wanted.map((key) =>
        key === null ? undefined : (found.shift() ?? undefined),
      );
      const batch = parsedItem(batchItem, itemToBatchRun);
      // A recipient's partition is its batch's: it belongs to the workspace only if the batch does.
      const recipient = batch ? parsedItem(recipientItem, itemToRecipientRun) : null;
      if (batch) remember(batch);
      if (!want.agent || !batch) return { batch, recipient, agent: null };
      const agent =
        knownAgent === batch.agentId
          ? parsedItem(agentItem, itemToAgent)
          : parsedItem((await table.get(keys.agent(workspaceId, batch.agentId))) ?? undefined, itemToAgent);
      return { batch, recipient, agent };
    },

    async getBatchIds(workspaceId, batchId) {
      const ids = idsOfBatch.get(known(workspaceId, batchId));
      if (ids) return ids;
      const batch = parsedItem(
        (await table.get(keys.batch(workspaceId, batchId))) ?? undefined,
        itemToBatchRun,
      );
      if (batch) remember(batch);
      return batch ? { agentId: batch.agentId, phoneNumberId: batch.phoneNumberId } : null;
    },
  };
}
