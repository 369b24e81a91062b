import type { RunStore } from '../../../ports/run-store.ts';
import { ENTITY, runKeys } from '../keys.ts';
import type { Table, TransactItem } from '../table-ops.ts';

/**
 * A caller number's pacing to its calls per second: PACE#<ws>#<phoneNumberId> / PACE holds `nextAt`,
 * the next free dial slot (ms epoch), a token bucket taken with one conditional write. When the
 * number is idle (its next slot has passed), the slot is "now" and the dial's claim takes it in its
 * own transaction (`idlePacingUpdate`): one request for both. Busy, the dial takes a slot here first.
 */

const nextAtOf = (item: Record<string, unknown> | null): number | undefined =>
  typeof item?.nextAt === 'number' ? item.nextAt : undefined;

/**
 * Per caller number, the next pacing slot this container last saw (bounded: numbers are few): the
 * best guess of whether the number is idle, shared by the claim and the slot reservation.
 */
export interface PacingMemory {
  seen(workspaceId: string, phoneNumberId: string): number | undefined;
  remember(workspaceId: string, phoneNumberId: string, nextAt: number): void;
}

export function pacingMemory(): PacingMemory {
  const seen = new Map<string, number>();
  const id = (workspaceId: string, phoneNumberId: string) => `${workspaceId}#${phoneNumberId}`;
  return {
    seen: (workspaceId, phoneNumberId) => seen.get(id(workspaceId, phoneNumberId)),
    remember(workspaceId, phoneNumberId, nextAt) {
      const key = id(workspaceId, phoneNumberId);
      if (seen.size >= 1_000 && !seen.has(key)) seen.clear();
      seen.set(key, nextAt);
    },
  };
}

/** The idle form of taking a slot: "now", only if the number's next slot has passed (or is unset). */
function idleForm(nowMs: number, intervalMs: number) {
  return {
    UpdateExpression: 'SET nextAt = :next, entity = :entity',
    ConditionExpression: 'attribute_not_exists(nextAt) OR nextAt < :now',
    ExpressionAttributeValues: { ':next': nowMs + intervalMs, ':now': nowMs, ':entity': ENTITY.pacing },
  };
}

/** The idle form as a part of the dial's claim transaction (a failed condition: the number is busy). */
export function idlePacingUpdate(
  tableName: string,
  pacing: { workspaceId: string; phoneNumberId: string; intervalMs: number; nowMs: number },
): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: runKeys.pacing(pacing.workspaceId, pacing.phoneNumberId),
      ...idleForm(pacing.nowMs, pacing.intervalMs),
    },
  };
}

export function pacingStore(table: Table, memory: PacingMemory): Pick<RunStore, 'reservePacingSlot'> {
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
        const written = await table.update({ Key: key, ...idleForm(nowMs, intervalMs) });
        return written.ok ? nowMs : undefined;
      };
      // The form that matches the number's state costs one write; the other, a failed write first.
      // The next slot this container last saw is the best guess of that state.
      const seen = memory.seen(workspaceId, phoneNumberId);
      const forms = seen !== undefined && seen >= nowMs ? [busy, idle] : [idle, busy];
      for (let round = 0; round < 10; round++) {
        for (const form of forms) {
          const slot = await form();
          if (slot !== undefined) {
            memory.remember(workspaceId, phoneNumberId, slot + intervalMs);
            return slot;
          }
        }
        // Neither: the next slot is too far ahead (answer null), or it moved between the two writes.
        const nextAt = nextAtOf(await table.get(key));
        if (nextAt !== undefined && nextAt > nowMs + maxAheadMs) {
          memory.remember(workspaceId, phoneNumberId, nextAt);
          return null;
        }
      }
      throw new Error(`Pacing slot of ${phoneNumberId} is too contended to reserve`);
    },
  };
}
