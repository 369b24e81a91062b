import {
  BATCH_STATUSES,
  DUPLICATE_POLICIES,
  PAUSE_REASONS,
  batchTransition,
  isTerminalBatchStatus,
  type Batch,
  type BatchCounts,
  type BatchEvent,
  type BatchStatus,
} from '../../../domain/batch.ts';
import type { CallingWindow } from '../../../domain/calling-window.ts';
import type { ContactLimit } from '../../../domain/contact-limit.ts';
import { StateConflictError } from '../../../domain/errors.ts';
import type { BreakerMark, Guardrails } from '../../../domain/guardrails.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../../domain/retry.ts';
import type { BatchRun } from '../../../ports/run-store.ts';
import type { BatchChanges, BatchEdit, BatchFilter } from '../../../ports/store.ts';
import { ENTITY, gsi, keys, type ActiveIndexAttributes } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import type { Item, Table, TransactItem, UpdateInput } from '../table-ops.ts';
import type { QueryFilter } from './paging.ts';
import { expectEntity, read } from './parse.ts';
import { stored, type Stored } from './stored.ts';

/**
 * A batch: WS#<ws> / BATCH#<id>. Its status moves only along the domain's transition table
 * (shared/domain/batch.ts): every status change here is a conditional update built from it
 * (transitionUpdate), never a restated list of statuses. `counts` move with recipients
 * (./recipient.ts, in one transaction); `dispatched` is the cursor of fresh recipients handed to the
 * dial queue; `slots` counts the dial turns in circulation and `wakeAt` its one pending wake-up
 * (the dispatcher: shared/app/run/dispatch.ts).
 */

const SOURCES = ['json', 'csv'] as const;

/** The status in which a batch dials (the target of the domain's `start`): claims and dispatches need it. */
export const RUNNING: BatchStatus = batchTransition('start').to;

/**
 * A batch that is not finished sits in the sparse GSI1 under `ACTIVE`, sorted by when it needs
 * attention (its scheduled time, else its creation), so the sweeper finds it without a Scan.
 */
export function batchToItem(
  batch: Batch,
): Stored<Batch> & Partial<ActiveIndexAttributes> & { dispatched: number; slots: number } {
  const item = {
    ...stored(batch, keys.batch(batch.workspaceId, batch.id), ENTITY.batch),
    dispatched: 0,
    slots: 0,
  };
  if (isTerminalBatchStatus(batch.status)) return item;
  return { ...item, ...gsi.activeBatch(batch.scheduledAt ?? batch.createdAt, batch.id) };
}

function readBatch(item: Item): Batch {
  return {
    id: read.string(item, 'id'),
    workspaceId: read.string(item, 'workspaceId'),
    name: read.string(item, 'name'),
    agentId: read.string(item, 'agentId'),
    phoneNumberId: read.string(item, 'phoneNumberId'),
    status: read.oneOf(item, 'status', BATCH_STATUSES),
    scheduledAt: read.nullableString(item, 'scheduledAt'),
    ringingTimeoutMs: read.number(item, 'ringingTimeoutMs'),
    maxConcurrentCalls: read.number(item, 'maxConcurrentCalls'),
    source: read.oneOf(item, 'source', SOURCES),
    totalRecipients: read.number(item, 'totalRecipients'),
    // `skipped` is absent from an item written before round two: none then.
    counts: { skipped: 0, ...read.map<Omit<BatchCounts, 'skipped'> & { skipped?: number }>(item, 'counts') },
    failureReason: read.nullableString(item, 'failureReason'),
    createdAt: read.string(item, 'createdAt'),
    startedAt: read.nullableString(item, 'startedAt'),
    completedAt: read.nullableString(item, 'completedAt'),
    cancelledAt: read.nullableString(item, 'cancelledAt'),
    pauseReason: read.nullableOneOf(item, 'pauseReason', PAUSE_REASONS),
    pausedAt: read.nullableString(item, 'pausedAt'),
    stoppedAt: read.nullableString(item, 'stoppedAt'),
    retry: read.nullableMap<RetryPolicy>(item, 'retry') ?? DEFAULT_RETRY_POLICY,
    callingWindow: read.nullableMap<CallingWindow>(item, 'callingWindow'),
    guardrails: read.nullableMap<Guardrails>(item, 'guardrails'),
    duplicates: read.nullableOneOf(item, 'duplicates', DUPLICATE_POLICIES) ?? 'allow',
    // Absent on an item written before the contact limit existed: none.
    contactLimit:
      item.contactLimit === undefined ? null : read.nullableMap<ContactLimit>(item, 'contactLimit'),
    // Absent on a batch stored before exports kept them: the export falls back to first-seen order.
    variableColumns: item.variableColumns === undefined ? [] : read.list<string>(item, 'variableColumns'),
  };
}

export function itemToBatch(item: Item): Batch {
  expectEntity(item, ENTITY.batch);
  return readBatch(item);
}

export function itemToBatchRun(item: Item): BatchRun {
  expectEntity(item, ENTITY.batch);
  // Absent on an item written before dispatching existed: nothing dispatched yet.
  return Object.assign(readBatch(item), {
    dispatched: read.nullableNumber(item, 'dispatched') ?? 0,
    slots: read.nullableNumber(item, 'slots') ?? 0,
    wakeAt: read.nullableString(item, 'wakeAt'),
    callMs: read.nullableNumber(item, 'callMs') ?? 0,
    recentOutcomes: item.recentOutcomes === undefined ? [] : read.list<BreakerMark>(item, 'recentOutcomes'),
  });
}

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
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: `SET ${sets.join(', ')}${leaveIndex}`,
    ConditionExpression:
      `attribute_exists(#pk) AND #status IN (${sources})` + (extra ? ` AND ${extra.condition}` : ''),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * The TTL a batch gets in the write that finishes it (completed, cancelled, failed): `retentionDays`
 * later, in epoch seconds. DynamoDB deletes it after that; the stream then removes what the batch
 * left (entities/retention.ts). No extra request: it rides on the finishing update.
 */
export function finishedExpiry(retentionDays: number, nowMs: number): { expiresAt: number } {
  return { [TABLE.ttlAttribute]: Math.floor(nowMs / 1000) + retentionDays * 86_400 } as { expiresAt: number };
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

export function batchFilter(filter: BatchFilter): QueryFilter | null {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.status !== undefined) {
    clauses.push('#status = :status');
    names['#status'] = 'status';
    values[':status'] = filter.status;
  }
  if (filter.agentId !== undefined) {
    clauses.push('#agentId = :agentId');
    names['#agentId'] = 'agentId';
    values[':agentId'] = filter.agentId;
  }
  return clauses.length === 0 ? null : { expression: clauses.join(' AND '), names, values };
}

export type CountName = keyof BatchCounts;

/**
 * The batch-item half of a recipient transition: one count down, another up (counts always add up),
 * optionally under a condition (the claim's call-slot check).
 */
export function moveCount(
  tableName: string,
  ref: { workspaceId: string; batchId: string },
  from: CountName,
  to: CountName,
  condition?: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.batch(ref.workspaceId, ref.batchId),
      UpdateExpression: 'SET #counts.#from = #counts.#from - :one, #counts.#to = #counts.#to + :one',
      ...(condition ? { ConditionExpression: condition.expression } : {}),
      ExpressionAttributeNames: { '#counts': 'counts', '#from': from, '#to': to, ...condition?.names },
      ExpressionAttributeValues: { ':one': 1, ...condition?.values },
    },
  };
}

/** The next recipient to dispatch: `dispatched + 1` while the batch runs and recipients remain. */
export function nextDispatchUpdate(workspaceId: string, batchId: string): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: 'SET dispatched = dispatched + :one',
    ConditionExpression: '#status = :running AND dispatched < totalRecipients',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':one': 1, ':running': RUNNING },
    // The whole batch: the next dial's message carries its agent and number, saving it a read.
    ReturnValues: 'ALL_NEW',
  };
}

/**
 * One more dial turn, while the batch runs and has fewer turns than calls allowed. A batch that dials
 * again has the sweeper's attention again (from `now`).
 */
export function acquireSlotUpdate(workspaceId: string, batchId: string, now: string): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: 'SET slots = if_not_exists(slots, :zero) + :one, #gsk = :attention',
    ConditionExpression: '#status = :running AND (attribute_not_exists(slots) OR slots < maxConcurrentCalls)',
    ExpressionAttributeNames: { '#status': 'status', '#gsk': TABLE.gsi1.sortKey },
    ExpressionAttributeValues: {
      ':one': 1,
      ':zero': 0,
      ':running': RUNNING,
      ':attention': gsi.activeBatch(now, batchId).GSI1SK,
    },
    ReturnValues: 'ALL_NEW',
  };
}

/** A dial turn given back; never below zero (a repair may have counted it already). */
export function releaseSlotUpdate(workspaceId: string, batchId: string): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: 'SET slots = slots - :one',
    ConditionExpression: 'slots > :zero',
    ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
    ReturnValues: 'UPDATED_NEW',
  };
}

/**
 * A paused batch needs no sweeping until it is resumed (its resume's first dial turn brings the
 * sweeper's attention back): its attention moves `until` ahead.
 */
export function restUpdate(workspaceId: string, batchId: string, until: string): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: 'SET #gsk = :attention',
    ConditionExpression: '#status = :paused AND attribute_exists(#gpk)',
    ExpressionAttributeNames: {
      '#gsk': TABLE.gsi1.sortKey,
      '#gpk': TABLE.gsi1.partitionKey,
      '#status': 'status',
    },
    ExpressionAttributeValues: { ':attention': gsi.activeBatch(until, batchId).GSI1SK, ':paused': 'paused' },
  };
}

/**
 * The batch's one wake-up: set to `at` unless an earlier, still future one is set. Only a running
 * batch sets one (a paused batch is woken by its resume). With `idle` (no dial turn left), the
 * sweeper's attention moves to the wake-up too: a batch that waits is not read until then.
 */
export function setWakeUpdate(
  workspaceId: string,
  batchId: string,
  at: string,
  now: string,
  idle: boolean,
): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: idle ? 'SET wakeAt = :at, #gsk = :attention' : 'SET wakeAt = :at',
    ConditionExpression:
      '#status = :running AND (attribute_not_exists(wakeAt) OR wakeAt > :at OR wakeAt < :now)',
    ExpressionAttributeNames: { '#status': 'status', ...(idle ? { '#gsk': TABLE.gsi1.sortKey } : {}) },
    ExpressionAttributeValues: {
      ':at': at,
      ':now': now,
      ':running': RUNNING,
      ...(idle ? { ':attention': gsi.activeBatch(at, batchId).GSI1SK } : {}),
    },
  };
}

export function clearWakeUpdate(workspaceId: string, batchId: string, at: string): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: 'REMOVE wakeAt',
    ConditionExpression: 'wakeAt = :at',
    ExpressionAttributeValues: { ':at': at },
  };
}

/** Removes the `count` oldest breaker marks (REMOVE by index; only appends happen meanwhile). */
export function trimOutcomesUpdate(workspaceId: string, batchId: string, count: number): UpdateInput {
  const indexes = Array.from({ length: count }, (_, i) => `recentOutcomes[${i}]`);
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: `REMOVE ${indexes.join(', ')}`,
    ConditionExpression: 'size(recentOutcomes) >= :count',
    ExpressionAttributeValues: { ':count': count },
  };
}

/** A PATCH of a paused batch: the given fields, only while it is paused. */
export function editPausedUpdate(workspaceId: string, batchId: string, edit: BatchEdit): UpdateInput {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':paused': 'paused' };
  const sets: string[] = [];
  for (const [field, value] of Object.entries(edit)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  if (sets.length === 0) {
    // Nothing to change: still answer the batch, still only while paused.
    names['#name'] = 'name';
    sets.push('#name = #name');
  }
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: '#status = :paused',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
  };
}

export function repairSlotsUpdate(
  workspaceId: string,
  batchId: string,
  expected: number,
  actual: number,
): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: 'SET slots = :actual',
    ConditionExpression: 'attribute_not_exists(slots) OR slots = :expected',
    ExpressionAttributeValues: { ':actual': actual, ':expected': expected },
  };
}
