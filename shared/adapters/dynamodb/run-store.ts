import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_RETENTION_DAYS } from '../../config/runtime-config.ts';
import type { RunStore } from '../../ports/run-store.ts';
import { itemToAgent } from './entities/agent.ts';
import {
  acquireSlotUpdate,
  attentionUpdate,
  clearWakeUpdate,
  itemToBatch,
  itemToBatchRun,
  nextDispatchUpdate,
  progressAttention,
  releaseSlotUpdate,
  repairSlotsUpdate,
  restUpdate,
  trimOutcomesUpdate,
  setWakeUpdate,
} from './entities/batch.ts';
import { ALL_RECIPIENTS_DONE, eventUpdate, finishedExpiry } from './entities/batch-transition.ts';
import { callIndexStore } from './entities/call-index.ts';
import { retentionStore } from './entities/retention.ts';
import { dueStore } from './entities/due.ts';
import { outboxStore } from './entities/outbox.ts';
import { contactStore } from './entities/contact.ts';
import { leaseStore } from './entities/lease.ts';
import { liveCallStore, liveShardMemory } from './entities/live-calls.ts';
import { pacingMemory, pacingStore } from './entities/pacing.ts';
import { itemToEndpointHealth, webhookEndpointStore } from './entities/webhook-endpoint.ts';
import { itemToPhoneNumber } from './entities/phone-number.ts';
import {
  dispatchedUpdate,
  eventRecordedUpdate,
  itemToRecipientRun,
  releaseHandOverUpdate,
  skippedTurnUpdate,
} from './entities/recipient.ts';
import { recipientCalls } from './entities/recipient-calls.ts';
import { callEnds } from './entities/call-end.ts';
import { DUE_TAKEN, DUE_WRITTEN } from './entities/due-count.ts';
import { runReadsStore } from './run-reads.ts';
import { gsi, keys, parseBatchKey, recipientPartition, runKeys, SK_PREFIX } from './keys.ts';
import { TABLE } from './table-definition.ts';
import { createTable, parsedItem, type Item, type Written } from './table-ops.ts';

export { boundedText, MAX_STORED_ERROR_LENGTH } from './entities/stored.ts';

/**
 * DynamoDB side of running batches (shared/ports/run-store.ts), composed of the entity modules
 * (./entities/). Each state change is one conditional write or one transaction; a lost condition is
 * an answer ("someone else did it"), never an error.
 */

/** The item a conditional write returned, or null when its condition did not hold. */
async function okItem(written: Promise<Written>): Promise<Item | null> {
  const result = await written;
  return result.ok ? result.item : null;
}

export function createDynamoRunStore(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long a finished batch is kept (its `expiresAt`); DEFAULT_RETENTION_DAYS unless given. */
  retentionDays?: number;
}): RunStore {
  const table = createTable(options.client, options.tableName);
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const expiry = () => finishedExpiry(retentionDays, Date.now());
  // What this container learned of caller numbers' pacing and workspaces' live-call shards, shared
  // by the claim and the writes and reads beside it.
  const pacingSeen = pacingMemory();
  const liveShards = liveShardMemory();

  return {
    ...pacingStore(table, pacingSeen),
    ...runReadsStore(table),
    ...liveCallStore(table, liveShards),
    ...contactStore(table),
    ...leaseStore(table),
    ...recipientCalls(table, { pacingSeen, liveShards }),
    ...callEnds(table),
    ...callIndexStore(table),
    ...retentionStore(table),
    ...outboxStore(table),
    ...dueStore(table),
    ...webhookEndpointStore(table),

    // ── batches ─────────────────────────────────────────────────────────────────────────────
    async getBatchRun(workspaceId, batchId) {
      return parsedItem(await table.get(keys.batch(workspaceId, batchId)), itemToBatchRun);
    },

    async startBatch(workspaceId, batchId, window, now) {
      const written = await table.update({
        ...eventUpdate(workspaceId, batchId, 'start', {
          startedAt: now,
          dispatched: window,
          slots: window,
          // Its count of waiting recipients starts here (none yet): see mayHaveDue in entities/batch.ts.
          [DUE_WRITTEN]: 0,
          [DUE_TAKEN]: 0,
          // Progress: its first dials are checked grace after the start.
          [TABLE.gsi1.sortKey]: progressAttention(now, batchId),
        }),
        ReturnValues: 'ALL_NEW',
      });
      return written.ok ? itemToBatchRun(written.item) : null;
    },

    async failBatch(workspaceId, batchId, reason, _now) {
      const changes = { failureReason: reason, ...expiry() };
      return (await table.update(eventUpdate(workspaceId, batchId, 'fail', changes))).ok;
    },

    async completeBatch(workspaceId, batchId, now) {
      // Counts always add up to the total, so "nothing pending or dialing" is "every recipient done".
      const changes = { completedAt: now, ...expiry() };
      const update = eventUpdate(workspaceId, batchId, 'complete', changes, ALL_RECIPIENTS_DONE);
      return (await table.update(update)).ok;
    },

    async finishStop(workspaceId, batchId, now) {
      const update = eventUpdate(
        workspaceId,
        batchId,
        'finishStop',
        { cancelledAt: now, ...expiry() },
        ALL_RECIPIENTS_DONE,
      );
      return (await table.update(update)).ok;
    },

    async acquireSlot(workspaceId, batchId, now) {
      return parsedItem(
        await okItem(table.update(acquireSlotUpdate(workspaceId, batchId, now))),
        itemToBatchRun,
      );
    },

    async releaseSlot(workspaceId, batchId, now) {
      const written = await table.update(releaseSlotUpdate(workspaceId, batchId, now));
      return written.ok && typeof written.item.slots === 'number' ? written.item.slots : null;
    },

    async setWake(workspaceId, batchId, at, now, idle) {
      return (await table.update(setWakeUpdate(workspaceId, batchId, at, now, idle))).ok;
    },

    async rest(workspaceId, batchId, until) {
      await table.update(restUpdate(workspaceId, batchId, until));
    },

    async clearWake(workspaceId, batchId, at) {
      await table.update(clearWakeUpdate(workspaceId, batchId, at));
    },

    async takeSkippedTurn(batchId, index) {
      return (await table.update(skippedTurnUpdate(batchId, index))).ok;
    },

    async trimOutcomes(workspaceId, batchId, count, keep) {
      if (count <= 0) return;
      // A refused condition is another end's trim first: this one has nothing left to do.
      await table.update(trimOutcomesUpdate(workspaceId, batchId, count, keep));
    },

    async repairSlots(workspaceId, batchId, expected, actual) {
      return (await table.update(repairSlotsUpdate(workspaceId, batchId, expected, actual))).ok;
    },

    async takeNextIndex(workspaceId, batchId, now) {
      const written = await table.update(nextDispatchUpdate(workspaceId, batchId, now));
      if (!written.ok) return null;
      const batch = itemToBatchRun(written.item);
      return {
        recipientIndex: batch.dispatched - 1,
        agentId: batch.agentId,
        phoneNumberId: batch.phoneNumberId,
      };
    },

    async setAttention(workspaceId, batchId, at, seenProgress) {
      return (await table.update(attentionUpdate(workspaceId, batchId, at, seenProgress))).ok;
    },

    async listActiveBatches(now) {
      // `~` sorts after every batch id: every attention time up to and including `now`.
      return (await table.queryIndexUpTo(gsi.ACTIVE, `${now}#~`)).map(parseBatchKey);
    },

    // ── recipients ──────────────────────────────────────────────────────────────────────────
    async getRecipientRun(batchId, index) {
      return parsedItem(await table.get(keys.recipient(batchId, index)), itemToRecipientRun);
    },

    async listRecipientRuns(batchId) {
      const items = await table.queryPrefix(recipientPartition(batchId), SK_PREFIX.recipient, true);
      return items.map(itemToRecipientRun);
    },

    async markDispatched(batchId, indexes, now) {
      await Promise.all(indexes.map((index) => table.update(dispatchedUpdate(batchId, index, now))));
    },

    async releaseHandOver(batchId, index, attempt) {
      return (await table.update(releaseHandOverUpdate(batchId, index, attempt))).ok;
    },

    async markEventRecorded(batchId, index, attempt) {
      const written = await table.update(eventRecordedUpdate(batchId, index, attempt));
      return written.ok && written.item.handedOverAttempt !== attempt;
    },

    // ── reads of one dial, of one delivery: one BatchGetItem each ──────────────────────────
    async getDialReads(ref, agentId, phoneNumberId) {
      const [batch, recipient, agent, phone] = await table.batchGet([
        keys.batch(ref.workspaceId, ref.batchId),
        keys.recipient(ref.batchId, ref.recipientIndex),
        keys.agent(ref.workspaceId, agentId),
        keys.phoneNumber(ref.workspaceId, phoneNumberId),
      ]);
      return {
        batch: parsedItem(batch ?? null, itemToBatchRun),
        recipient: parsedItem(recipient ?? null, itemToRecipientRun),
        agent: parsedItem(agent ?? null, itemToAgent),
        phone: parsedItem(phone ?? null, itemToPhoneNumber),
      };
    },

    async getDeliveryReads(record, { payload }) {
      const { workspaceId, agentId, batchId, recipientIndex } = record;
      // The endpoint's breaker rides along with the agent: one request for both.
      const [agent, endpoint, batch, recipient] = await table.batchGet([
        keys.agent(workspaceId, agentId),
        runKeys.webhookEndpoint(workspaceId, agentId),
        ...(payload ? [keys.batch(workspaceId, batchId)] : []),
        ...(payload && recipientIndex !== null ? [keys.recipient(batchId, recipientIndex)] : []),
      ]);
      return {
        agent: parsedItem(agent ?? null, itemToAgent),
        endpoint: parsedItem(endpoint ?? null, itemToEndpointHealth),
        batch: parsedItem(batch ?? null, itemToBatch),
        recipient: parsedItem(recipient ?? null, itemToRecipientRun),
      };
    },

    async getEndpointHealth(ref) {
      return parsedItem(
        await table.get(runKeys.webhookEndpoint(ref.workspaceId, ref.agentId)),
        itemToEndpointHealth,
      );
    },
  };
}
