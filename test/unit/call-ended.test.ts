import { describe, expect, it, vi } from 'vitest';
import { recordCallEnded } from '#shared/app/run/call-ended.ts';
import type { RetryPolicy } from '#shared/domain/retry.ts';
import type { CallEndedEvent } from '#shared/ports/dialer.ts';
import type { BatchRun, DueDispatch, RecipientRun } from '#shared/ports/run-store.ts';

/** A call's end, with its ports faked: the end is recorded once and the freed slot handed over at once. */

const ref = { workspaceId: 'ws_1', batchId: 'batch_1', recipientIndex: 3, attempt: 1 };
const NOW = new Date('2026-11-29T10:01:01.000Z');

const dialing = {
  id: 'rcp_3',
  batchId: 'batch_1',
  workspaceId: 'ws_1',
  index: 3,
  status: 'dialing',
  attempts: 1,
  providerCallId: 'call-3',
  dialingSince: '2026-11-29T09:59:50.000Z',
  attemptHistory: [],
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

/** The dial message the freed slot sends (the batch's agent and number ride along). */
const dialMessage = (recipientIndex: number, attempt: number) => ({
  workspaceId: 'ws_1',
  batchId: 'batch_1',
  recipientIndex,
  attempt,
  agentId: 'agent_1',
  phoneNumberId: 'pn_1',
});

function setup(
  options: {
    ended?: boolean;
    /** What takeDue answers: a waiting recipient due now, `not_running`, or null (none due). */
    due?: DueDispatch | 'not_running' | null;
    next?: number | null;
    takeNext?: () => Promise<unknown>;
    release?: () => Promise<boolean>;
    earliestDue?: number | null;
    retry?: RetryPolicy;
    recipient?: Partial<RecipientRun>;
    /** The batch as the callback read it (its cursor, its count of waiting recipients). */
    batch?: Partial<BatchRun>;
    agent?: Record<string, unknown> | null;
    /** What the end-and-pass write answers (the cursor still as read: the next index). */
    passed?: { ended: boolean; handedTo: number | null };
  } = {},
) {
  const batch = {
    id: 'batch_1',
    workspaceId: 'ws_1',
    status: 'running',
    agentId: 'agent_1',
    phoneNumberId: 'pn_1',
    retry: options.retry ?? { maxAttempts: 1, rules: {} },
    callingWindow: null,
    guardrails: null,
    recentOutcomes: [],
    callMs: 0,
    ...options.batch,
  } as unknown as BatchRun;
  const run = {
    findCall: vi.fn(async () => null),
    getRunReads: vi.fn(async () => ({
      recipient: { ...dialing, ...options.recipient } as RecipientRun,
      batch,
      agent: null,
    })),
    endCall: vi.fn(async () => options.ended ?? true),
    endCallAndPass: vi.fn(async () => options.passed ?? { ended: true, handedTo: 13 }),
    takeDue: vi.fn(async () => (options.due === undefined ? null : options.due)),
    takeNextIndex: vi.fn(
      options.takeNext ??
        (async () =>
          options.next === null
            ? null
            : { recipientIndex: options.next ?? 13, agentId: 'agent_1', phoneNumberId: 'pn_1' }),
    ),
    markDispatched: vi.fn(async () => undefined),
    // The last turn of the batch: no other call is live or queued.
    releaseSlot: vi.fn(async () => 0),
    earliestDue: vi.fn(async () => (options.earliestDue === undefined ? null : options.earliestDue)),
    setWake: vi.fn(async () => true),
    releaseHandOver: vi.fn(options.release ?? (async () => true)),
    trimOutcomes: vi.fn(async () => undefined),
  };
  const dialQueue = { send: vi.fn(async () => undefined) };
  const webhookQueue = { send: vi.fn(async () => undefined) };
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const store = { getAgent: vi.fn(async () => options.agent ?? null) };
  const deps = {
    store,
    runStore: run,
    dialQueue,
    webhookQueue,
    transcripts: { put: vi.fn(async () => undefined) },
    clock: () => NOW,
    logger,
  } as unknown as Parameters<typeof recordCallEnded>[0];
  return { deps, run, dialQueue, webhookQueue, store, logger };
}

describe('a call ending', () => {
  it('records the end and the hand-over in one write, then hands the slot straight to the next recipient', async () => {
    const { deps, run, dialQueue } = setup();
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    // The recipient and the batch in one round trip.
    expect(run.getRunReads).toHaveBeenCalledOnce();
    expect(run.getRunReads).toHaveBeenCalledWith(ref, { recipient: true, agent: false });
    expect(run.endCall).toHaveBeenCalledWith(
      ref,
      expect.objectContaining({
        status: 'completed',
        outcome: 'answered',
        // The claim's time, for the attempt history; an answered call is never retried.
        dialedAt: '2026-11-29T09:59:50.000Z',
        retryAt: null,
      }),
      { handOver: true, outbox: null, eventRecorded: true },
    );
    // A waiting recipient due now comes first; none is, so the next fresh one gets the turn.
    expect(run.takeDue).toHaveBeenCalledWith('ws_1', 'batch_1', NOW.getTime(), NOW.toISOString());
    expect(run.takeNextIndex).toHaveBeenCalledWith('ws_1', 'batch_1', expect.any(String));
    expect(dialQueue.send).toHaveBeenCalledWith([dialMessage(13, 1)]);
    expect(run.markDispatched).toHaveBeenCalledWith('batch_1', [13], NOW.toISOString());
    // Marked before it is sent: a message lost after the send is found by the sweeper.
    expect(run.markDispatched.mock.invocationCallOrder[0]).toBeLessThan(
      dialQueue.send.mock.invocationCallOrder[0] ?? 0,
    );
    expect(run.endCall.mock.invocationCallOrder[0]).toBeLessThan(
      run.takeDue.mock.invocationCallOrder[0] ?? 0,
    );
    expect(run.releaseSlot).not.toHaveBeenCalled();
    expect(run.releaseHandOver).not.toHaveBeenCalled();
  });

  it('hands the slot to a waiting recipient that is due before any fresh one', async () => {
    const { deps, run, dialQueue } = setup({ due: { recipientIndex: 5, attempt: 2 } });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    // With the batch's agent and number (read for its retry rules), so the dial reads in one trip.
    expect(dialQueue.send).toHaveBeenCalledWith([dialMessage(5, 2)]);
    // Taking the due recipient marked it dispatched already; the fresh cursor is left alone.
    expect(run.takeNextIndex).not.toHaveBeenCalled();
    expect(run.markDispatched).not.toHaveBeenCalled();
    expect(run.releaseSlot).not.toHaveBeenCalled();
  });

  it('dispatches nothing when every recipient is dispatched already, gives the turn back and sets the wake-up', async () => {
    const { deps, run, dialQueue } = setup({ next: null });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(dialQueue.send).not.toHaveBeenCalled();
    expect(run.markDispatched).not.toHaveBeenCalled();
    expect(run.releaseSlot).toHaveBeenCalledWith('ws_1', 'batch_1', expect.any(String));
    expect(run.earliestDue).toHaveBeenCalledWith('batch_1');
    // Nobody waits: no wake-up.
    expect(run.setWake).not.toHaveBeenCalled();

    // Someone waits for a retry in 15 minutes: the batch's wake-up is set for then.
    const dueAt = NOW.getTime() + 900_000;
    const waiting = setup({ next: null, earliestDue: dueAt });
    expect(await recordCallEnded(waiting.deps, 'simulated', event)).toBe('recorded');
    expect(waiting.run.releaseSlot).toHaveBeenCalledWith('ws_1', 'batch_1', expect.any(String));
    expect(waiting.run.setWake).toHaveBeenCalledWith(
      'ws_1',
      'batch_1',
      new Date(dueAt).toISOString(),
      NOW.toISOString(),
      // No turn left: the batch is idle until then (the sweeper skips it too).
      true,
    );
  });

  it('gives the turn back, dialing no one, when the batch no longer runs', async () => {
    const { deps, run, dialQueue } = setup({ due: 'not_running' });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.takeNextIndex).not.toHaveBeenCalled();
    expect(dialQueue.send).not.toHaveBeenCalled();
    expect(run.releaseSlot).toHaveBeenCalledWith('ws_1', 'batch_1', expect.any(String));
  });

  it('hands nothing over for a duplicate callback', async () => {
    const { deps, run, dialQueue } = setup({ ended: false });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('duplicate');
    expect(run.takeDue).not.toHaveBeenCalled();
    expect(run.takeNextIndex).not.toHaveBeenCalled();
    expect(run.releaseSlot).not.toHaveBeenCalled();
    expect(dialQueue.send).not.toHaveBeenCalled();
  });

  it('keeps the recorded end when the dispatch fails, and gives the hand-over back to the stream', async () => {
    const { deps, run, logger } = setup({
      takeNext: async () => {
        throw new Error('throttled');
      },
    });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.releaseHandOver).toHaveBeenCalledWith('batch_1', 3, 1);
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

  it('gives back the hand-over mark of this very attempt', async () => {
    const second = { ...ref, attempt: 2 };
    const { deps, run } = setup({
      recipient: { attempts: 2 },
      takeNext: async () => {
        throw new Error('throttled');
      },
    });
    expect(await recordCallEnded(deps, 'simulated', { ...event, ref: second })).toBe('recorded');
    expect(run.endCall).toHaveBeenCalledWith(second, expect.anything(), {
      handOver: true,
      outbox: null,
      eventRecorded: true,
    });
    expect(run.releaseHandOver).toHaveBeenCalledWith('batch_1', 3, 2);
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

  it('keeps a later attempt`s conversation under its own key', async () => {
    const conversation = { transcript: [], evaluations: [], dataCollection: {}, recordingUrl: null };
    const { deps, run } = setup({ recipient: { attempts: 2 } });
    const second = { ...event, ref: { ...ref, attempt: 2 }, conversation };
    expect(await recordCallEnded(deps, 'retell', second)).toBe('recorded');
    expect(deps.transcripts.put).toHaveBeenCalledWith(
      'transcripts/ws_1/batch_1/rcp_3.2.json',
      expect.anything(),
    );
    expect(run.endCall).toHaveBeenCalledWith(
      second.ref,
      expect.objectContaining({ transcriptKey: 'transcripts/ws_1/batch_1/rcp_3.2.json' }),
      { handOver: true, outbox: null, eventRecorded: true },
    );
  });

  describe('retries', () => {
    const retry: RetryPolicy = { maxAttempts: 2, rules: { busy: { delaySeconds: 900 } } };
    const busy: CallEndedEvent = { ...event, outcome: 'busy', startedAt: null, durationSecs: 0 };

    it('ends an attempt whose outcome the retry rules name with its retry time, endedAt + the delay', async () => {
      const { deps, run, dialQueue } = setup({ retry });
      expect(await recordCallEnded(deps, 'simulated', busy)).toBe('recorded');
      expect(run.endCall).toHaveBeenCalledWith(
        ref,
        expect.objectContaining({
          outcome: 'busy',
          endedAt: '2026-11-29T10:01:00.000Z',
          retryAt: '2026-11-29T10:16:00.000Z',
          dialedAt: '2026-11-29T09:59:50.000Z',
        }),
        { handOver: true, outbox: null, eventRecorded: true },
      );
      // The retried recipient holds no slot: the turn still passes on.
      expect(dialQueue.send).toHaveBeenCalledOnce();
    });

    it('gives the last allowed attempt no retry', async () => {
      const second = { ...ref, attempt: 2 };
      const { deps, run } = setup({ retry, recipient: { attempts: 2 } });
      expect(await recordCallEnded(deps, 'simulated', { ...busy, ref: second })).toBe('recorded');
      expect(run.endCall).toHaveBeenCalledWith(
        second,
        expect.objectContaining({ status: 'failed', outcome: 'busy', retryAt: null }),
        { handOver: true, outbox: null, eventRecorded: true },
      );
    });

    it('retries only the outcomes the rules name, and never an answered call', async () => {
      for (const outcome of ['no_answer', 'answered'] as const) {
        const { deps, run } = setup({ retry });
        expect(await recordCallEnded(deps, 'simulated', { ...busy, outcome })).toBe('recorded');
        expect(run.endCall, outcome).toHaveBeenCalledWith(
          ref,
          expect.objectContaining({ outcome, retryAt: null }),
          { handOver: true, outbox: null, eventRecorded: true },
        );
      }
    });
  });
});

describe('a call ending, in one write with what follows it', () => {
  const lean = { status: 'running', mayHaveDue: false, dispatched: 13, totalRecipients: 20 } as const;
  const agent = {
    id: 'agent_1',
    webhookUrl: 'https://hooks.example.com/calls',
    webhookEvents: ['conversation.completed', 'call.failed', 'call.retry_scheduled'],
    optOutDataCollectionId: 'opt_out',
  };

  it('passes the turn to the next fresh recipient in the end transaction when none waits', async () => {
    const { deps, run, dialQueue } = setup({ batch: lean });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.endCallAndPass).toHaveBeenCalledWith(ref, expect.objectContaining({ status: 'completed' }), {
      handOver: true,
      outbox: null,
      eventRecorded: true,
      dispatched: 13,
      now: NOW.toISOString(),
    });
    // No due Query, no cursor write, no dispatch mark of their own: the message only.
    expect(run.endCall).not.toHaveBeenCalled();
    expect(run.takeDue).not.toHaveBeenCalled();
    expect(run.takeNextIndex).not.toHaveBeenCalled();
    expect(run.markDispatched).not.toHaveBeenCalled();
    expect(dialQueue.send).toHaveBeenCalledWith([dialMessage(13, 1)]);
  });

  it('passes the turn the usual way when the cursor moved under the end', async () => {
    const { deps, run, dialQueue } = setup({ batch: lean, passed: { ended: true, handedTo: null } });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.takeNextIndex).toHaveBeenCalledOnce();
    expect(run.markDispatched).toHaveBeenCalledWith('batch_1', [13], NOW.toISOString());
    expect(dialQueue.send).toHaveBeenCalledOnce();
  });

  it('passes nothing for a duplicate end', async () => {
    const { deps, run, dialQueue } = setup({ batch: lean, passed: { ended: false, handedTo: null } });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('duplicate');
    expect(run.takeNextIndex).not.toHaveBeenCalled();
    expect(dialQueue.send).not.toHaveBeenCalled();
  });

  it('asks the batch its waiting recipients first when it may have some, or runs no longer', async () => {
    for (const batch of [
      { ...lean, mayHaveDue: true },
      { ...lean, status: 'paused' },
      { ...lean, dispatched: 20 },
    ]) {
      const { deps, run } = setup({ batch: batch as Partial<BatchRun> });
      await recordCallEnded(deps, 'simulated', event);
      expect(run.endCallAndPass).not.toHaveBeenCalled();
      expect(run.endCall).toHaveBeenCalledOnce();
    }
  });

  it('writes the attempt`s webhook record in the end and queues it, the event marked recorded', async () => {
    const { deps, run, webhookQueue, store } = setup({ batch: lean, agent });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(store.getAgent).toHaveBeenCalledWith('ws_1', 'agent_1');
    const options = (run.endCallAndPass.mock.calls[0] as unknown[] | undefined)?.[2] as {
      outbox: {
        webhookId: string;
        eventType: string;
        recipientIndex: number;
        occurredAt: string;
        snapshot: { data: Record<string, unknown> };
      };
      eventRecorded: boolean;
    };
    expect(options.eventRecorded).toBe(true);
    expect(options.outbox).toMatchObject({
      eventType: 'conversation.completed',
      recipientIndex: 3,
      occurredAt: event.endedAt,
      status: 'pending',
    });
    // Its payload describes the recipient as the end leaves it, not as the callback read it.
    expect(options.outbox.snapshot.data).toMatchObject({
      status: 'completed',
      outcome: 'answered',
      started_at: event.startedAt,
      ended_at: event.endedAt,
      duration_secs: 60,
    });
    expect(webhookQueue.send).toHaveBeenCalledWith([
      expect.objectContaining({ webhookId: options.outbox.webhookId, batchId: 'batch_1', recipientIndex: 3 }),
    ]);
  });

  it('leaves the event to the stream when the conversation says the person opted out', async () => {
    const optedOut = {
      ...event,
      conversation: {
        transcript: [],
        dataCollection: { opt_out: { value: true } },
        recordingUrl: null,
      },
    } as unknown as CallEndedEvent;
    const { deps, run } = setup({ batch: lean, agent });
    expect(await recordCallEnded(deps, 'simulated', optedOut)).toBe('recorded');
    const options = (run.endCallAndPass.mock.calls[0] as unknown[] | undefined)?.[2] as {
      eventRecorded: boolean;
    };
    // The reaction captures the opt-out (a suppression, the phone's other waiting recipients skipped).
    expect(options.eventRecorded).toBe(false);
  });
});

describe("a call ending, and the failure breaker's marks", () => {
  const breaker = { maxFailureRate: 0.5, minCalls: 20, maxCallMinutes: null };

  it('appends no mark for a batch without a breaker, and trims none', async () => {
    const { deps, run } = setup();
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.endCall).toHaveBeenCalledWith(
      ref,
      expect.objectContaining({ breakerMark: false }),
      expect.anything(),
    );
    expect(run.trimOutcomes).not.toHaveBeenCalled();
  });

  it('appends the mark with a breaker, and trims the oldest marks once they run past what it keeps', async () => {
    const marks = Array.from({ length: 20 + 100 }, () => 'o' as const);
    const { deps, run } = setup({ batch: { guardrails: breaker, recentOutcomes: marks } });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.endCall).toHaveBeenCalledWith(
      ref,
      expect.objectContaining({ breakerMark: true }),
      expect.anything(),
    );
    // 121 marks with this end's: 101 beyond the 20 the breaker reads, never below those 20.
    expect(run.trimOutcomes).toHaveBeenCalledWith('ws_1', 'batch_1', 101, 20);
  });

  it('trims what a batch without a breaker kept before (older ends appended for every batch)', async () => {
    const marks = Array.from({ length: 300 }, () => 'f' as const);
    const { deps, run } = setup({ batch: { recentOutcomes: marks } });
    expect(await recordCallEnded(deps, 'simulated', event)).toBe('recorded');
    expect(run.trimOutcomes).toHaveBeenCalledWith('ws_1', 'batch_1', 150, 0);
  });
});
