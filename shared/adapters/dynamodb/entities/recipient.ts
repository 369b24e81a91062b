import {
  CALL_OUTCOMES,
  RECIPIENT_STATUSES,
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
 * when it was dispatched and dialed, the provider's call id, the hand-over and event flags. Its
 * status changes with the batch's counts in one transaction (./recipient-calls.ts).
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
  return Object.assign(readRecipient(item), {
    dispatchedAt: read.nullableString(item, 'dispatchedAt'),
    dialingSince: read.nullableString(item, 'dialingSince'),
    provider: read.nullableString(item, 'provider'),
    providerCallId: read.nullableString(item, 'providerCallId'),
    handedOver: read.flag(item, 'handedOver'),
    eventRecorded: read.flag(item, 'eventRecorded'),
    transcriptKey: read.nullableString(item, 'transcriptKey'),
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
 * Gives the hand-over flag back (a dispatch that failed), unless the stream reaction already recorded
 * the event: then that reaction (or the sweeper) hands the slot over instead.
 */
export function releaseHandOverUpdate(batchId: string, index: number): UpdateInput {
  return {
    Key: keys.recipient(batchId, index),
    UpdateExpression: 'REMOVE handedOver',
    ConditionExpression: 'handedOver = :yes AND attribute_not_exists(eventRecorded)',
    ExpressionAttributeValues: { ':yes': true },
  };
}

/** Sets the event and hand-over flags on an ended recipient; answers the values before this write. */
export function eventRecordedUpdate(batchId: string, index: number): UpdateInput {
  return {
    Key: keys.recipient(batchId, index),
    UpdateExpression: 'SET eventRecorded = :yes, handedOver = :yes',
    ConditionExpression: '#status IN (:completed, :failed)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':yes': true, ':completed': 'completed', ':failed': 'failed' },
    // The values before this write: no handedOver then means this write handed it over.
    ReturnValues: 'UPDATED_OLD',
  };
}
