import { describe, expect, it } from 'vitest';
import { attentionDelayMs, MAX_ATTENTION_DELAY_MS, nextLook } from '#shared/app/run/attention.ts';
import type { RecipientRun } from '#shared/ports/run-store.ts';

/** When the sweeper looks at a batch again (shared/app/run/attention.ts): never after work could be stuck. */

const NOW = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();
const limits = { graceMs: 60_000, stuckAfterMs: 3_630_000 };
const counts = { pending: 0, dialing: 0, completed: 0, failed: 0, skipped: 0 };
const running = { status: 'running' as const, wakeAt: null, stoppedAt: null, counts, slots: 2 };

function recipient(overrides: Partial<RecipientRun>): RecipientRun {
  return {
    status: 'pending',
    attempts: 0,
    dispatchedAt: null,
    dialingSince: null,
    endedAt: null,
    eventRecorded: false,
    ...overrides,
  } as RecipientRun;
}

describe('the next look at a batch', () => {
  it('waits for the first live call that could be stuck when every turn is a live call', () => {
    const live = [
      recipient({ status: 'dialing', attempts: 1, dialingSince: iso(-5_000) }),
      recipient({ status: 'dialing', attempts: 1, dialingSince: iso(-1_000) }),
    ];
    expect(nextLook(running, live, NOW, limits)).toBe(NOW - 5_000 + limits.stuckAfterMs);
  });

  it('comes grace after a dial message was sent, and after an unrecorded end', () => {
    const queued = [
      recipient({ status: 'dialing', attempts: 1, dialingSince: iso(-1_000) }),
      recipient({ dispatchedAt: iso(-2_000) }),
    ];
    expect(nextLook(running, queued, NOW, limits)).toBe(NOW - 2_000 + limits.graceMs);
    const ended = [recipient({ status: 'completed', attempts: 1, endedAt: iso(-3_000) })];
    expect(nextLook({ ...running, slots: 0 }, ended, NOW, limits)).toBe(NOW - 3_000 + limits.graceMs);
  });

  it('comes soon when a counted turn is held by no recipient read (a dispatch between its writes)', () => {
    const oneLive = [recipient({ status: 'dialing', attempts: 1, dialingSince: iso(0) })];
    expect(nextLook(running, oneLive, NOW, limits)).toBe(NOW + limits.graceMs);
    // A stuck limit shorter than grace (short test calls) bounds it too.
    expect(nextLook(running, oneLive, NOW, { graceMs: 60_000, stuckAfterMs: 3_000 })).toBe(NOW + 3_000);
  });

  it('waits for the wake-up of an idle batch, and at most a day for a paused one with nothing live', () => {
    const waiting = { ...running, slots: 0, wakeAt: iso(600_000) };
    expect(nextLook(waiting, [], NOW, limits)).toBe(NOW + 600_000 + limits.graceMs);
    expect(nextLook({ ...running, status: 'paused', slots: 0 }, [], NOW, limits)).toBe(
      NOW + MAX_ATTENTION_DELAY_MS,
    );
  });

  it('reads a batch its grace period after progress, or the longest call if that is shorter', () => {
    expect(attentionDelayMs({ graceMs: 60_000, maxCallMs: 3_600_000 })).toBe(60_000);
    expect(attentionDelayMs({ graceMs: 60_000, maxCallMs: 2_000 })).toBe(2_000);
  });
});
