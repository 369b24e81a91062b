import {
  BATCH_STATUSES,
  DUPLICATE_POLICIES,
  PAUSE_REASONS,
  batchTransition,
  isTerminalBatchStatus,
  type Batch,
  type BatchCounts,
  type BatchStatus,
} from '../../../domain/batch.ts';
import type { CallingWindow } from '../../../domain/calling-window.ts';
import type { ContactLimit } from '../../../domain/contact-limit.ts';
import type { BreakerMark, Guardrails } from '../../../domain/guardrails.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../../domain/retry.ts';
import type { BatchRun } from '../../../ports/run-store.ts';
import type { BatchEdit, BatchFilter } from '../../../ports/store.ts';
import { ENTITY, gsi, keys, type ActiveIndexAttributes } from '../keys.ts';
import { mayHaveDue } from './due-count.ts';
import { TABLE } from '../table-definition.ts';
import type { Item, TransactItem, UpdateInput } from '../table-ops.ts';
import type { QueryFilter } from './paging.ts';
import { expectEntity, read } from './parse.ts';
import { stored, type Stored } from './stored.ts';

/**
 * A batch: WS#<ws> / BATCH#<id>. Its status moves only along the domain's transition table
 * (shared/domain/batch.ts): every status change is a conditional update built from it
 * (./batch-transition.ts), never a restated list of statuses. `counts` move with recipients
 * (./recipient.ts, in one transaction); `dispatched` is the cursor of fresh recipients handed to the
 * dial queue; `slots` counts the dial turns in circulation and `wakeAt` its one pending wake-up
 * (the dispatcher: shared/app/run/dispatch.ts).
 */

const SOURCES = ['json', 'csv'] as const;

/** The status in which a batch dials (the target of the domain's `start`): claims and dispatches need it. */
export const RUNNING: BatchStatus = batchTransition('start').to;

/**
 * A batch that is not finished sits in the sparse GSI1 under `ACTIVE`, sorted by its attention time,
 * so the sweeper finds it without a Scan; the sweeper looks at it once that time is its grace period
 * ago. It starts at the scheduled time (else the creation). Progress moves it on (a dial turn taken,
 * passed on or given back, a pause, a stop: `progressAttention`), the sweeper moves it to its next
 * stuck check after a look (`attentionUpdate`), a wait moves it to the wake-up: a healthy batch is
 * not read (shared/app/run/attention.ts).
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

/** Counts the writes that move a batch's attention (the sweeper's own write is conditioned on it). */
export const PROGRESS = 'progress';

/**
 * Progress marks the attention time in steps of this long (rounded down): the batch is looked at no
 * later than grace after its last progress, and a busy batch's many progress writes set the same
 * index key again, which writes nothing to the index — at most one ACTIVE index change per batch
 * per step, however many calls it runs.
 */
export const ATTENTION_STEP_MS = 10_000;

/** The attention time a progress write at `now` sets. */
export function progressAttention(now: string, batchId: string): string {
  const parsed = Date.parse(now);
  // A time that does not parse (a provider's) must not sort anywhere odd in the index.
  const ms = Number.isNaN(parsed) ? Date.now() : parsed;
  return gsi.activeBatch(new Date(ms - (ms % ATTENTION_STEP_MS)).toISOString(), batchId).GSI1SK;
}

/** A batch update of a transaction (no REMOVE/ADD clause yet) that is also progress at `at`. */
export function withProgress(update: TransactItem, at: string, batchId: string): TransactItem {
  if (!update.Update) return update;
  return {
    Update: {
      ...update.Update,
      UpdateExpression: `${update.Update.UpdateExpression}, #gsk = :attention ADD #progress :progressStep`,
      ExpressionAttributeNames: {
        ...update.Update.ExpressionAttributeNames,
        '#gsk': TABLE.gsi1.sortKey,
        '#progress': PROGRESS,
      },
      ExpressionAttributeValues: {
        ...update.Update.ExpressionAttributeValues,
        ':attention': progressAttention(at, batchId),
        ':progressStep': 1,
      },
    },
  };
}

export function itemToBatchRun(item: Item): BatchRun {
  expectEntity(item, ENTITY.batch);
  // Absent on an item written before dispatching existed: nothing dispatched yet.
  return Object.assign(readBatch(item), {
    progress: read.nullableNumber(item, PROGRESS) ?? 0,
    dispatched: read.nullableNumber(item, 'dispatched') ?? 0,
    slots: read.nullableNumber(item, 'slots') ?? 0,
    wakeAt: read.nullableString(item, 'wakeAt'),
    callMs: read.nullableNumber(item, 'callMs') ?? 0,
    recentOutcomes: item.recentOutcomes === undefined ? [] : read.list<BreakerMark>(item, 'recentOutcomes'),
    mayHaveDue: mayHaveDue(item),
  });
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

/** The next recipient to dispatch: `dispatched + 1` while the batch runs and recipients remain (progress). */
export function nextDispatchUpdate(workspaceId: string, batchId: string, now: string): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: 'SET dispatched = dispatched + :one, #gsk = :attention ADD #progress :one',
    ConditionExpression: '#status = :running AND dispatched < totalRecipients',
    ExpressionAttributeNames: { '#status': 'status', '#gsk': TABLE.gsi1.sortKey, '#progress': PROGRESS },
    ExpressionAttributeValues: {
      ':one': 1,
      ':running': RUNNING,
      ':attention': progressAttention(now, batchId),
    },
    // The whole batch: the next dial's message carries its agent and number, saving it a read.
    ReturnValues: 'ALL_NEW',
  };
}

/**
 * One more dial turn, while the batch runs and has fewer turns than calls allowed. A batch that dials
 * again has the sweeper's attention again (from `now`: progress).
 */
export function acquireSlotUpdate(workspaceId: string, batchId: string, now: string): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: 'SET slots = if_not_exists(slots, :zero) + :one, #gsk = :attention ADD #progress :one',
    ConditionExpression: '#status = :running AND (attribute_not_exists(slots) OR slots < maxConcurrentCalls)',
    ExpressionAttributeNames: { '#status': 'status', '#gsk': TABLE.gsi1.sortKey, '#progress': PROGRESS },
    ExpressionAttributeValues: {
      ':one': 1,
      ':zero': 0,
      ':running': RUNNING,
      ':attention': progressAttention(now, batchId),
    },
    ReturnValues: 'ALL_NEW',
  };
}

/**
 * A dial turn given back; never below zero (a repair may have counted it already). With `now`, it is
 * progress (the last call's end gives its turn back: a lost completion is found grace later).
 */
export function releaseSlotUpdate(workspaceId: string, batchId: string, now?: string): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression:
      now === undefined
        ? 'SET slots = slots - :one'
        : 'SET slots = slots - :one, #gsk = :attention ADD #progress :one',
    // On a finished batch (out of the index) the sort key alone indexes nothing: no condition needed.
    ConditionExpression: 'slots > :zero',
    ...(now === undefined
      ? {}
      : { ExpressionAttributeNames: { '#gsk': TABLE.gsi1.sortKey, '#progress': PROGRESS } }),
    ExpressionAttributeValues: {
      ':one': 1,
      ':zero': 0,
      ...(now === undefined ? {} : { ':attention': progressAttention(now, batchId) }),
    },
    ReturnValues: 'UPDATED_NEW',
  };
}

/**
 * The sweeper's own move of a batch's attention (to its next stuck check), only if no progress was
 * written since it read the batch (`seenProgress`) and the batch is still in the index: progress
 * made meanwhile keeps the earlier attention it set.
 */
export function attentionUpdate(
  workspaceId: string,
  batchId: string,
  at: string,
  seenProgress: number,
): UpdateInput {
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: 'SET #gsk = :attention',
    ConditionExpression:
      seenProgress === 0
        ? 'attribute_exists(#gpk) AND (attribute_not_exists(#progress) OR #progress = :seen)'
        : 'attribute_exists(#gpk) AND #progress = :seen',
    ExpressionAttributeNames: {
      '#gsk': TABLE.gsi1.sortKey,
      '#gpk': TABLE.gsi1.partitionKey,
      '#progress': PROGRESS,
    },
    ExpressionAttributeValues: { ':attention': gsi.activeBatch(at, batchId).GSI1SK, ':seen': seenProgress },
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
    UpdateExpression: idle ? 'SET wakeAt = :at, #gsk = :attention ADD #progress :one' : 'SET wakeAt = :at',
    ConditionExpression:
      '#status = :running AND (attribute_not_exists(wakeAt) OR wakeAt > :at OR wakeAt < :now)',
    ExpressionAttributeNames: {
      '#status': 'status',
      ...(idle ? { '#gsk': TABLE.gsi1.sortKey, '#progress': PROGRESS } : {}),
    },
    ExpressionAttributeValues: {
      ':at': at,
      ':now': now,
      ':running': RUNNING,
      ...(idle ? { ':attention': gsi.activeBatch(at, batchId).GSI1SK, ':one': 1 } : {}),
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

/**
 * Removes the `count` oldest breaker marks (REMOVE by index; only appends happen meanwhile), only
 * while `keep` marks would remain: two ends that read the same list and trim at once cannot both
 * remove theirs and leave the breaker fewer marks than it looks at.
 */
export function trimOutcomesUpdate(
  workspaceId: string,
  batchId: string,
  count: number,
  keep: number,
): UpdateInput {
  const indexes = Array.from({ length: count }, (_, i) => `recentOutcomes[${i}]`);
  return {
    Key: keys.batch(workspaceId, batchId),
    UpdateExpression: `REMOVE ${indexes.join(', ')}`,
    ConditionExpression: 'size(recentOutcomes) >= :least',
    ExpressionAttributeValues: { ':least': count + keep },
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
