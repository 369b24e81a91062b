import type { RunStore } from '../../../ports/run-store.ts';
import { ENTITY, runKeys } from '../keys.ts';
import type { Table } from '../table-ops.ts';

/**
 * A caller number's pacing to its calls per second: PACE#<ws>#<phoneNumberId> / PACE holds `nextAt`,
 * the next free dial slot (ms epoch), a token bucket taken with one conditional write.
 */

const nextAtOf = (item: Record<string, unknown> | null): number | undefined =>
  typeof item?.nextAt === 'number' ? item.nextAt : undefined;

export function pacingStore(table: Table): Pick<RunStore, 'reservePacingSlot'> {
  // Per caller number, the next pacing slot this container last saw (bounded: numbers are few).
  const pacingSeen = new Map<string, number>();
  const rememberPacing = (id: string, nextAt: number) => {
    if (pacingSeen.size >= 1_000 && !pacingSeen.has(id)) pacingSeen.clear();
    pacingSeen.set(id, nextAt);
  };

  return {
    async reservePacingSlot(workspaceId, phoneNumberId, intervalMs, nowMs, maxAheadMs) {
      const key = runKeys.pacing(workspaceId, phoneNumberId);
      // Without a read: while the number is busy, "next slot + interval" is one conditional write that
      // any number of dialers can apply in turn (DynamoDB serialises writes to an item), so 50 dialers
      // at once cost 50 writes, not the 50² of read-then-compare. When the number is idle (its next
      // slot is in the past or unset), the slot is "now", set by a second form of the write.
      const busy = async (): Promise<number | undefined> => {
        const written = await table.update({
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
        const nextAt = written.ok ? nextAtOf(written.item) : undefined;
        return nextAt === undefined ? undefined : nextAt - intervalMs;
      };
      const idle = async (): Promise<number | undefined> => {
        const written = await table.update({
          Key: key,
          UpdateExpression: 'SET nextAt = :next, entity = :entity',
          ConditionExpression: 'attribute_not_exists(nextAt) OR nextAt < :now',
          ExpressionAttributeValues: { ':next': nowMs + intervalMs, ':now': nowMs, ':entity': ENTITY.pacing },
        });
        return written.ok ? nowMs : undefined;
      };
      // The form that matches the number's state costs one write; the other, a failed write first.
      // The next slot this container last saw is the best guess of that state.
      const id = key.PK + key.SK;
      const seen = pacingSeen.get(id);
      const forms = seen !== undefined && seen >= nowMs ? [busy, idle] : [idle, busy];
      for (let round = 0; round < 10; round++) {
        for (const form of forms) {
          const slot = await form();
          if (slot !== undefined) {
            rememberPacing(id, slot + intervalMs);
            return slot;
          }
        }
        // Neither: the next slot is too far ahead (answer null), or it moved between the two writes.
        const nextAt = nextAtOf(await table.get(key));
        if (nextAt !== undefined && nextAt > nowMs + maxAheadMs) {
          rememberPacing(id, nextAt);
          return null;
        }
      }
      throw new Error(`Pacing slot of ${phoneNumberId} is too contended to reserve`);
    },
  };
}
