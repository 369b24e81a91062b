import type { CallingWindow } from './calling-window.ts';
import type { ContactLimit } from './contact-limit.ts';
import type { Guardrails } from './guardrails.ts';
import type { RetryPolicy } from './retry.ts';

/**
 * The batch and its lifecycle (contract "Lifecycle" and "Pause, resume, stop"):
 *   pending | scheduled → running → completed        (every recipient completed, failed or skipped)
 *   pending | scheduled → cancelled                  (its recipients are skipped: batch_cancelled)
 *   running ⇄ paused                                 (pause / resume; guardrails pause too)
 *   running | paused → stopping → cancelled          (live calls finish; the rest is skipped)
 *   pending | scheduled | running | paused → failed  (batch-level error, with failure_reason)
 * Stores apply these transitions with conditional writes built from this table.
 */

export const BATCH_STATUSES = [
  'pending',
  'scheduled',
  'running',
  'paused',
  'stopping',
  'completed',
  'failed',
  'cancelled',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export type BatchSource = 'json' | 'csv';

export interface BatchCounts {
  pending: number;
  dialing: number;
  completed: number;
  failed: number;
  skipped: number;
}

/** What a create does with a phone given twice (contract "Contact limit across batches"). */
export const DUPLICATE_POLICIES = ['allow', 'skip', 'reject'] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];

export const PAUSE_REASONS = ['user', 'failure_rate', 'spend_cap', 'provider_auth'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export interface Batch {
  id: string;
  workspaceId: string;
  name: string;
  agentId: string;
  phoneNumberId: string;
  status: BatchStatus;
  scheduledAt: string | null;
  ringingTimeoutMs: number;
  maxConcurrentCalls: number;
  source: BatchSource;
  totalRecipients: number;
  counts: BatchCounts;
  failureReason: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  pauseReason: PauseReason | null;
  pausedAt: string | null;
  stoppedAt: string | null;
  /** How ended attempts are retried (max_attempts 1 = never). */
  retry: RetryPolicy;
  /** When calls may start, in each recipient's local time; null = any time. */
  callingWindow: CallingWindow | null;
  /** Failure breaker and spend cap; null = none. */
  guardrails: Guardrails | null;
  duplicates: DuplicatePolicy;
  /** Attempts per phone across the workspace's batches in a rolling window; null = no limit. */
  contactLimit: ContactLimit | null;
}

export type BatchEvent =
  'start' | 'complete' | 'cancel' | 'fail' | 'pause' | 'resume' | 'stop' | 'finishStop';

const TRANSITIONS: Record<BatchEvent, { from: readonly BatchStatus[]; to: BatchStatus }> = {
  start: { from: ['pending', 'scheduled'], to: 'running' },
  // A paused batch whose last live call ends with nothing left to dial is complete too.
  complete: { from: ['running', 'paused'], to: 'completed' },
  cancel: { from: ['pending', 'scheduled'], to: 'cancelled' },
  fail: { from: ['pending', 'scheduled', 'running', 'paused'], to: 'failed' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  stop: { from: ['running', 'paused'], to: 'stopping' },
  // Once no call of a stopping batch is live (and every other recipient is skipped).
  finishStop: { from: ['stopping'], to: 'cancelled' },
};

export function batchTransition(event: BatchEvent): { from: readonly BatchStatus[]; to: BatchStatus } {
  return TRANSITIONS[event];
}

export function canApply(status: BatchStatus, event: BatchEvent): boolean {
  return TRANSITIONS[event].from.includes(status);
}

export function isTerminalBatchStatus(status: BatchStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function initialCounts(total: number): BatchCounts {
  return { pending: total, dialing: 0, completed: 0, failed: 0, skipped: 0 };
}

/** Counts always add up to the total; a batch is done exactly when nothing is pending or dialing. */
export function countsAddUp(batch: Pick<Batch, 'counts' | 'totalRecipients'>): boolean {
  const c = batch.counts;
  return c.pending + c.dialing + c.completed + c.failed + c.skipped === batch.totalRecipients;
}

export function allRecipientsDone(batch: Pick<Batch, 'counts' | 'totalRecipients'>): boolean {
  const c = batch.counts;
  return c.completed + c.failed + c.skipped === batch.totalRecipients;
}
