/**
 * The batch and its lifecycle (contract "Lifecycle"):
 *   pending | scheduled → running → completed
 *   pending | scheduled → cancelled
 *   pending | scheduled | running → failed   (batch-level error, with failure_reason)
 * Stores apply these transitions with conditional writes built from `allowedSources`.
 */

export const BATCH_STATUSES = [
  'pending',
  'scheduled',
  'running',
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
}

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
}

export type BatchEvent = 'start' | 'complete' | 'cancel' | 'fail';

const TRANSITIONS: Record<BatchEvent, { from: readonly BatchStatus[]; to: BatchStatus }> = {
  start: { from: ['pending', 'scheduled'], to: 'running' },
  complete: { from: ['running'], to: 'completed' },
  cancel: { from: ['pending', 'scheduled'], to: 'cancelled' },
  fail: { from: ['pending', 'scheduled', 'running'], to: 'failed' },
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
  return { pending: total, dialing: 0, completed: 0, failed: 0 };
}

/** Counts always add up to the total; a batch is done exactly when nothing is pending or dialing. */
export function countsAddUp(batch: Pick<Batch, 'counts' | 'totalRecipients'>): boolean {
  const c = batch.counts;
  return c.pending + c.dialing + c.completed + c.failed === batch.totalRecipients;
}

export function allRecipientsDone(batch: Pick<Batch, 'counts' | 'totalRecipients'>): boolean {
  return batch.counts.completed + batch.counts.failed === batch.totalRecipients;
}
