import {
  batchTransition,
  isTerminalBatchStatus,
  type Batch,
  type BatchEvent,
  type BatchStatus,
} from '../../../domain/batch.ts';
import { StateConflictError } from '../../../domain/errors.ts';
import type { BatchChanges } from '../../../ports/store.ts';
import { keys } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import type { Table, UpdateInput } from '../table-ops.ts';
import { itemToBatch, PROGRESS, progressAttention } from './batch.ts';

/**
 * A batch's status changes (./batch.ts holds its item). Every one is a conditional update built from
 * the domain's transition table (shared/domain/batch.ts), never a restated list of statuses: the
 * condition is "the batch is in one of the transition's sources", so two racing moves (a start and a
 * cancel) cannot both win. The loser learns the batch as it was (BatchStateConflictError).
 */

/** A batch transition lost its condition; `current` is the batch as it was then (null: it does not exist). */
export class BatchStateConflictError extends StateConflictError {
  constructor(
    message: string,
    readonly current: Batch | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BatchStateConflictError';
  }
}

/**
 * The conditional update of a batch status change: `from` → `to` (a domain transition), setting
 * `changes` with it, under `extraCondition` too. A finished batch leaves the sweeper's index.
 */
export function transitionUpdate(
  workspaceId: string,
  batchId: string,
  transition: { from: readonly BatchStatus[]; to: BatchStatus },
  changes: Record<string, unknown>,
  extra?: { condition: string; names: Record<string, string>; values: Record<string, unknown> },
): UpdateInput {
  const { from, to } = transition;
  if (from.length === 0) throw new Error('A batch transition needs at least one source status');
  const names: Record<string, string> = { '#pk': TABLE.partitionKey, '#status': 'status', ...extra?.names };
  const values: Record<string, unknown> = { ':to': to, ...extra?.values };
  const sets = ['#status = :to'];
  from.forEach((status, i) => {
    values[`:from${i}`] = status;
  });
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  const sources = from.map((_, i) => `:from${i}`).join(', ');
  const leaveIndex = isTerminalBatchStatus(to)
    ? ` REMOVE ${TABLE.gsi1.partitionKey}, ${TABLE.gsi1.sortKey}`
    : '';
  // A pause or a stop is progress: the sweeper sees its reaction done (or redoes it) after grace.
  const movedAt = isTerminalBatchStatus(to) ? undefined : (changes.stoppedAt ?? changes.pausedAt);
  let progress = '';
  if (typeof movedAt === 'string') {
    names['#gsk'] = TABLE.gsi1.sortKey;
    names['#progress'] = PROGRESS;
    values[':attention'] = progressAttention(movedAt, batchId);
    values[':progressStep'] = 1;
    sets.push('#gsk = :attention');
    progress = ' ADD #progress :progressStep';
  }
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: `SET ${sets.join(', ')}${leaveIndex}${progress}`,
    ConditionExpression:
      `attribute_exists(#pk) AND #status IN (${sources})` + (extra ? ` AND ${extra.condition}` : ''),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** The update of a domain event (start, complete, fail …) applied to a batch. */
export function eventUpdate(
  workspaceId: string,
  batchId: string,
  event: BatchEvent,
  changes: Record<string, unknown>,
  extra?: Parameters<typeof transitionUpdate>[4],
): UpdateInput {
  return transitionUpdate(workspaceId, batchId, batchTransition(event), changes, extra);
}

/** Counts always add up to the total, so "nothing pending or dialing" is "every recipient done". */
export const ALL_RECIPIENTS_DONE = {
  condition: '#counts.#pending = :zero AND #counts.#dialing = :zero',
  names: { '#counts': 'counts', '#pending': 'pending', '#dialing': 'dialing' },
  values: { ':zero': 0 },
};

/**
 * Moves a batch (`transitionBatch` of the Store port). The batch item is hot while it runs (every claim
 * and call end moves its counts): the table's update retries conflicts.
 */
/**
 * The TTL a batch gets in the write that finishes it (completed, cancelled, failed): `retentionDays`
 * later, in epoch seconds. DynamoDB deletes it after that; the stream then removes what the batch
 * left (entities/retention.ts). No extra request: it rides on the finishing update.
 */
export function finishedExpiry(retentionDays: number, nowMs: number): { expiresAt: number } {
  return { [TABLE.ttlAttribute]: Math.floor(nowMs / 1000) + retentionDays * 86_400 } as { expiresAt: number };
}

export async function transitionBatch(
  table: Table,
  workspaceId: string,
  id: string,
  transition: { from: readonly BatchStatus[]; to: BatchStatus },
  changes: BatchChanges,
  retentionDays: number,
): Promise<Batch> {
  const { startedAt, completedAt, cancelledAt, failureReason, pauseReason, pausedAt, stoppedAt, counts } =
    changes;
  const written = await table.update({
    ...transitionUpdate(workspaceId, id, transition, {
      startedAt,
      completedAt,
      cancelledAt,
      failureReason,
      pauseReason,
      pausedAt,
      stoppedAt,
      counts,
      ...(isTerminalBatchStatus(transition.to) ? finishedExpiry(retentionDays, Date.now()) : {}),
    }),
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
  if (written.ok) return itemToBatch(written.item);
  const old = written.old ?? (await table.get(keys.batch(workspaceId, id)));
  const current = old ? itemToBatch(old) : null;
  const message = current
    ? `Batch ${id} is ${current.status}, not ${transition.from.join(' or ')}: cannot move it to ${transition.to}`
    : `Batch ${id} does not exist`;
  throw new BatchStateConflictError(message, current, { cause: written.cause });
}
