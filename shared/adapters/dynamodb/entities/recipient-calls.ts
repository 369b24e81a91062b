import type { CallRef } from '../../../ports/dialer.ts';
import type { ClaimPacing, ClaimResult, ContactClaim, RunStore } from '../../../ports/run-store.ts';
import { keys, recipientPartition } from '../keys.ts';
import type { Table, TransactItem } from '../table-ops.ts';
import { itemToBatch, moveCount, releaseSlotUpdate, RUNNING } from './batch.ts';
import { DUE_WRITTEN, dueCountUpdate, withDueCount } from './due-count.ts';
import { callIndexItem } from './call-index.ts';
import { contactClaimUpdate } from './contact.ts';
import { deleteDue, dueItem, putDue } from './due.ts';
import { liveEventPut } from './live-events.ts';
import { suppressionConditionCheck } from './suppression.ts';
import { boundedText } from './stored.ts';
import {
  CLAIM_SHARD_TRIES,
  liveShardCondition,
  liveShardRecord,
  releaseLiveCall,
  shardCountOf,
  shardsToTry,
  takeLiveCall,
  type LiveShardMemory,
} from './live-calls.ts';
import { idlePacingUpdate, type PacingMemory } from './pacing.ts';

/**
 * A recipient's call attempts. Each status change is one transaction of three items: the recipient
 * (conditioned on its status and attempt number, so duplicates and races have one winner), the batch's
 * counts, and the workspace's live calls (one shard of them: ./live-calls.ts). A lost condition is an
 * answer (false), never an error. Each visible change also puts its live event entry in the same
 * transaction (./live-events.ts): the live feed costs no request of its own, and an entry exists
 * exactly when its change committed. The end of a call is ./call-end.ts.
 */

/** The parts of the claim transaction, by position (its cancellation reasons say which failed). */
const CLAIM = { recipient: 0, batch: 1, liveCalls: 2, suppression: 3, contact: 4, pacing: 5 } as const;

type RecipientRef = Pick<CallRef, 'batchId' | 'recipientIndex'>;
const recipientKey = (ref: RecipientRef) => keys.recipient(ref.batchId, ref.recipientIndex);

/** The recipient half of a transition: `condition` on the current state, then `set` (and `remove`). */
export function recipientUpdate(
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

/**
 * A dial turn given back in a transaction (the batch does not run, or the recipient will not be
 * dialed). Without the standalone release's `slots > 0` condition: a count that drifted must not
 * block the recipient's own change (the sweeper repairs the count; claims still bound the calls).
 */
function releaseSlot(tableName: string, ref: Pick<CallRef, 'workspaceId' | 'batchId'>): TransactItem {
  const { Key, UpdateExpression, ExpressionAttributeValues } = releaseSlotUpdate(
    ref.workspaceId,
    ref.batchId,
  );
  return {
    Update: {
      TableName: tableName,
      Key,
      UpdateExpression: UpdateExpression ?? '',
      ExpressionAttributeValues: { ':one': ExpressionAttributeValues?.[':one'] },
    },
  };
}

function batchSideOfSkip(
  tableName: string,
  ref: Pick<CallRef, 'workspaceId' | 'batchId'>,
  what: { moveCounts: boolean; releaseTurn: boolean },
): TransactItem[] {
  if (!what.moveCounts) return what.releaseTurn ? [releaseSlot(tableName, ref)] : [];
  const move = moveCount(tableName, ref, 'pending', 'skipped');
  if (!what.releaseTurn || !move.Update) return [move];
  return [
    {
      Update: {
        ...move.Update,
        UpdateExpression: `${move.Update.UpdateExpression}, slots = slots - :one`,
      },
    },
  ];
}

export function recipientCalls(
  table: Table,
  memory: { pacingSeen: PacingMemory; liveShards: LiveShardMemory },
): Pick<
  RunStore,
  | 'claimRecipient'
  | 'recordPlacedCall'
  | 'unclaimRecipient'
  | 'abandonRecipient'
  | 'deferRecipient'
  | 'skipRecipient'
> {
  const { name } = table;
  const { pacingSeen, liveShards } = memory;

  function claimItems(
    ref: CallRef,
    now: string,
    phone: string,
    contact: ContactClaim,
    shard: number,
    pacing: ClaimPacing | undefined,
  ): TransactItem[] {
    const record = liveShardRecord(shard);
    const items: TransactItem[] = [];
    items[CLAIM.recipient] = recipientUpdate(name, ref, {
      // The provider's call id of an earlier attempt must not match this attempt's callbacks. The
      // shard is recorded for the end, which releases it.
      expression:
        `SET #status = :dialing, attempts = :attempt, dialingSince = :now${record.set} ` +
        `REMOVE providerCallId, provider${record.remove}`,
      condition: '#status = :pending AND attempts = :previous',
      values: {
        ':dialing': 'dialing',
        ':pending': 'pending',
        ':attempt': ref.attempt,
        ':previous': ref.attempt - 1,
        ':now': now,
        ...record.values,
      },
    });
    // The batch's call slots: dialing may not reach max_concurrent_calls.
    items[CLAIM.batch] = moveCount(name, ref, 'pending', 'dialing', {
      expression: '#status = :running AND #counts.#to < maxConcurrentCalls',
      names: { '#status': 'status' },
      values: { ':running': RUNNING },
    });
    // The workspace's call slots, across all of its batches: one shard of them.
    items[CLAIM.liveCalls] = takeLiveCall(name, ref.workspaceId, shard);
    // Checked right before the dial, in the claim itself: a phone suppressed after the batch was
    // created (an opt-out in another batch, an API add) is never dialed.
    items[CLAIM.suppression] = suppressionConditionCheck(name, ref.workspaceId, phone, new Date(now));
    // The attempt joins the phone's contact history in the same write; under a contact limit, only
    // if the history is still the one the limit was decided on.
    items[CLAIM.contact] = contactClaimUpdate(name, ref.workspaceId, phone, contact, Date.parse(now));
    // The number idle: its pacing slot "now" in the same write (one request instead of two).
    if (pacing) items[CLAIM.pacing] = idlePacingUpdate(name, { workspaceId: ref.workspaceId, ...pacing });
    // Last, after the parts read by position: the live feed's entry (no condition, never the cause).
    items.push(
      liveEventPut(name, ref.batchId, ref.recipientIndex, { status: 'dialing', attempts: ref.attempt }),
    );
    return items;
  }

  return {
    async claimRecipient(ref, now, phone, contact, options = {}): Promise<ClaimResult> {
      const { pacing } = options;
      const nowMs = Date.parse(now);
      // The number seen busy by this container: a transaction that fails on its pacing is wasted.
      const seenNext = pacing && pacingSeen.seen(ref.workspaceId, pacing.phoneNumberId);
      if (pacing && seenNext !== undefined && seenNext >= pacing.nowMs) return 'pacing_busy';
      const known = liveShards.known(ref.workspaceId, nowMs);
      // Shard count unknown: shard 0 alone (every workspace has it, most have only it) until it is full.
      const tries = known === undefined ? [0] : shardsToTry(known);
      for (let i = 0; i < tries.length; i++) {
        const shard = tries[i] ?? 0;
        const failed = await table.transact(claimItems(ref, now, phone, contact, shard, pacing));
        if (failed === null) {
          if (pacing) {
            pacingSeen.remember(ref.workspaceId, pacing.phoneNumberId, pacing.nowMs + pacing.intervalMs);
          }
          return { liveShard: shard };
        }
        if (failed[CLAIM.recipient]) return 'not_pending';
        if (failed[CLAIM.suppression]) return 'suppressed';
        if (failed[CLAIM.contact]) return 'contact_busy';
        if (failed[CLAIM.batch]) {
          const item = await table.get(keys.batch(ref.workspaceId, ref.batchId));
          return item && itemToBatch(item).status === RUNNING ? 'batch_full' : 'batch_not_running';
        }
        if (pacing && failed[CLAIM.pacing]) {
          // Its next slot is now or later: the slot reservation takes the busy form first.
          pacingSeen.remember(ref.workspaceId, pacing.phoneNumberId, pacing.nowMs);
          return 'pacing_busy';
        }
        // Only this shard is full. Learn how many the workspace has if this container does not know.
        if (known === undefined) {
          const workspace = await table.get(keys.workspace(ref.workspaceId), false);
          const count = workspace ? shardCountOf(workspace) : 1;
          liveShards.remember(ref.workspaceId, count, nowMs);
          if (count > 1)
            tries.push(
              ...shardsToTry(count)
                .filter((s) => !tries.includes(s))
                .slice(0, CLAIM_SHARD_TRIES - tries.length),
            );
        }
      }
      // Every shard tried was full. A count remembered from earlier may be stale (the limit changed):
      // the next claim learns it again. One just read is fresh.
      if (known !== undefined) liveShards.forget(ref.workspaceId);
      return 'workspace_full';
    },

    async recordPlacedCall(ref, recipientId, provider, providerCallId, options = { index: true }) {
      const remembered = table.update({
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
      // Independent writes: the index does not wait for the recipient's (a callback may be quick).
      await Promise.all([
        remembered,
        options.index
          ? table.put({ Item: callIndexItem(provider, providerCallId, { ...ref, recipientId }) })
          : null,
      ]);
    },

    async unclaimRecipient(ref, claimed) {
      const held = liveShardCondition(claimed.liveShard);
      const failed = await table.transact([
        recipientUpdate(name, ref, {
          expression: 'SET #status = :pending, attempts = :previous REMOVE dialingSince, liveShard',
          condition: `#status = :dialing AND attempts = :attempt AND ${held.condition}`,
          values: {
            ':pending': 'pending',
            ':dialing': 'dialing',
            ':attempt': ref.attempt,
            ':previous': ref.attempt - 1,
            ...held.values,
          },
        }),
        moveCount(name, ref, 'dialing', 'pending'),
        releaseLiveCall(name, ref.workspaceId, claimed.liveShard),
        liveEventPut(name, ref.batchId, ref.recipientIndex, { status: 'pending', attempts: ref.attempt - 1 }),
      ]);
      return failed === null;
    },

    async deferRecipient(ref, dueAtMs, options) {
      const due = dueItem(ref.batchId, ref.recipientIndex, ref.attempt, dueAtMs);
      const failed = await table.transact([
        recipientUpdate(name, ref, {
          expression: 'SET nextAttemptAt = :at, dueSk = :dueSk REMOVE dispatchedAt',
          // Only the dispatch of this very attempt waits: a copy of its message finds it waiting.
          condition: '#status = :pending AND attempts = :previous AND attribute_exists(dispatchedAt)',
          values: {
            ':at': new Date(dueAtMs).toISOString(),
            ':dueSk': due.SK,
            ':pending': 'pending',
            ':previous': ref.attempt - 1,
          },
        }),
        putDue(name, due),
        // The batch item counts its waiting recipients (one write to it: with the turn given back).
        options.releaseSlot
          ? withDueCount(releaseSlot(name, ref), DUE_WRITTEN)
          : dueCountUpdate(name, ref, DUE_WRITTEN),
        liveEventPut(name, ref.batchId, ref.recipientIndex, {
          status: 'pending',
          attempts: ref.attempt - 1,
          nextAttemptAt: new Date(dueAtMs).toISOString(),
        }),
      ]);
      return failed === null;
    },

    async skipRecipient(ref, reason, state) {
      const failed = await table.transact([
        recipientUpdate(name, ref, {
          expression:
            'SET #status = :skipped, skipReason = :reason REMOVE nextAttemptAt, dueSk, dispatchedAt',
          // The state the caller saw: a recipient that was dispatched meanwhile is looked at again.
          condition:
            '#status = :pending AND ' +
            (state.heldSlot ? 'attribute_exists(dispatchedAt)' : 'attribute_not_exists(dispatchedAt)') +
            (state.dueSk ? ' AND dueSk = :dueSk' : ' AND attribute_not_exists(dueSk)'),
          values: {
            ':skipped': 'skipped',
            ':reason': reason,
            ':pending': 'pending',
            ...(state.dueSk ? { ':dueSk': state.dueSk } : {}),
          },
        }),
        // One write to the batch item (a transaction may touch an item once): the counts (a cancel
        // moved all of them at once already) and the dial turn the recipient gives back.
        ...batchSideOfSkip(name, ref, {
          moveCounts: !state.countsMoved,
          releaseTurn: state.heldSlot && !state.turnPassedOn,
        }),
        ...(state.dueSk ? [deleteDue(name, { PK: recipientPartition(ref.batchId), SK: state.dueSk })] : []),
        liveEventPut(name, ref.batchId, ref.recipientIndex, { status: 'skipped', skipReason: reason }),
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
        liveEventPut(name, ref.batchId, ref.recipientIndex, {
          status: 'failed',
          outcome: 'failed',
          endedAt: now,
          error: boundedText(error),
        }),
      ]);
      return failed === null;
    },
  };
}
