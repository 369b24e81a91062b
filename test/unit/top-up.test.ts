import { describe, expect, it, vi } from 'vitest';
import { topUp } from '#shared/app/run/dispatch.ts';

const NOW = new Date('2026-12-07T12:00:00.000Z');

function setup(options: { room: boolean; earliestDue: number | null }) {
  const runStore = {
    workspaceHasRoom: vi.fn(async () => options.room),
    earliestDue: vi.fn(async () => options.earliestDue),
    setWake: vi.fn(async () => true),
    // One turn free, then none: the batch runs one below its concurrency.
    acquireSlot: vi
      .fn()
      .mockResolvedValueOnce({ agentId: 'agent_1', phoneNumberId: 'pn_1' })
      .mockResolvedValue(null),
    takeDue: vi.fn(async () => null),
    takeNextIndex: vi.fn(async () => ({ recipientIndex: 4, agentId: 'agent_1', phoneNumberId: 'pn_1' })),
    markDispatched: vi.fn(async () => undefined),
    releaseSlot: vi.fn(async () => 1),
  };
  const dialQueue = { send: vi.fn(async () => undefined) };
  const deps = {
    runStore,
    dialQueue,
    clock: () => NOW,
    logger: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
  } as unknown as Parameters<typeof topUp>[0];
  return { deps, runStore, dialQueue };
}

describe('topping a batch up (a wake-up, a resume, the sweeper)', () => {
  it('takes free turns while the workspace has room', async () => {
    const { deps, dialQueue } = setup({ room: true, earliestDue: null });
    expect(await topUp(deps, 'ws_1', 'batch_1')).toBe(1);
    expect(dialQueue.send).toHaveBeenCalledOnce();
  });

  it('takes no turn while the workspace is at its live-call limit, and looks again in 5 s', async () => {
    const { deps, runStore, dialQueue } = setup({ room: false, earliestDue: null });
    expect(await topUp(deps, 'ws_1', 'batch_1')).toBe(0);
    expect(runStore.acquireSlot).not.toHaveBeenCalled();
    expect(dialQueue.send).not.toHaveBeenCalled();
    const in5s = new Date(NOW.getTime() + 5_000).toISOString();
    expect(runStore.setWake).toHaveBeenCalledWith('ws_1', 'batch_1', in5s, NOW.toISOString(), false);
  });

  it('a batch in a full workspace whose next recipient waits longer wakes for that one', async () => {
    const later = NOW.getTime() + 60_000;
    const { deps, runStore } = setup({ room: false, earliestDue: later });
    await topUp(deps, 'ws_1', 'batch_1');
    expect(runStore.setWake).toHaveBeenCalledWith(
      'ws_1',
      'batch_1',
      new Date(later).toISOString(),
      NOW.toISOString(),
      false,
    );
  });
});
