import { breakerMark, callTimeMs } from '../../../domain/guardrails.ts';
import { endedAttempt, endedFields } from '../../../domain/recipient.ts';
import type { CallRef } from '../../../ports/dialer.ts';
import type { CallEnd, EndOptions, RunStore } from '../../../ports/run-store.ts';
import { keys } from '../keys.ts';
import type { Table, TransactItem } from '../table-ops.ts';
import { moveCount, RUNNING, withProgress } from './batch.ts';
import { DUE_WRITTEN, withDueCount } from './due-count.ts';
import { dueItem, putDue } from './due.ts';
import { liveEventPut } from './live-events.ts';
import { outboxToItem } from './outbox.ts';
import { recipientUpdate } from './recipient-calls.ts';
import { boundedText } from './stored.ts';
import { liveShardCondition, releaseLiveCall } from './live-calls.ts';

/**
 * The end of a call attempt: one transaction moves the recipient `dialing → completed|failed` (or
 * back to `pending`, due at its retry) for this very attempt, the batch's counts and guardrail
 * figures, and the workspace's live calls. What would otherwise follow it as writes of their own
 * rides in the same transaction (issue 16's lean run path):
 *   - the attempt's outbox record and the mark that its event is recorded (the stream's reaction to
 *     the end then has nothing to do: no read, no put, no mark);
 *   - the dial turn passed to the next fresh recipient: the batch's cursor moves on (conditioned on
 *     the value the caller read, so two ends never hand out one index) and that recipient is marked
 *     dispatched. A cursor that moved meanwhile cancels only that part: the end is written again
 *     without it, and the caller passes the turn the usual way.
 */

interface HandOver {
  /** The cursor the caller read: the index the turn passes to. */
  dispatched: number;
  now: string;
  /**
   * False when the cursor points at the recipient ending: it was dialed before the cursor reached it
   * (a dial message the cursor never handed out). Its end then only steps the cursor past it (a
   * transaction may not touch one item twice) and the caller passes the turn the usual way.
   */
  toNext: boolean;
}

function endItems(
  tableName: string,
  ref: CallRef,
  end: CallEnd,
  options: EndOptions,
  handOver: HandOver | null,
): TransactItem[] {
  // A retried attempt: its due item, for attempt n+1 at the retry time.
  const due =
    end.retryAt === null
      ? null
      : dueItem(ref.batchId, ref.recipientIndex, ref.attempt + 1, Date.parse(end.retryAt));
  // The slot released is the one the claim took: the recipient's condition checks it.
  const held = liveShardCondition(end.liveShard);
  const batchUpdate = withProgress(
    countDue(
      withGuardrailFigures(moveCount(tableName, ref, 'dialing', due ? 'pending' : end.status), end),
      due !== null,
    ),
    end.endedAt,
    ref.batchId,
  );
  return [
    recipientUpdate(tableName, ref, {
      expression:
        'SET #status = :status, outcome = :outcome, startedAt = :startedAt, endedAt = :endedAt, ' +
        'durationSecs = :duration, #error = :error, conversationId = :conversationId, transcriptKey = :transcriptKey, ' +
        'attemptHistory = list_append(if_not_exists(attemptHistory, :none), :attempt)' +
        (options.handOver || handOver ? ', handedOverAttempt = :n' : '') +
        (options.eventRecorded ? ', eventRecordedAttempt = :n' : '') +
        // A retried attempt waits (pending, due at its retry) and gives up its dispatch.
        (due ? ', nextAttemptAt = :retryAt, dueSk = :dueSk REMOVE dispatchedAt, dialingSince' : ''),
      condition: `#status = :dialing AND attempts = :n AND ${held.condition}`,
      values: {
        ...held.values,
        ':status': due ? 'pending' : end.status,
        ':outcome': end.outcome,
        ':startedAt': end.startedAt,
        ':endedAt': end.endedAt,
        ':duration': end.durationSecs,
        ':error': boundedText(end.error),
        ':conversationId': end.conversationId,
        ':transcriptKey': end.transcriptKey,
        ':dialing': 'dialing',
        ':n': ref.attempt,
        ':none': [],
        ':attempt': [endedAttempt(ref.attempt, end)],
        ...(due ? { ':retryAt': end.retryAt, ':dueSk': due.SK } : {}),
      },
    }),
    // Progress: a hand-over that dies after this write is found by the sweeper grace later.
    handOver ? withCursorStep(batchUpdate, handOver.dispatched) : batchUpdate,
    releaseLiveCall(tableName, ref.workspaceId, end.liveShard),
    ...(due ? [putDue(tableName, due)] : []),
    ...(options.outbox ? [{ Put: { TableName: tableName, Item: outboxToItem(options.outbox) } }] : []),
    ...(handOver?.toNext ? [dispatchedMark(tableName, ref.batchId, handOver)] : []),
    // The live feed's entry for this change (./live-events.ts): no request of its own.
    liveEventPut(tableName, ref.batchId, ref.recipientIndex, { ...endedFields(end), attempts: ref.attempt }),
  ];
}

/** The batch update also moves the cursor past `dispatched`, only from that value, only while it runs. */
function withCursorStep(update: TransactItem, dispatched: number): TransactItem {
  if (!update.Update) return update;
  const expression = update.Update.UpdateExpression ?? '';
  const add = expression.indexOf(' ADD ');
  const step = ', dispatched = :nextCursor';
  return {
    Update: {
      ...update.Update,
      UpdateExpression: add < 0 ? expression + step : expression.slice(0, add) + step + expression.slice(add),
      ConditionExpression:
        'dispatched = :cursor AND dispatched < totalRecipients AND #batchStatus = :running',
      ExpressionAttributeNames: { ...update.Update.ExpressionAttributeNames, '#batchStatus': 'status' },
      ExpressionAttributeValues: {
        ...update.Update.ExpressionAttributeValues,
        ':cursor': dispatched,
        ':nextCursor': dispatched + 1,
        ':running': RUNNING,
      },
    },
  };
}

/** The next recipient's dispatch mark (as a separate dispatch writes it: entities/recipient.ts). */
function dispatchedMark(tableName: string, batchId: string, handOver: HandOver): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.recipient(batchId, handOver.dispatched),
      UpdateExpression: 'SET dispatchedAt = :dispatchedNow',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':dispatchedNow': handOver.now },
    },
  };
}

export function callEnds(table: Table): Pick<RunStore, 'endCall' | 'endCallAndPass'> {
  return {
    async endCall(ref, end, options = {}) {
      return (await table.transact(endItems(table.name, ref, end, options, null))) === null;
    },

    async endCallAndPass(ref, end, options) {
      const handOver = {
        dispatched: options.dispatched,
        now: options.now,
        toNext: options.dispatched !== ref.recipientIndex,
      };
      const failed = await table.transact(endItems(table.name, ref, end, options, handOver));
      if (failed === null) return { ended: true, handedTo: handOver.toNext ? handOver.dispatched : null };
      // The recipient's own condition: a duplicate end, nothing written.
      if (failed[0]) return { ended: false, handedTo: null };
      // The cursor moved (or the batch stopped running): the end alone.
      const ended = (await table.transact(endItems(table.name, ref, end, options, null))) === null;
      return { ended, handedTo: null };
    },
  };
}

/**
 * The batch-item half of an ended attempt also keeps the guardrails' figures, in the same write: its
 * summed call time and, when the batch has a failure breaker, the breaker mark of this attempt
 * (appended; the guardrails trim old ones: shared/app/run/guardrails.ts).
 */
function withGuardrailFigures(move: TransactItem, end: CallEnd): TransactItem {
  if (!move.Update) return move;
  return {
    Update: {
      ...move.Update,
      UpdateExpression:
        `${move.Update.UpdateExpression}, ` +
        (end.breakerMark
          ? 'recentOutcomes = list_append(if_not_exists(recentOutcomes, :noMarks), :mark), '
          : '') +
        'callMs = if_not_exists(callMs, :zeroMs) + :callMs',
      ExpressionAttributeValues: {
        ...move.Update.ExpressionAttributeValues,
        ...(end.breakerMark ? { ':noMarks': [], ':mark': [breakerMark(end.outcome)] } : {}),
        ':zeroMs': 0,
        ':callMs': callTimeMs(end.startedAt, end.endedAt, end.durationSecs),
      },
    },
  };
}

/** The end's batch update, counting the due item it puts (a retry). */
function countDue(update: TransactItem, putsDue: boolean): TransactItem {
  return putsDue ? withDueCount(update, DUE_WRITTEN) : update;
}
