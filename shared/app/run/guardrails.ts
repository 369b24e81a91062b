import { batchTransition, type PauseReason } from '../../domain/batch.ts';
import { StateConflictError } from '../../domain/errors.ts';
import { breakerTripped, hasBreaker, spendCapReached } from '../../domain/guardrails.ts';
import type { BatchRun } from '../../ports/run-store.ts';
import type { RunDeps } from './run-deps.ts';

/**
 * The guardrails after an attempt ended (never during one, so live calls are never cut): the failure
 * breaker and the spend cap pause a running batch with their reason; the pause's own change sends
 * `batch.paused`. The end transaction keeps the figures on the batch item
 * (shared/adapters/dynamodb/entities/call-end.ts): the breaker's marks only when the batch has a
 * breaker. Whoever checks them after an end (the callback, ./call-ended.ts, or the stream reaction
 * for an end that left its event to it, ./reactions.ts) trims the marks the breaker no longer looks
 * at, once they are `TRIM_SLACK` beyond what it keeps: the list lives in the batch item, and every
 * write of the batch item is paid by the item's size.
 */
type GuardrailDeps = Pick<RunDeps, 'store' | 'runStore' | 'clock' | 'logger'>;

/** Marks kept beyond what the breaker looks at before a trim (a trim is one extra write). */
const TRIM_SLACK = 100;
/** Marks kept for a batch without a breaker (bounded: the list lives in the batch item). */
const MARKS_WITHOUT_BREAKER = 0;
/** Marks removed by one trim at most. */
const MAX_TRIM = 150;

export async function applyGuardrails(deps: GuardrailDeps, batch: BatchRun): Promise<PauseReason | null> {
  const g = batch.guardrails;
  const keep = hasBreaker(g) ? g.minCalls : MARKS_WITHOUT_BREAKER;
  if (batch.recentOutcomes.length > keep + TRIM_SLACK) {
    // Bounded per write (an update expression is at most 4 KB); the next end trims the rest. Never
    // below `keep`, even when two ends trim at once (the write's condition).
    const count = Math.min(batch.recentOutcomes.length - keep, MAX_TRIM);
    await deps.runStore.trimOutcomes(batch.workspaceId, batch.id, count, keep);
  }
  if (batch.status !== 'running') return null;
  const reason: PauseReason | null = breakerTripped(g, batch.recentOutcomes)
    ? 'failure_rate'
    : spendCapReached(g, batch.callMs)
      ? 'spend_cap'
      : null;
  if (reason) await pauseFor(deps, batch, reason);
  return reason;
}

/** running → paused with a guardrail's reason; a batch that moved on meanwhile is left as it is. */
export async function pauseFor(
  deps: Pick<RunDeps, 'store' | 'clock' | 'logger'>,
  batch: Pick<BatchRun, 'workspaceId' | 'id'>,
  reason: PauseReason,
): Promise<boolean> {
  const { from, to } = batchTransition('pause');
  try {
    await deps.store.transitionBatch(batch.workspaceId, batch.id, from, to, {
      pauseReason: reason,
      pausedAt: deps.clock().toISOString(),
    });
    deps.logger.warn('batch paused by a guardrail', { batchId: batch.id, reason });
    return true;
  } catch (error) {
    if (error instanceof StateConflictError) return false;
    throw error;
  }
}
