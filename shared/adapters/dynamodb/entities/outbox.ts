import { PAUSE_REASONS } from '../../../domain/batch.ts';
import { WEBHOOK_EVENTS } from '../../../domain/agent.ts';
import {
  MAX_LOGGED_ATTEMPTS,
  type DeliveryAttempt,
  type DeliveryStatus,
  type OutboxRecord,
  type PayloadSnapshot,
} from '../../../domain/outbox.ts';
import type { RunStore } from '../../../ports/run-store.ts';
import { ENTITY, gsi, parseOutboxKey, recipientPartition, runKeys, SK_PREFIX } from '../keys.ts';
import type { Item, Table } from '../table-ops.ts';
import { expectEntity, read } from './parse.ts';
import { boundedText } from './stored.ts';

/**
 * A webhook event and its delivery log: BATCH#<batchId> / HOOK#<webhook id>, written once per event
 * (its webhook-id is the key). A delivery waiting for a later retry sits in GSI1 under HOOKDUE at its
 * next attempt time, in one of the index's HOOKDUE shards (../keys.ts). A worker claims an attempt
 * (`sendingUntil`, conditioned on the record being due and unclaimed) before it POSTs, so two copies
 * of one message never both send; the claim returns the record, and its `snapshot` (what the payload
 * needs from the batch and recipient) makes the claim the delivery's only read.
 */

const DELIVERY_STATUSES = [
  'pending',
  'retrying',
  'delivered',
  'failed',
  'disabled',
] as const satisfies readonly DeliveryStatus[];

/** Due at once: the sweeper applies its grace period (the stream's message should deliver it first). */
export function outboxToItem(record: OutboxRecord): Item {
  return {
    ...record,
    ...runKeys.outbox(record.batchId, record.webhookId),
    entity: ENTITY.webhook,
    ...gsi.dueWebhook(record.createdAt, record.batchId, record.webhookId),
  };
}

export function itemToOutbox(item: Item): OutboxRecord {
  expectEntity(item, ENTITY.webhook);
  return {
    webhookId: read.string(item, 'webhookId'),
    workspaceId: read.string(item, 'workspaceId'),
    batchId: read.string(item, 'batchId'),
    agentId: read.string(item, 'agentId'),
    eventType: read.oneOf(item, 'eventType', WEBHOOK_EVENTS),
    recipientIndex: read.nullableNumber(item, 'recipientIndex'),
    occurredAt: read.string(item, 'occurredAt'),
    status: read.oneOf(item, 'status', DELIVERY_STATUSES),
    attempts: read.list<DeliveryAttempt>(item, 'attempts'),
    nextAttemptAt: read.nullableString(item, 'nextAttemptAt'),
    createdAt: read.string(item, 'createdAt'),
    ...(item.pauseReason === undefined
      ? {}
      : { pauseReason: read.nullableOneOf(item, 'pauseReason', PAUSE_REASONS) }),
    ...(item.snapshot === undefined ? {} : { snapshot: readSnapshot(item) }),
  };
}

function readSnapshot(item: Item): PayloadSnapshot {
  const snapshot = read.map<Item>(item, 'snapshot');
  return {
    data: read.map<Record<string, unknown>>(snapshot, 'data'),
    conversationAttempt: read.nullableNumber(snapshot, 'conversationAttempt'),
  };
}

/**
 * The claim's conditions: still to be delivered, due (a duplicate of the message that carried the
 * previous attempt must not pull the next one forward; `dueBy` allows for the clocks of two workers)
 * and not held by another worker's unexpired claim.
 */
const CLAIM_CONDITION = [
  '#status IN (:pending, :retrying)',
  '(nextAttemptAt <= :dueBy OR attribute_type(nextAttemptAt, :null))',
  '(attribute_not_exists(sendingUntil) OR sendingUntil < :now)',
].join(' AND ');

/** Why a claim failed, from the item its condition saw: held by another worker (until when) or not. */
function heldUntilOf(old: Item | null, now: string): string | null {
  if (!old || (old.status !== 'pending' && old.status !== 'retrying')) return null;
  const until = old.sendingUntil;
  return typeof until === 'string' && until >= now ? until : null;
}

type OutboxOps =
  | 'putOutbox'
  | 'getOutbox'
  | 'listOutbox'
  | 'claimDelivery'
  | 'releaseDelivery'
  | 'recordDeliveryAttempt'
  | 'requeueDelivery'
  | 'holdDelivery'
  | 'listDueDeliveries';

export function outboxStore(table: Table): Pick<RunStore, OutboxOps> {
  return {
    async putOutbox(record) {
      return (await table.putNew(outboxToItem(record))).ok;
    },

    async getOutbox(batchId, webhookId) {
      const item = await table.get(runKeys.outbox(batchId, webhookId));
      return item ? itemToOutbox(item) : null;
    },

    async listOutbox(batchId) {
      const items = await table.queryPrefix(recipientPartition(batchId), SK_PREFIX.webhook, true);
      return items.map(itemToOutbox).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async claimDelivery(ref, { now, until, dueBy }) {
      // One request: the claim returns the record it claimed, so the delivery needs no read of it.
      const written = await table.update({
        Key: runKeys.outbox(ref.batchId, ref.webhookId),
        UpdateExpression: 'SET sendingUntil = :until',
        ConditionExpression: `attribute_exists(PK) AND ${CLAIM_CONDITION}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':until': until,
          ':now': now,
          ':dueBy': dueBy,
          ':pending': 'pending',
          ':retrying': 'retrying',
          ':null': 'NULL',
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      if (written.ok) return { claimed: true, record: itemToOutbox(written.item) };
      // Lost: either another worker holds this very attempt, or there is nothing to send now.
      return { claimed: false, heldUntil: heldUntilOf(written.old, now) };
    },

    async releaseDelivery(record, until) {
      await table.update({
        Key: runKeys.outbox(record.batchId, record.webhookId),
        UpdateExpression: 'REMOVE sendingUntil',
        ConditionExpression: 'sendingUntil = :until',
        ExpressionAttributeValues: { ':until': until },
      });
    },

    async recordDeliveryAttempt(record, attempt, { status, nextAttemptAt }) {
      const attempts = [...record.attempts, { ...attempt, error: boundedText(attempt.error) }].slice(
        -MAX_LOGGED_ATTEMPTS,
      );
      // Still waiting: stays in the due index; finished: leaves it.
      const due =
        nextAttemptAt !== null ? gsi.dueWebhook(nextAttemptAt, record.batchId, record.webhookId) : null;
      const written = await table.update({
        Key: runKeys.outbox(record.batchId, record.webhookId),
        UpdateExpression: due
          ? 'SET attempts = :attempts, #status = :status, nextAttemptAt = :next, GSI1PK = :gpk, GSI1SK = :gsk REMOVE sendingUntil'
          : 'SET attempts = :attempts, #status = :status, nextAttemptAt = :next REMOVE GSI1PK, GSI1SK, sendingUntil',
        ConditionExpression: 'size(attempts) = :seen',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':attempts': attempts,
          ':status': status,
          ':next': nextAttemptAt,
          ':seen': record.attempts.length,
          ...(due ? { ':gpk': due.GSI1PK, ':gsk': due.GSI1SK } : {}),
        },
      });
      return written.ok;
    },

    async holdDelivery(record, nextAttemptAt, claimedUntil) {
      // No attempt is logged: the breaker delays a delivery, it does not spend its retries. The
      // claim is given back in the same write, so the held delivery's own message can claim it later.
      const due = gsi.dueWebhook(nextAttemptAt, record.batchId, record.webhookId);
      const written = await table.update({
        Key: runKeys.outbox(record.batchId, record.webhookId),
        UpdateExpression: 'SET nextAttemptAt = :next, GSI1PK = :gpk, GSI1SK = :gsk REMOVE sendingUntil',
        ConditionExpression: 'size(attempts) = :seen AND #status = :status AND sendingUntil = :until',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':next': nextAttemptAt,
          ':seen': record.attempts.length,
          ':status': record.status,
          ':until': claimedUntil,
          ':gpk': due.GSI1PK,
          ':gsk': due.GSI1SK,
        },
      });
      return written.ok;
    },

    async requeueDelivery(batchId, webhookId, now, { manual }) {
      const due = gsi.dueWebhook(now, batchId, webhookId);
      const written = await table.update({
        Key: runKeys.outbox(batchId, webhookId),
        UpdateExpression: manual
          ? 'SET #status = :pending, nextAttemptAt = :now, GSI1PK = :gpk, GSI1SK = :gsk'
          : 'SET nextAttemptAt = :now, GSI1PK = :gpk, GSI1SK = :gsk',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: manual ? { '#status': 'status' } : undefined,
        ExpressionAttributeValues: {
          ...(manual ? { ':pending': 'pending' } : {}),
          ':now': now,
          ':gpk': due.GSI1PK,
          ':gsk': due.GSI1SK,
        },
        ReturnValues: 'ALL_NEW',
      });
      return written.ok ? itemToOutbox(written.item) : null;
    },

    async listDueDeliveries(now, limit) {
      // Every shard at once; GSI1SK starts with the due time, and '~' sorts after the '#' that follows it.
      const shards = await Promise.all(
        gsi.hookDuePartitions().map((partition) => table.queryIndexUpTo(partition, `${now}~`, limit)),
      );
      return shards.flat().map(parseOutboxKey);
    },
  };
}
