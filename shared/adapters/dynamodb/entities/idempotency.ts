import { StateConflictError } from '../../../domain/errors.ts';
import type { IdempotencyRecord, IdempotencyStore } from '../../../ports/store.ts';
import { ENTITY, keys } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import type { Item, Table } from '../table-ops.ts';
import { expectEntity, read } from './parse.ts';
import { stored, type Stored } from './stored.ts';

/**
 * An Idempotency-Key's claim and stored answer: IDEM#<ws>#<sha256 of key> / IDEM, expiring by TTL.
 * Claimed with a conditional put before any work, completed with the answer, released on a 5xx.
 */

/** Longer than any API request can run (API Gateway gives up after 30 s): such a claim was abandoned. */
export const IDEMPOTENCY_STALE_CLAIM_MS = 2 * 60 * 1000;

const STATES = ['in_progress', 'completed'] as const;

function isStaleClaim(record: IdempotencyRecord, now: Date): boolean {
  return (
    record.state === 'in_progress' &&
    Date.parse(record.createdAt) < now.getTime() - IDEMPOTENCY_STALE_CLAIM_MS
  );
}

export function idempotencyToItem(
  record: IdempotencyRecord,
  expiresAtEpochSeconds: number,
): Stored<IdempotencyRecord> & { [TABLE.ttlAttribute]: number } {
  return {
    ...stored(record, keys.idempotency(record.workspaceId, record.key), ENTITY.idempotency),
    [TABLE.ttlAttribute]: expiresAtEpochSeconds,
  };
}

export function itemToIdempotency(item: Item): IdempotencyRecord {
  expectEntity(item, ENTITY.idempotency);
  return {
    workspaceId: read.string(item, 'workspaceId'),
    key: read.string(item, 'key'),
    requestHash: read.string(item, 'requestHash'),
    state: read.oneOf(item, 'state', STATES),
    response: read.nullableMap<NonNullable<IdempotencyRecord['response']>>(item, 'response'),
    createdAt: read.string(item, 'createdAt'),
  };
}

export function idempotencyStore(table: Table, clock: () => Date): IdempotencyStore {
  return {
    async claimIdempotencyKey(record, ttlSeconds) {
      const key = keys.idempotency(record.workspaceId, record.key);
      // Two rounds: a record seen taken can be released (or expire) before we read it back.
      for (let round = 0; round < 2; round++) {
        const nowSeconds = Math.floor(clock().getTime() / 1000);
        const written = await table.put({
          Item: idempotencyToItem(record, nowSeconds + ttlSeconds),
          // TTL deletes lazily (up to days later): an expired record counts as absent. So does a
          // claim still "in progress" long after any request could run (its Lambda died mid-work):
          // otherwise the client would be locked out of its own key for 24 hours.
          ConditionExpression:
            'attribute_not_exists(#pk) OR #expiresAt < :now OR (#state = :inProgress AND #createdAt < :staleBefore)',
          ExpressionAttributeNames: {
            '#pk': TABLE.partitionKey,
            '#expiresAt': TABLE.ttlAttribute,
            '#state': 'state',
            '#createdAt': 'createdAt',
          },
          ExpressionAttributeValues: {
            ':now': nowSeconds,
            ':inProgress': 'in_progress',
            ':staleBefore': new Date(clock().getTime() - IDEMPOTENCY_STALE_CLAIM_MS).toISOString(),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        });
        if (written.ok) return null;
        const existing = written.old ?? (await table.get(key));
        const expiresAt = existing?.[TABLE.ttlAttribute];
        const expired = typeof expiresAt === 'number' && expiresAt < nowSeconds;
        if (existing && !expired) {
          const current = itemToIdempotency(existing);
          if (!isStaleClaim(current, clock())) return current;
        }
      }
      throw new StateConflictError(
        `Idempotency key of workspace ${record.workspaceId} is changing too fast to claim`,
      );
    },

    async completeIdempotencyKey(workspaceId, key, response) {
      const written = await table.update({
        Key: keys.idempotency(workspaceId, key),
        UpdateExpression: 'SET #state = :completed, #response = :response',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#state': 'state', '#response': 'response' },
        ExpressionAttributeValues: { ':completed': 'completed', ':response': response },
      });
      if (!written.ok) {
        throw new StateConflictError(`Idempotency key of workspace ${workspaceId} is no longer claimed`, {
          cause: written.cause,
        });
      }
    },

    async releaseIdempotencyKey(workspaceId, key) {
      // Only a claim in progress is released: a completed answer stays for replays. A failed condition
      // (already gone, or completed) leaves nothing to release: the caller's goal holds.
      await table.delete({
        Key: keys.idempotency(workspaceId, key),
        ConditionExpression: '#state = :inProgress',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':inProgress': 'in_progress' },
      });
    },
  };
}
