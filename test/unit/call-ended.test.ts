import { describe, expect, it, vi } from 'vitest';
import { recordCallEnded } from '#shared/app/run/call-ended.ts';
import type { CallEndedEvent } from '#shared/ports/dialer.ts';
import type { RecipientRun } from '#shared/ports/run-store.ts';

/** A call's end, with its ports faked: the end is recorded once and the freed slot handed over at once. */

const ref = { workspaceId: 'ws_1', batchId: 'batch_1', recipientIndex: 3, attempt: 1 };

const dialing = {
  id: 'rcp_3',
  batchId: 'batch_1',
  workspaceId: 'ws_1',
  index: 3,
  status: 'dialing',
  attempts: 1,
  providerCallId: 'call-3',
} as unknown as RecipientRun;

const event: CallEndedEvent = {
  ref,
  providerCallId: 'call-3',
  outcome: 'answered',
  startedAt: '2026-11-29T10:00:00.000Z',
  endedAt: '2026-11-29T10:01:00.000Z',
  durationSecs: 60,
  error: null,
  conversation: null,
} as unknown as CallEndedEvent;

function setup(options: { ended?: boolean; handOver?: () => Promise<boolean>; next?: number | null } = {}) {
  const run = {
    findCall: vi.fn(async () => null),
    getRecipientRun: vi.fn(async () => dialing),
    endCall: vi.fn(async () => options.ended ?? true),
    handOver: vi.fn(options.handOver ?? (async () => true)),
    takeNextDispatch: vi.fn(async () => (options.next === undefined ? 13 : options.next)),
    markDispatched: vi.fn(async () => undefined),
  };
  const dialQueue = { send: vi.fn(async () => undefined) };
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const deps = {
    run,
    dialQueue,
    transcripts: { put: vi.fn(async () => undefined) },
    clock: () => new Date('2026-11-29T10:01:01.000Z'),
    logger,
  } as unknown as Parameters<typeof recordCallEnded>[0];
  return { deps, run, dialQueue, logger };
}

describe('a call ending', () => {
  it('records the end, then hands the slot straight to the next recipient', async () => {
    const { deps, run, dialQueue } = setup();
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.endCall).toHaveBeenCalledWith(ref, expect.objectContaining({ status: 'completed' }));
    expect(run.handOver).toHaveBeenCalledWith('batch_1', 3);
    expect(dialQueue.send).toHaveBeenCalledWith([
      { workspaceId: 'ws_1', batchId: 'batch_1', recipientIndex: 13, attempt: 1 },
    ]);
    expect(run.markDispatched).toHaveBeenCalledWith('batch_1', [13], '2026-11-29T10:01:01.000Z');
  });

  it('dispatches nothing when the hand-over was already done (by the stream or the sweeper)', async () => {
    const { deps, run, dialQueue } = setup({ handOver: async () => false });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.takeNextDispatch).not.toHaveBeenCalled();
    expect(dialQueue.send).not.toHaveBeenCalled();
  });

  it('hands nothing over for a duplicate callback', async () => {
    const { deps, run } = setup({ ended: false });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('duplicate');
    expect(run.handOver).not.toHaveBeenCalled();
  });

  it('keeps the recorded end when the hand-over fails; the stream does it instead', async () => {
    const { deps, logger } = setup({
      handOver: async () => {
        throw new Error('throttled');
      },
    });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(logger.warn).toHaveBeenCalledOnce();
  });
});
