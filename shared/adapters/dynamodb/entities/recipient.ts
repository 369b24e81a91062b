import {
  CALL_OUTCOMES,
  RECIPIENT_STATUSES,
  SKIP_REASONS,
  type Attempt,
  type DynamicVars,
  type Recipient,
} from '../../../domain/recipient.ts';
import type { RecipientRun } from '../../../ports/run-store.ts';
import { ENTITY, keys } from '../keys.ts';
import type { Item, UpdateInput } from '../table-ops.ts';
import { expectEntity, read } from './parse.ts';
import { stored, type Stored } from './stored.ts';

/**
 * A recipient: BATCH#<batchId> / R#<index, 4 digits>, so a Query returns a batch's recipients in
 * input order. Besides the domain fields it carries the bookkeeping of running it (RecipientRun):
 * when it was dispatched and dialed, the provider's call id, the hand-over and event marks (each
 * holds the attempt it was set for: a retried recipient ends several attempts), its due item while it
 * waits (./due.ts). Its status changes with the batch's counts in one transaction
 * (./recipient-calls.ts).
 */

/** Recipients carry their workspace id: the recipient partition is keyed by batch only. */
export function recipientToItem(recipient: Recipient): Stored<Recipient> {
  return stored(recipient, keys.recipient(recipient.batchId, recipient.index), ENTITY.recipient);
}

function readRecipient(item: Item): Recipient {
  return {
    id: read.string(item, 'id'),
    batchId: read.string(item, 'batchId'),
    workspaceId: read.string(item, 'workspaceId'),
    index: read.number(item, 'index'),
    phone: read.string(item, 'phone'),
    dynamicVars: read.map<DynamicVars>(item, 'dynamicVars'),
    status: read.oneOf(item, 'status', RECIPIENT_STATUSES),
    outcome: read.nullableOneOf(item, 'outcome', CALL_OUTCOMES),
    attempts: read.number(item, 'attempts'),
    conversationId: read.nullableString(item, 'conversationId'),
    startedAt: read.nullableString(item, 'startedAt'),
    endedAt: read.nullableString(item, 'endedAt'),
    durationSecs: read.nullableNumber(item, 'durationSecs'),
    error: read.nullableString(item, 'error'),
    skipReason: read.nullableOneOf(item, 'skipReason', SKIP_REASONS),
    nextAttemptAt: read.nullableString(item, 'nextAttemptAt'),
    // Absent on an item written before round two: its times were UTC.
    timezones: item.timezones === undefined ? ['UTC'] : read.list<string>(item, 'timezones'),
    attemptHistory: item.attemptHistory === undefined ? [] : read.list<Attempt>(item, 'attemptHistory'),
  };
}

/**
 * A recipient as a create writes it. One skipped already (a suppressed phone, a duplicate) is marked
 * `createdSkipped`: the fresh-recipient cursor still hands it a dial turn, which its dial passes on
 * (`takeSkippedTurn`, once).
 */
export function newRecipientToItem(recipient: Recipient): Stored<Recipient> & { createdSkipped?: true } {
  const item = recipientToItem(recipient);
  return recipient.status === 'skipped' ? { ...item, createdSkipped: true } : item;
}

/** Takes the dial turn a create-time skipped recipient was handed (true once). */
export function skippedTurnUpdate(batchId: string, index: number): UpdateInput {
  return {
    Key: keys.recipient(batchId, index),
    UpdateExpression: 'SET turnPassed = :yes',
    ConditionExpression: 'createdSkipped = :yes AND attribute_not_exists(turnPassed)',
    ExpressionAttributeValues: { ':yes': true },
  };
}

export function itemToRecipient(item: Item): Recipient {
  expectEntity(item, ENTITY.recipient);
  return readRecipient(item);
}

export function itemToRecipientRun(item: Item): RecipientRun {
  expectEntity(item, ENTITY.recipient);
  // Object.assign, not a spread: copying a fresh object into a bigger literal is ~10× slower in V8,
  // and this runs for every recipient the run path reads.
  const recipient = readRecipient(item);
  const forThisAttempt = (name: string) => read.nullableNumber(item, name) === recipient.attempts;
  return Object.assign(recipient, {
    dispatchedAt: read.nullableString(item, 'dispatchedAt'),
    dialingSince: read.nullableString(item, 'dialingSince'),
    provider: read.nullableString(item, 'provider'),
    providerCallId: read.nullableString(item, 'providerCallId'),
    handedOver: forThisAttempt('handedOverAttempt'),
    eventRecorded: forThisAttempt('eventRecordedAttempt'),
    transcriptKey: read.nullableString(item, 'transcriptKey'),
    dueSk: read.nullableString(item, 'dueSk'),
    // Absent: shard 0 (the workspace item), also for a recipient claimed before the shards came.
    liveShard: read.nullableNumber(item, 'liveShard') ?? 0,
  });
}

export function dispatchedUpdate(batchId: string, index: number, now: string): UpdateInput {
  return {
    Key: keys.recipient(batchId, index),
    UpdateExpression: 'SET dispatchedAt = :now',
    ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':now': now },
  };
}

/**
 * Gives the hand-over mark of attempt `attempt` back (a dispatch that failed), unless the stream
 * reaction already recorded its event: then that reaction (or the sweeper) hands the turn over instead.
 */
export function releaseHandOverUpdate(batchId: string, index: number, attempt: number): UpdateInput {
  return {
    Key: keys.recipient(batchId, index),
    UpdateExpression: 'REMOVE handedOverAttempt',
    ConditionExpression:
      'handedOverAttempt = :n AND (attribute_not_exists(eventRecordedAttempt) OR eventRecordedAttempt <> :n)',
    ExpressionAttributeValues: { ':n': attempt },
  };
}

/**
 * Marks the event of ended attempt `attempt` recorded, and its turn handed over; answers the values
 * before this write (a hand-over mark of another attempt then means this write handed it over).
 * The attempt must be the recipient's latest and not dialing: a retried recipient waits as pending.
 */
export function eventRecordedUpdate(batchId: string, index: number, attempt: number): UpdateInput {
  return {
    Key: keys.recipient(batchId, index),
    UpdateExpression: 'SET eventRecordedAttempt = :n, handedOverAttempt = :n',
    ConditionExpression: 'attempts = :n AND #status <> :dialing',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':n': attempt, ':dialing': 'dialing' },
    ReturnValues: 'UPDATED_OLD',
  };
}
