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

function setup(
  options: {
    ended?: boolean;
    next?: number | null;
    takeNext?: () => Promise<unknown>;
    release?: () => Promise<boolean>;
  } = {},
) {
  const run = {
    findCall: vi.fn(async () => null),
    getRecipientRun: vi.fn(async () => dialing),
    endCall: vi.fn(async () => options.ended ?? true),
    takeNextDispatch: vi.fn(
      options.takeNext ??
        (async () =>
          options.next === null
            ? null
            : { recipientIndex: options.next ?? 13, agentId: 'agent_1', phoneNumberId: 'pn_1' }),
    ),
    markDispatched: vi.fn(async () => undefined),
    releaseHandOver: vi.fn(options.release ?? (async () => true)),
  };
  const dialQueue = { send: vi.fn(async () => undefined) };
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const deps = {
    runStore: run,
    dialQueue,
    transcripts: { put: vi.fn(async () => undefined) },
    clock: () => new Date('2026-11-29T10:01:01.000Z'),
    logger,
  } as unknown as Parameters<typeof recordCallEnded>[0];
  return { deps, run, dialQueue, logger };
}

describe('a call ending', () => {
  it('records the end and the hand-over in one write, then hands the slot straight to the next recipient', async () => {
    const { deps, run, dialQueue } = setup();
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.endCall).toHaveBeenCalledWith(ref, expect.objectContaining({ status: 'completed' }), {
      handOver: true,
    });
    expect(dialQueue.send).toHaveBeenCalledWith([
      {
        workspaceId: 'ws_1',
        batchId: 'batch_1',
        recipientIndex: 13,
        attempt: 1,
        agentId: 'agent_1',
        phoneNumberId: 'pn_1',
      },
    ]);
    expect(run.markDispatched).toHaveBeenCalledWith('batch_1', [13], '2026-11-29T10:01:01.000Z');
    expect(run.releaseHandOver).not.toHaveBeenCalled();
  });

  it('dispatches nothing when every recipient is dispatched already', async () => {
    const { deps, dialQueue } = setup({ next: null });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(dialQueue.send).not.toHaveBeenCalled();
  });

  it('hands nothing over for a duplicate callback', async () => {
    const { deps, run } = setup({ ended: false });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('duplicate');
    expect(run.takeNextDispatch).not.toHaveBeenCalled();
  });

  it('keeps the recorded end when the dispatch fails, and gives the hand-over back to the stream', async () => {
    const { deps, run, logger } = setup({
      takeNext: async () => {
        throw new Error('throttled');
      },
    });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.releaseHandOver).toHaveBeenCalledWith('batch_1', 3);
    expect(logger.warn).toHaveBeenCalledOnce();

    const worse = setup({
      takeNext: async () => {
        throw new Error('throttled');
      },
      release: async () => {
        throw new Error('throttled too');
      },
    });
    expect(await recordCallEnded(worse.deps, 'simulated', event)).toBe('recorded');
    expect(worse.logger.error).toHaveBeenCalledOnce();
  });

  it('stores a recording URL only when it is https', async () => {
    const conversation = { transcript: [], evaluations: [], dataCollection: {} };
    const cases: Array<[string, string | null]> = [
      ['https://storage.vapi.ai/rec.wav', 'https://storage.vapi.ai/rec.wav'],
      ['http://retell.example/rec.wav', null],
      ['javascript:alert(document.domain)', null],
      ['data:text/html,<script>alert(1)</script>', null],
      ['https://user:pass@evil.example/rec.wav', null],
      ['/relative/rec.wav', null],
    ];
    for (const [given, stored] of cases) {
      const { deps } = setup();
      const withRecording = { ...event, conversation: { ...conversation, recordingUrl: given } };
      expect(await recordCallEnded(deps, 'retell', withRecording)).toBe('recorded');
      expect(deps.transcripts.put, given).toHaveBeenCalledWith(
        'transcripts/ws_1/batch_1/rcp_3.json',
        expect.objectContaining({ recordingUrl: stored }),
      );
    }
  });
});
