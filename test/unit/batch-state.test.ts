import { describe, expect, it } from 'vitest';
import {
  allRecipientsDone,
  BATCH_STATUSES,
  batchTransition,
  canApply,
  countsAddUp,
  initialCounts,
  isTerminalBatchStatus,
  type BatchEvent,
  type BatchStatus,
} from '#shared/domain/batch.ts';

// The whole transition table of the contract's "Lifecycle", cell by cell.
const EXPECTED: Record<BatchEvent, Partial<Record<BatchStatus, BatchStatus>>> = {
  start: { pending: 'running', scheduled: 'running' },
  complete: { running: 'completed', paused: 'completed' },
  cancel: { pending: 'cancelled', scheduled: 'cancelled' },
  fail: { pending: 'failed', scheduled: 'failed', running: 'failed', paused: 'failed' },
  pause: { running: 'paused' },
  resume: { paused: 'running' },
  stop: { running: 'stopping', paused: 'stopping' },
  finishStop: { stopping: 'cancelled' },
};

describe('batch state machine', () => {
  for (const event of Object.keys(EXPECTED) as BatchEvent[]) {
    for (const status of BATCH_STATUSES) {
      const target = EXPECTED[event][status];
      it(`${event} from ${status} ${target ? `→ ${target}` : 'is refused'}`, () => {
        expect(canApply(status, event)).toBe(target !== undefined);
        if (target) expect(batchTransition(event).to).toBe(target);
      });
    }
  }

  it('knows the terminal states', () => {
    expect(BATCH_STATUSES.filter(isTerminalBatchStatus)).toEqual(['completed', 'failed', 'cancelled']);
  });

  it('no event leaves a terminal state', () => {
    for (const status of BATCH_STATUSES.filter(isTerminalBatchStatus)) {
      for (const event of Object.keys(EXPECTED) as BatchEvent[]) expect(canApply(status, event)).toBe(false);
    }
  });
});

describe('batch counts', () => {
  it('start with every recipient pending and add up', () => {
    const counts = initialCounts(3);
    expect(counts).toEqual({ pending: 3, dialing: 0, completed: 0, failed: 0, skipped: 0 });
    expect(countsAddUp({ counts, totalRecipients: 3 })).toBe(true);
    expect(allRecipientsDone({ counts, totalRecipients: 3 })).toBe(false);
  });

  it('detect counts that do not add up, and a finished batch', () => {
    expect(
      countsAddUp({
        counts: { pending: 1, dialing: 1, completed: 0, failed: 0, skipped: 0 },
        totalRecipients: 3,
      }),
    ).toBe(false);
    expect(
      allRecipientsDone({
        counts: { pending: 0, dialing: 0, completed: 1, failed: 1, skipped: 1 },
        totalRecipients: 3,
      }),
    ).toBe(true);
    expect(
      allRecipientsDone({
        counts: { pending: 0, dialing: 1, completed: 1, failed: 1, skipped: 0 },
        totalRecipients: 3,
      }),
    ).toBe(false);
  });
});
