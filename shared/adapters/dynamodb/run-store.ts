import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_LOGGED_ATTEMPTS, type OutboxRecord } from '../../domain/outbox.ts';
import type { CallRef } from '../../ports/dialer.ts';
import type { BatchRun, CallEnd, ClaimResult, RecipientRun, RunStore } from '../../ports/run-store.ts';
import { ENTITY, gsi, keys, recipientPartition, runKeys, SK_PREFIX } from './keys.ts';
import { createTable, type Item, type UpdateInput } from './table-ops.ts';
import { itemToAgent, itemToBatch, itemToPhoneNumber, itemToRecipient } from './mappers.ts';
import { TABLE } from './table-definition.ts';

/**
 * DynamoDB side of running batches (shared/ports/run-store.ts). Each state change is one conditional
 * write or one transaction; a lost condition is an answer ("someone else did it"), never an error.
 */

function toRecipientRun(item: Item): RecipientRun {
  return {
    ...itemToRecipient(item),
    dispatchedAt: (item.dispatchedAt as string | undefined) ?? null,
    dialingSince: (item.dialingSince as string | undefined) ?? null,
    provider: (item.provider as string | undefined) ?? null,
    providerCallId: (item.providerCallId as string | undefined) ?? null,
    handedOver: item.handedOver === true,
    eventRecorded: item.eventRecorded === true,
    transcriptKey: (item.transcriptKey as string | undefined) ?? null,
  };
}

function toBatchRun(item: Item): BatchRun {
  return { ...itemToBatch(item), dispatched: typeof item.dispatched === 'number' ? item.dispatched : 0 };
}

function toOutbox(item: Item): OutboxRecord {
  const copy: Item = { ...item };
  for (const name of [
    TABLE.partitionKey,
    TABLE.sortKey,
    'entity',
    TABLE.gsi1.partitionKey,
    TABLE.gsi1.sortKey,
  ]) {
    delete copy[name];
  }
  return copy as unknown as OutboxRecord;
}

type CountName = 'pending' | 'dialing' | 'completed' | 'failed';

/** The condition of a write that sets flags (`:yes`) on a recipient only once it has ended. */
function endedRecipient() {
  return {
    ConditionExpression: '#status IN (:completed, :failed)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':yes': true, ':completed': 'completed', ':failed': 'failed' },
  };
}

/**
 * The batch-item half of a recipient transition: one count down, another up (counts always add up),
 * optionally under a condition (the claim's call-slot check).
 */
function moveCount(
  tableName: string,
  ref: Pick<CallRef, 'workspaceId' | 'batchId'>,
  from: CountName,
  to: CountName,
  condition?: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.batch(ref.workspaceId, ref.batchId),
      UpdateExpression: 'SET #counts.#from = #counts.#from - :one, #counts.#to = #counts.#to + :one',
      ...(condition ? { ConditionExpression: condition.expression } : {}),
      ExpressionAttributeNames: { '#counts': 'counts', '#from': from, '#to': to, ...condition?.names },
      ExpressionAttributeValues: { ':one': 1, ...condition?.values },
    },
  };
}

/** The workspace's live-call counter: +1 only below its limit, −1 when a call ends or is given back. */
function workspaceSlot(tableName: string, workspaceId: string, delta: 1 | -1) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.workspace(workspaceId),
      ...(delta === 1
        ? {
            UpdateExpression: 'SET liveCalls = if_not_exists(liveCalls, :zero) + :one',
            ConditionExpression:
              'attribute_exists(PK) AND (attribute_not_exists(liveCalls) OR liveCalls < maxLiveCalls)',
            ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
          }
        : {
            UpdateExpression: 'SET liveCalls = if_not_exists(liveCalls, :one) - :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
    },
  };
}

/**
 * Error texts come from providers and receivers (their wording, a host name): cut to a size that keeps
 * the recipient item and the 50-attempt delivery log far below DynamoDB's 400 KB (docs/limits.md).
 */
export const MAX_STORED_ERROR_LENGTH = 1_000;

export function boundedText<T extends string | null>(text: T): T {
  if (text === null || text.length <= MAX_STORED_ERROR_LENGTH) return text;
  let cut = MAX_STORED_ERROR_LENGTH - 1;
  // Never between the two halves of a surrogate pair (half a pair has no UTF-8 form).
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…` as T;
}

export function createDynamoRunStore(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): RunStore {
  const { client, tableName } = options;

  const table = createTable(client, tableName);
  const get = table.get;
  const transact = table.transact;

  /** An update whose lost condition is an answer: null. */
  async function update(input: UpdateInput): Promise<Item | null> {
    const written = await table.update(input);
    return written.ok ? written.item : null;
  }

  /** One kind of item under a batch's partition (its recipients, its outbox), strongly consistent. */
  function queryBatchPartition(batchId: string, prefix: string): Promise<Item[]> {
    return table.queryPrefix(recipientPartition(batchId), prefix, true);
  }

  // Per caller number, the next pacing slot this container last saw (bounded: numbers are few).
  const pacingSeen = new Map<string, number>();
  const rememberPacing = (id: string, nextAt: number) => {
    if (pacingSeen.size >= 1_000 && !pacingSeen.has(id)) pacingSeen.clear();
    pacingSeen.set(id, nextAt);
  };

  const recipientKey = (ref: Pick<CallRef, 'batchId' | 'recipientIndex'>) =>
    keys.recipient(ref.batchId, ref.recipientIndex);

  return {
    async getBatchRun(workspaceId, batchId) {
      const item = await get(keys.batch(workspaceId, batchId));
      return item ? toBatchRun(item) : null;
    },

    async getDialReads(ref, agentId, phoneNumberId) {
      const [batch, recipient, agent, phone] = await table.batchGet([
        keys.batch(ref.workspaceId, ref.batchId),
        recipientKey(ref),
        keys.agent(ref.workspaceId, agentId),
        keys.phoneNumber(ref.workspaceId, phoneNumberId),
      ]);
      return {
        batch: batch ? toBatchRun(batch) : null,
        recipient: recipient ? toRecipientRun(recipient) : null,
        agent: agent ? itemToAgent(agent) : null,
        phone: phone ? itemToPhoneNumber(phone) : null,
      };
    },

    async getRecipientRun(batchId, index) {
      const item = await get(keys.recipient(batchId, index));
      return item ? toRecipientRun(item) : null;
    },

    async listRecipientRuns(batchId) {
      return (await queryBatchPartition(batchId, SK_PREFIX.recipient)).map(toRecipientRun);
    },

    async startBatch(workspaceId, batchId, window, now) {
      const item = await update({
        Key: keys.batch(workspaceId, batchId),
        UpdateExpression: 'SET #status = :running, startedAt = :now, dispatched = :window',
        ConditionExpression: 'attribute_exists(PK) AND #status IN (:pending, :scheduled)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':running': 'running',
          ':now': now,
          ':window': window,
          ':pending': 'pending',
          ':scheduled': 'scheduled',
        },
        ReturnValues: 'ALL_NEW',
      });
      return item ? toBatchRun(item) : null;
    },

    async failBatch(workspaceId, batchId, reason, _now) {
      const item = await update({
        Key: keys.batch(workspaceId, batchId),
        UpdateExpression: `SET #status = :failed, failureReason = :reason REMOVE ${TABLE.gsi1.partitionKey}, ${TABLE.gsi1.sortKey}`,
        ConditionExpression: 'attribute_exists(PK) AND #status IN (:pending, :scheduled, :running)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':failed': 'failed',
          ':reason': reason,
          ':pending': 'pending',
          ':scheduled': 'scheduled',
          ':running': 'running',
        },
      });
      return item !== null;
    },

    async completeBatch(workspaceId, batchId, now) {
      // Counts always add up to the total, so "nothing pending or dialing" is "every recipient done".
      const item = await update({
        Key: keys.batch(workspaceId, batchId),
        UpdateExpression: `SET #status = :completed, completedAt = :now REMOVE ${TABLE.gsi1.partitionKey}, ${TABLE.gsi1.sortKey}`,
        ConditionExpression: '#status = :running AND #counts.#pending = :zero AND #counts.#dialing = :zero',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#counts': 'counts',
          '#pending': 'pending',
          '#dialing': 'dialing',
        },
        ExpressionAttributeValues: {
          ':completed': 'completed',
          ':now': now,
          ':running': 'running',
          ':zero': 0,
        },
      });
      return item !== null;
    },

    async markDispatched(batchId, indexes, now) {
      await Promise.all(
        indexes.map((index) =>
          update({
            Key: keys.recipient(batchId, index),
            UpdateExpression: 'SET dispatchedAt = :now',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':now': now },
          }),
        ),
      );
    },

    async reservePacingSlot(workspaceId, phoneNumberId, intervalMs, nowMs, maxAheadMs) {
      const key = runKeys.pacing(workspaceId, phoneNumberId);
      // Without a read: while the number is busy, "next slot + interval" is one conditional write that
      // any number of dialers can apply in turn (DynamoDB serialises writes to an item), so 50 dialers
      // at once cost 50 writes, not the 50² of read-then-compare. When the number is idle (its next
      // slot is in the past or unset), the slot is "now", set by a second form of the write.
      const busy = async (): Promise<number | undefined> => {
        const item = await update({
          Key: key,
          UpdateExpression: 'SET nextAt = nextAt + :interval',
          ConditionExpression: 'nextAt >= :now AND nextAt <= :latest',
          ExpressionAttributeValues: {
            ':interval': intervalMs,
            ':now': nowMs,
            ':latest': nowMs + maxAheadMs,
          },
          ReturnValues: 'UPDATED_NEW',
        });
        return item && typeof item.nextAt === 'number' ? item.nextAt - intervalMs : undefined;
      };
      const idle = async (): Promise<number | undefined> => {
        const item = await update({
          Key: key,
          UpdateExpression: 'SET nextAt = :next, entity = :entity',
          ConditionExpression: 'attribute_not_exists(nextAt) OR nextAt < :now',
          ExpressionAttributeValues: { ':next': nowMs + intervalMs, ':now': nowMs, ':entity': ENTITY.pacing },
        });
        return item ? nowMs : undefined;
      };
      // The form that matches the number's state costs one write; the other, a failed write first.
      // The next slot this container last saw is the best guess of that state.
      const seen = pacingSeen.get(key.PK + key.SK);
      const forms = seen !== undefined && seen >= nowMs ? [busy, idle] : [idle, busy];
      for (let round = 0; round < 10; round++) {
        for (const form of forms) {
          const slot = await form();
          if (slot !== undefined) {
            rememberPacing(key.PK + key.SK, slot + intervalMs);
            return slot;
          }
        }
        // Neither: the next slot is too far ahead (answer null), or it moved between the two writes.
        const item = await get(key);
        if (typeof item?.nextAt === 'number' && item.nextAt > nowMs + maxAheadMs) {
          rememberPacing(key.PK + key.SK, item.nextAt);
          return null;
        }
      }
      throw new Error(`Pacing slot of ${phoneNumberId} is too contended to reserve`);
    },

    async claimRecipient(ref, now): Promise<ClaimResult> {
      const failed = await transact([
        {
          Update: {
            TableName: tableName,
            Key: recipientKey(ref),
            UpdateExpression: 'SET #status = :dialing, attempts = :attempt, dialingSince = :now',
            ConditionExpression: '#status = :pending AND attempts = :previous',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':dialing': 'dialing',
              ':pending': 'pending',
              ':attempt': ref.attempt,
              ':previous': ref.attempt - 1,
              ':now': now,
            },
          },
        },
        // The batch's call slots: dialing may not reach max_concurrent_calls.
        moveCount(tableName, ref, 'pending', 'dialing', {
          expression: '#status = :running AND #counts.#to < maxConcurrentCalls',
          names: { '#status': 'status' },
          values: { ':running': 'running' },
        }),
        // The workspace's call slots, across all of its batches.
        workspaceSlot(tableName, ref.workspaceId, 1),
      ]);
      if (failed === null) return 'claimed';
      if (failed[0]) return 'not_pending';
      if (failed[1]) {
        const batch = await get(keys.batch(ref.workspaceId, ref.batchId));
        return batch?.status === 'running' ? 'batch_full' : 'batch_not_running';
      }
      return 'workspace_full';
    },

    async recordPlacedCall(ref, recipientId, provider, providerCallId) {
      await update({
        Key: recipientKey(ref),
        UpdateExpression: 'SET provider = :provider, providerCallId = :callId',
        // The callback may already have ended this attempt: then there is nothing to remember.
        ConditionExpression: '#status = :dialing AND attempts = :attempt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':provider': provider,
          ':callId': providerCallId,
          ':dialing': 'dialing',
          ':attempt': ref.attempt,
        },
      });
      await table.put({
        Item: {
          ...runKeys.callIndex(provider, providerCallId),
          entity: ENTITY.callIndex,
          ...ref,
          recipientId,
        },
      });
    },

    async unclaimRecipient(ref) {
      const failed = await transact([
        {
          Update: {
            TableName: tableName,
            Key: recipientKey(ref),
            UpdateExpression: 'SET #status = :pending, attempts = :previous REMOVE dialingSince',
            ConditionExpression: '#status = :dialing AND attempts = :attempt',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':pending': 'pending',
              ':dialing': 'dialing',
              ':attempt': ref.attempt,
              ':previous': ref.attempt - 1,
            },
          },
        },
        moveCount(tableName, ref, 'dialing', 'pending'),
        workspaceSlot(tableName, ref.workspaceId, -1),
      ]);
      return failed === null;
    },

    async endCall(ref, end: CallEnd, options = {}) {
      const failed = await transact([
        {
          Update: {
            TableName: tableName,
            Key: recipientKey(ref),
            UpdateExpression:
              'SET #status = :status, outcome = :outcome, startedAt = :startedAt, endedAt = :endedAt, ' +
              'durationSecs = :duration, #error = :error, conversationId = :conversationId, transcriptKey = :transcriptKey' +
              (options.handOver ? ', handedOver = :yes' : ''),
            ConditionExpression: '#status = :dialing AND attempts = :attempt',
            ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
            ExpressionAttributeValues: {
              ':status': end.status,
              ':outcome': end.outcome,
              ':startedAt': end.startedAt,
              ':endedAt': end.endedAt,
              ':duration': end.durationSecs,
              ':error': boundedText(end.error),
              ':conversationId': end.conversationId,
              ':transcriptKey': end.transcriptKey,
              ':dialing': 'dialing',
              ':attempt': ref.attempt,
              ...(options.handOver ? { ':yes': true } : {}),
            },
          },
        },
        moveCount(tableName, ref, 'dialing', end.status),
        workspaceSlot(tableName, ref.workspaceId, -1),
      ]);
      return failed === null;
    },

    async abandonRecipient(ref, error, now) {
      const failed = await transact([
        {
          Update: {
            TableName: tableName,
            Key: recipientKey(ref),
            UpdateExpression: 'SET #status = :failed, outcome = :outcome, endedAt = :now, #error = :error',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
            ExpressionAttributeValues: {
              ':failed': 'failed',
              ':outcome': 'failed',
              ':now': now,
              ':error': boundedText(error),
              ':pending': 'pending',
            },
          },
        },
        moveCount(tableName, ref, 'pending', 'failed'),
      ]);
      return failed === null;
    },

    async findCall(provider, providerCallId) {
      const item = await get(runKeys.callIndex(provider, providerCallId));
      if (!item) return null;
      return {
        workspaceId: item.workspaceId as string,
        batchId: item.batchId as string,
        recipientIndex: item.recipientIndex as number,
        attempt: item.attempt as number,
        recipientId: item.recipientId as string,
      };
    },

    async releaseHandOver(batchId, index) {
      const item = await update({
        Key: keys.recipient(batchId, index),
        UpdateExpression: 'REMOVE handedOver',
        ConditionExpression: 'handedOver = :yes AND attribute_not_exists(eventRecorded)',
        ExpressionAttributeValues: { ':yes': true },
      });
      return item !== null;
    },

    async markEventRecorded(batchId, index) {
      const old = await update({
        Key: keys.recipient(batchId, index),
        UpdateExpression: 'SET eventRecorded = :yes, handedOver = :yes',
        ...endedRecipient(),
        // The values before this write: no handedOver then means this write handed it over.
        ReturnValues: 'UPDATED_OLD',
      });
      return old !== null && old.handedOver !== true;
    },

    async takeNextDispatch(workspaceId, batchId) {
      const item = await update({
        Key: keys.batch(workspaceId, batchId),
        UpdateExpression: 'SET dispatched = dispatched + :one',
        ConditionExpression: '#status = :running AND dispatched < totalRecipients',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':one': 1, ':running': 'running' },
        // The whole batch: the next dial's message carries its agent and number, saving it a read.
        ReturnValues: 'ALL_NEW',
      });
      if (!item || typeof item.dispatched !== 'number') return null;
      const batch = toBatchRun(item);
      return {
        recipientIndex: item.dispatched - 1,
        agentId: batch.agentId,
        phoneNumberId: batch.phoneNumberId,
      };
    },

    async putOutbox(record) {
      // Due at once: the sweeper applies its grace period (the stream's message should deliver it first).
      const dueAt = record.createdAt;
      const written = await table.putNew({
        ...record,
        ...runKeys.outbox(record.batchId, record.webhookId),
        entity: ENTITY.webhook,
        ...gsi.dueWebhook(dueAt, record.batchId, record.webhookId),
      });
      return written.ok;
    },

    async getDeliveryReads(message) {
      const { workspaceId, batchId, recipientIndex } = message;
      const [record, agent, batch, recipient] = await table.batchGet([
        runKeys.outbox(batchId, message.webhookId),
        keys.agent(workspaceId, message.agentId),
        keys.batch(workspaceId, batchId),
        ...(recipientIndex === null ? [] : [keys.recipient(batchId, recipientIndex)]),
      ]);
      return {
        record: record ? toOutbox(record) : null,
        agent: agent ? itemToAgent(agent) : null,
        batch: batch ? itemToBatch(batch) : null,
        recipient: recipient ? toRecipientRun(recipient) : null,
      };
    },

    async getOutbox(batchId, webhookId) {
      const item = await get(runKeys.outbox(batchId, webhookId));
      return item ? toOutbox(item) : null;
    },

    async listOutbox(batchId) {
      const items = await queryBatchPartition(batchId, SK_PREFIX.webhook);
      return items.map(toOutbox).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async claimDelivery(record, now, until) {
      const key = runKeys.outbox(record.batchId, record.webhookId);
      const item = await update({
        Key: key,
        UpdateExpression: 'SET sendingUntil = :until',
        ConditionExpression:
          'size(attempts) = :seen AND #status = :status AND (attribute_not_exists(sendingUntil) OR sendingUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':until': until,
          ':now': now,
          ':seen': record.attempts.length,
          ':status': record.status,
        },
      });
      if (item !== null) return { claimed: true };
      // Lost: either another worker holds this very attempt, or the record has moved on.
      const current = await get(key);
      const attempts = Array.isArray(current?.attempts) ? current.attempts.length : -1;
      const heldUntil = typeof current?.sendingUntil === 'string' ? current.sendingUntil : null;
      const held =
        attempts === record.attempts.length &&
        current?.status === record.status &&
        heldUntil !== null &&
        heldUntil >= now;
      return { claimed: false, heldUntil: held ? heldUntil : null };
    },

    async releaseDelivery(record, until) {
      await update({
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
      const item = await update({
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
      return item !== null;
    },

    async requeueDelivery(batchId, webhookId, now, { manual }) {
      const due = gsi.dueWebhook(now, batchId, webhookId);
      const item = await update({
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
      return item ? toOutbox(item) : null;
    },

    async listActiveBatches() {
      const items = await table.queryIndexUpTo(gsi.ACTIVE);
      return items.map((item) => ({
        workspaceId: String(item.PK).slice('WS#'.length),
        batchId: String(item.SK).slice(SK_PREFIX.batch.length),
      }));
    },

    async listDueDeliveries(now) {
      // GSI1SK starts with the due time; '~' sorts after the '#' that follows it.
      const items = await table.queryIndexUpTo(gsi.HOOKDUE, `${now}~`);
      return items.map((item) => ({
        batchId: String(item.PK).slice('BATCH#'.length),
        webhookId: String(item.SK).slice(SK_PREFIX.webhook.length),
      }));
    },
  };
}
