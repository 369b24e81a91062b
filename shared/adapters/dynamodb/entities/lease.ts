import type { RunStore } from '../../../ports/run-store.ts';
import { ENTITY, runKeys } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import type { Table } from '../table-ops.ts';

/**
 * A lease: LEASE#<name> / LEASE, held by one runner at a time. EventBridge may start the next sweep
 * while the last one still runs (a slow minute, a retried invocation); two sweeps at once would
 * re-queue and reconcile the same work twice. Taken with one conditional put (free, or expired), so
 * a holder that dies (timeout, crash) blocks nobody past `untilMs`; given back by a conditional
 * delete of its own holder. The TTL attribute clears old ones from the table.
 */
export function leaseStore(table: Table): Pick<RunStore, 'acquireLease' | 'releaseLease'> {
  return {
    async acquireLease(name, holder, nowMs, untilMs) {
      const written = await table.put({
        Item: {
          ...runKeys.lease(name),
          entity: ENTITY.lease,
          holder,
          untilMs,
          [TABLE.ttlAttribute]: Math.ceil(untilMs / 1000) + 3600,
        },
        ConditionExpression: 'attribute_not_exists(#pk) OR untilMs < :now OR holder = :holder',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        ExpressionAttributeValues: { ':now': nowMs, ':holder': holder },
      });
      return written.ok;
    },

    async releaseLease(name, holder) {
      await table.delete({
        Key: runKeys.lease(name),
        ConditionExpression: 'holder = :holder',
        ExpressionAttributeValues: { ':holder': holder },
      });
    },
  };
}
