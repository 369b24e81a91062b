import type { CallRef } from '../../../ports/dialer.ts';
import type { CallEnd, ClaimResult, RunStore } from '../../../ports/run-store.ts';
import { keys } from '../keys.ts';
import type { Table, TransactItem } from '../table-ops.ts';
import { itemToBatch, moveCount, RUNNING } from './batch.ts';
import { callIndexItem } from './call-index.ts';
import { boundedText } from './stored.ts';
import { liveCallSlot } from './workspace.ts';

/**
 * A recipient's call attempts. Each status change is one transaction of three items: the recipient
 * (conditioned on its status and attempt number, so duplicates and races have one winner), the batch's
 * counts, and the workspace's live calls. A lost condition is an answer (false), never an error.
 */

type RecipientRef = Pick<CallRef, 'batchId' | 'recipientIndex'>;
const recipientKey = (ref: RecipientRef) => keys.recipient(ref.batchId, ref.recipientIndex);

/** The recipient half of a transition: `condition` on the current state, then `set` (and `remove`). */
function recipientUpdate(
  tableName: string,
  ref: RecipientRef,
  update: { expression: string; condition: string; values: Record<string, unknown> },
): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: recipientKey(ref),
      UpdateExpression: update.expression,
      ConditionExpression: update.condition,
      ExpressionAttributeNames: update.expression.includes('#error')
        ? { '#status': 'status', '#error': 'error' }
        : { '#status': 'status' },
      ExpressionAttributeValues: update.values,
    },
  };
}

export function recipientCalls(
  table: Table,
): Pick<
  RunStore,
  'claimRecipient' | 'recordPlacedCall' | 'unclaimRecipient' | 'endCall' | 'abandonRecipient'
> {
  const { name } = table;
  return {
    async claimRecipient(ref, now): Promise<ClaimResult> {
      const failed = await table.transact([
        recipientUpdate(name, ref, {
          expression: 'SET #status = :dialing, attempts = :attempt, dialingSince = :now',
          condition: '#status = :pending AND attempts = :previous',
          values: {
            ':dialing': 'dialing',
            ':pending': 'pending',
            ':attempt': ref.attempt,
            ':previous': ref.attempt - 1,
            ':now': now,
          },
        }),
        // The batch's call slots: dialing may not reach max_concurrent_calls.
        moveCount(name, ref, 'pending', 'dialing', {
          expression: '#status = :running AND #counts.#to < maxConcurrentCalls',
          names: { '#status': 'status' },
          values: { ':running': RUNNING },
        }),
        // The workspace's call slots, across all of its batches.
        liveCallSlot(name, ref.workspaceId, 1),
      ]);
      if (failed === null) return 'claimed';
      if (failed[0]) return 'not_pending';
      if (failed[1]) {
        const item = await table.get(keys.batch(ref.workspaceId, ref.batchId));
        return item && itemToBatch(item).status === RUNNING ? 'batch_full' : 'batch_not_running';
      }
      return 'workspace_full';
    },

    async recordPlacedCall(ref, recipientId, provider, providerCallId) {
      await table.update({
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
      await table.put({ Item: callIndexItem(provider, providerCallId, { ...ref, recipientId }) });
    },

    async unclaimRecipient(ref) {
      const failed = await table.transact([
        recipientUpdate(name, ref, {
          expression: 'SET #status = :pending, attempts = :previous REMOVE dialingSince',
          condition: '#status = :dialing AND attempts = :attempt',
          values: {
            ':pending': 'pending',
            ':dialing': 'dialing',
            ':attempt': ref.attempt,
            ':previous': ref.attempt - 1,
          },
        }),
        moveCount(name, ref, 'dialing', 'pending'),
        liveCallSlot(name, ref.workspaceId, -1),
      ]);
      return failed === null;
    },

    async endCall(ref, end: CallEnd, options = {}) {
      const failed = await table.transact([
        recipientUpdate(name, ref, {
          expression:
            'SET #status = :status, outcome = :outcome, startedAt = :startedAt, endedAt = :endedAt, ' +
            'durationSecs = :duration, #error = :error, conversationId = :conversationId, transcriptKey = :transcriptKey' +
            (options.handOver ? ', handedOver = :yes' : ''),
          condition: '#status = :dialing AND attempts = :attempt',
          values: {
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
        }),
        moveCount(name, ref, 'dialing', end.status),
        liveCallSlot(name, ref.workspaceId, -1),
      ]);
      return failed === null;
    },

    async abandonRecipient(ref, error, now) {
      const failed = await table.transact([
        recipientUpdate(name, ref, {
          expression: 'SET #status = :failed, outcome = :outcome, endedAt = :now, #error = :error',
          condition: '#status = :pending',
          values: {
            ':failed': 'failed',
            ':outcome': 'failed',
            ':now': now,
            ':error': boundedText(error),
            ':pending': 'pending',
          },
        }),
        moveCount(name, ref, 'pending', 'failed'),
      ]);
      return failed === null;
    },
  };
}
