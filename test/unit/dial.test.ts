import { describe, expect, it, vi } from 'vitest';
import { dialRecipient, callbackUrl } from '#shared/app/run/dial.ts';
import type { Agent } from '#shared/domain/agent.ts';
import type { PhoneNumber } from '#shared/domain/phone-number.ts';
import type { Dialer, PlaceCallResult } from '#shared/ports/dialer.ts';
import type { BatchRun, ClaimResult, RecipientRun } from '#shared/ports/run-store.ts';

/** The dial use case alone, with its ports faked: which path does each provider answer take? */

const ref = { workspaceId: 'ws_1', batchId: 'batch_1', recipientIndex: 0, attempt: 1 };
/** A claim that took live-call shard 2: every release of it must name that shard. */
const CLAIMED = { liveShard: 2 };
/** The pacing the dial asks the claim to take: the number idle at 1_000 ms, 1 call/s. */
const IDLE_PACING = { pacing: { phoneNumberId: 'pn_1', intervalMs: 1_000, nowMs: 1_000 } };

const batch = {
  id: 'batch_1',
  workspaceId: 'ws_1',
  status: 'running',
  agentId: 'agent_1',
  phoneNumberId: 'pn_1',
  ringingTimeoutMs: 30_000,
  retry: { maxAttempts: 1, rules: {} },
  callingWindow: null,
  dispatched: 1,
} as unknown as BatchRun;

const recipient = {
  id: 'rcp_1',
  batchId: 'batch_1',
  workspaceId: 'ws_1',
  index: 0,
  phone: '+14155551234',
  dynamicVars: { first_name: 'Alice' },
  status: 'pending',
  attempts: 0,
} as unknown as RecipientRun;

const agent = {
  id: 'agent_1',
  prompt: 'Remind {{first_name}}.',
  firstMessage: 'Hi {{ first_name }}!',
  evaluationCriteria: [],
  dataCollection: [],
  telephony: {},
} as unknown as Agent;

const phone = {
  id: 'pn_1',
  phoneNumber: '+14155550100',
  provider: 'simulated',
  outbound: true,
  callsPerSecond: 1,
} as PhoneNumber;

function setup(
  options: {
    result?: PlaceCallResult;
    claim?: ClaimResult;
    callbacksCarryRef?: boolean;
    recipient?: Partial<RecipientRun>;
    slot?: number | null;
    batch?: Partial<BatchRun>;
    phone?: Partial<PhoneNumber>;
  } = {},
) {
  const theBatch = { ...batch, ...options.batch } as BatchRun;
  const theRecipient = { ...recipient, ...options.recipient } as RecipientRun;
  const thePhone = { ...phone, ...options.phone } as PhoneNumber;
  const placeCall = vi.fn(
    async () => options.result ?? { kind: 'placed' as const, providerCallId: 'call-1' },
  );
  const dialer: Dialer = {
    provider: 'simulated',
    placeCall,
    ...(options.callbacksCarryRef === undefined ? {} : { callbacksCarryRef: options.callbacksCarryRef }),
  };
  const run = {
    getBatchRun: vi.fn(async () => theBatch),
    getRecipientRun: vi.fn(async () => theRecipient),
    getDialReads: vi.fn(async () => ({ batch: theBatch, recipient: theRecipient, agent, phone: thePhone })),
    reservePacingSlot: vi.fn(async () => (options.slot === undefined ? 1_000 : options.slot)),
    claimRecipient: vi.fn(async (..._args: unknown[]): Promise<ClaimResult> => options.claim ?? CLAIMED),
    recordPlacedCall: vi.fn(async () => undefined),
    unclaimRecipient: vi.fn(async () => true),
    releaseContactAttempt: vi.fn(async () => undefined),
    endCall: vi.fn(async () => true),
    abandonRecipient: vi.fn(async () => true),
    markDispatched: vi.fn(async () => undefined),
    deferRecipient: vi.fn(async () => true),
    earliestDue: vi.fn(async () => 6_000),
    setWake: vi.fn(async () => true),
  };
  const dialQueue = { send: vi.fn(async () => undefined) };
  const sleep = vi.fn(async () => undefined);
  const store = { getAgent: vi.fn(async () => agent), getPhoneNumber: vi.fn(async () => thePhone) };
  const deps = {
    store,
    runStore: run,
    dialQueue,
    webhookQueue: { send: vi.fn() },
    dialerFor: () => dialer,
    secrets: { get: vi.fn(async () => null) },
    clock: () => new Date(1_000),
    sleep,
    logger: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
    publicBaseUrl: 'https://calls.example.com/',
  };
  return {
    deps: deps as unknown as Parameters<typeof dialRecipient>[0],
    run,
    store,
    dialQueue,
    placeCall,
    sleep,
  };
}

describe('dialing a recipient', () => {
  it('renders the texts, claims, calls with an idempotency key per attempt, and remembers the call', async () => {
    const { deps, run, placeCall } = setup();
    expect(await dialRecipient(deps, ref)).toBe('placed');
    // With the phone: the claim checks, in its transaction, that it is not suppressed now.
    // A batch without a contact limit records the attempt without reading the phone's history.
    // The number idle: its pacing slot in the claim's own transaction, no separate pacing write.
    expect(run.claimRecipient).toHaveBeenCalledWith(
      ref,
      expect.any(String),
      recipient.phone,
      { attemptKey: `${recipient.id}:1`, guard: null },
      IDLE_PACING,
    );
    expect(run.reservePacingSlot).not.toHaveBeenCalled();
    const input = (placeCall.mock.calls[0] as unknown as [Record<string, any>])[0];
    expect(input).toMatchObject({
      idempotencyKey: 'rcp_1:1',
      to: '+14155551234',
      from: '+14155550100',
      agent: { prompt: 'Remind Alice.', firstMessage: 'Hi Alice!' },
      callbackUrl: 'https://calls.example.com/v1/telephony/simulated/events?ws=ws_1&batch=batch_1&r=0&a=1',
    });
    // A provider whose callbacks may name only its call id needs the call indexed.
    expect(run.recordPlacedCall).toHaveBeenCalledWith(ref, 'rcp_1', 'simulated', 'call-1', { index: true });
  });

  it('indexes no call of a provider whose every callback names our ref', async () => {
    const { deps, run } = setup({ callbacksCarryRef: true });
    expect(await dialRecipient(deps, ref)).toBe('placed');
    expect(run.recordPlacedCall).toHaveBeenCalledWith(ref, 'rcp_1', 'simulated', 'call-1', { index: false });
  });

  it('fails the recipient, without calling, when a variable is missing', async () => {
    const { deps, run, placeCall } = setup({ recipient: { dynamicVars: {} } });
    expect(await dialRecipient(deps, ref)).toBe('abandoned');
    expect(run.abandonRecipient).toHaveBeenCalledWith(
      ref,
      'Missing dynamic variable: first_name',
      expect.any(String),
    );
    expect(run.claimRecipient).not.toHaveBeenCalled();
    expect(placeCall).not.toHaveBeenCalled();
  });

  it('does nothing for a duplicate message (already claimed, or another attempt)', async () => {
    for (const options of [
      { claim: 'not_pending' as const },
      { recipient: { status: 'dialing' as const } },
      { recipient: { attempts: 1 } },
    ]) {
      const { deps, placeCall, dialQueue } = setup(options);
      expect(await dialRecipient(deps, ref)).toBe('skipped');
      expect(placeCall).not.toHaveBeenCalled();
      expect(dialQueue.send).not.toHaveBeenCalled();
    }
  });

  it('hands the message back with a delay when no call slot or pacing slot is free', async () => {
    for (const options of [{ claim: 'batch_full' as const }, { claim: 'pacing_busy' as const, slot: null }]) {
      const { deps, placeCall, dialQueue } = setup(options);
      expect(await dialRecipient(deps, ref)).toBe('requeued');
      expect(placeCall).not.toHaveBeenCalled();
      expect(dialQueue.send).toHaveBeenCalledWith([ref], { delaySeconds: expect.any(Number) });
    }
  });

  it('lets a recipient whose workspace is full wait, turn given back, its batch woken once later', async () => {
    const { deps, run, placeCall, dialQueue } = setup({ claim: 'workspace_full' });
    expect(await dialRecipient(deps, ref)).toBe('deferred');
    expect(placeCall).not.toHaveBeenCalled();
    // No message handed back to spin in the queue: the batch's wake-up brings the recipient back.
    expect(dialQueue.send).not.toHaveBeenCalled();
    expect(run.deferRecipient).toHaveBeenCalledWith(ref, 1_000 + 5_000, { releaseSlot: true });
    expect(run.setWake).toHaveBeenCalledWith(
      'ws_1',
      'batch_1',
      new Date(6_000).toISOString(),
      expect.any(String),
      false,
    );
  });

  it('waits for its pacing slot before calling when the number is busy', async () => {
    const { deps, run, sleep } = setup({ slot: 2_500 });
    run.claimRecipient.mockResolvedValueOnce('pacing_busy');
    expect(await dialRecipient(deps, ref)).toBe('placed');
    expect(sleep).toHaveBeenCalledWith(1_500);
  });

  it('fails a refused call, retries a rate-limited one without counting it, and leaves an unknown one to the sweeper', async () => {
    const rejected = setup({ result: { kind: 'rejected', error: 'invalid number' } });
    expect(await dialRecipient(rejected.deps, ref)).toBe('rejected');
    expect(rejected.run.endCall).toHaveBeenCalledWith(
      ref,
      expect.objectContaining({
        status: 'failed',
        outcome: 'failed',
        dialedAt: new Date(1_000).toISOString(),
        endedAt: new Date(1_000).toISOString(),
        // One attempt allowed: no retry.
        retryAt: null,
        // The end releases the live-call shard the claim took.
        liveShard: 2,
        // No failure breaker on this batch: no breaker mark to keep.
        breakerMark: false,
      }),
    );
    const guarded = setup({
      result: { kind: 'rejected', error: 'invalid number' },
      batch: { guardrails: { maxFailureRate: 0.5, minCalls: 10, maxCallMinutes: null } },
    });
    expect(await dialRecipient(guarded.deps, ref)).toBe('rejected');
    expect(guarded.run.endCall).toHaveBeenCalledWith(ref, expect.objectContaining({ breakerMark: true }));
    // A batch whose retry rules name `failed` tries the refused call again after its delay.
    const retried = setup({
      result: { kind: 'rejected', error: 'invalid number' },
      batch: { retry: { maxAttempts: 2, rules: { failed: { delaySeconds: 600 } } } },
    });
    expect(await dialRecipient(retried.deps, ref)).toBe('rejected');
    expect(retried.run.endCall).toHaveBeenCalledWith(
      ref,
      expect.objectContaining({ status: 'failed', retryAt: new Date(1_000 + 600_000).toISOString() }),
    );

    const limited = setup({ result: { kind: 'rate_limited', retryAfterSeconds: 7 } });
    expect(await dialRecipient(limited.deps, ref)).toBe('requeued');
    expect(limited.run.unclaimRecipient).toHaveBeenCalledWith(ref, CLAIMED);
    expect(limited.dialQueue.send).toHaveBeenCalledWith([ref], { delaySeconds: 7 });

    const unknown = setup({ result: { kind: 'unknown', error: 'timed out after sending' } });
    expect(await dialRecipient(unknown.deps, ref)).toBe('unknown');
    expect(unknown.run.unclaimRecipient).not.toHaveBeenCalled();
    expect(unknown.run.endCall).not.toHaveBeenCalled();
    expect(unknown.dialQueue.send).not.toHaveBeenCalled();
  });

  it('builds callback URLs that carry the attempt', () => {
    expect(callbackUrl('http://127.0.0.1:3000', { provider: 'twilio' }, { ...ref, attempt: 2 })).toBe(
      'http://127.0.0.1:3000/v1/telephony/twilio/events?ws=ws_1&batch=batch_1&r=0&a=2',
    );
  });

  it('reads the batch, recipient, agent and number in one round trip when the message names them', async () => {
    const named = { ...ref, agentId: 'agent_1', phoneNumberId: 'pn_1' };
    const one = setup();
    expect(await dialRecipient(one.deps, named)).toBe('placed');
    expect(one.run.getDialReads).toHaveBeenCalledWith(named, 'agent_1', 'pn_1');
    expect(one.run.getBatchRun).not.toHaveBeenCalled();
    expect(one.store.getAgent).not.toHaveBeenCalled();

    // An older message without the ids, or ids that are not the batch's: read the batch's own.
    for (const message of [ref, { ...ref, agentId: 'agent_other', phoneNumberId: 'pn_1' }]) {
      const fallback = setup();
      expect(await dialRecipient(fallback.deps, message)).toBe('placed');
      expect(fallback.run.getBatchRun).toHaveBeenCalledWith('ws_1', 'batch_1');
      expect(fallback.store.getAgent).toHaveBeenCalledWith('ws_1', 'agent_1');
      expect(fallback.store.getPhoneNumber).toHaveBeenCalledWith('ws_1', 'pn_1');
    }
  });

  describe('pacing and claim', () => {
    it('claims with the pacing slot in one request when the number is idle', async () => {
      const { deps, run, sleep } = setup();
      expect(await dialRecipient(deps, ref)).toBe('placed');
      expect(run.claimRecipient).toHaveBeenCalledTimes(1);
      expect(run.claimRecipient.mock.calls[0]?.[4]).toEqual(IDLE_PACING);
      expect(run.reservePacingSlot).not.toHaveBeenCalled();
      expect(sleep).not.toHaveBeenCalled();
    });

    it('when the number is busy: takes a slot, waits for it, then claims without pacing', async () => {
      const { deps, run, sleep } = setup({ slot: 1_400 });
      const order: string[] = [];
      run.claimRecipient.mockImplementationOnce(async () => {
        order.push('claim with pacing');
        return 'pacing_busy';
      });
      run.reservePacingSlot.mockImplementationOnce(async () => {
        order.push('pacing slot');
        return 1_400;
      });
      sleep.mockImplementationOnce(async () => {
        order.push('wait');
      });
      run.claimRecipient.mockImplementationOnce(async () => {
        order.push('claim');
        return CLAIMED;
      });
      expect(await dialRecipient(deps, ref)).toBe('placed');
      expect(order).toEqual(['claim with pacing', 'pacing slot', 'wait', 'claim']);
      expect(run.reservePacingSlot).toHaveBeenCalledWith('ws_1', 'pn_1', 1_000, 1_000, 3_000);
      expect(sleep).toHaveBeenCalledWith(400);
      expect(run.claimRecipient.mock.calls[1]?.[4]).toBeUndefined();
    });

    it('claim nothing without a pacing slot: a busy number whose next slot is too far hands the message back', async () => {
      const { deps, run, placeCall, dialQueue } = setup({ claim: 'pacing_busy', slot: null });
      expect(await dialRecipient(deps, ref)).toBe('requeued');
      expect(run.claimRecipient).toHaveBeenCalledTimes(1);
      expect(run.unclaimRecipient).not.toHaveBeenCalled();
      expect(placeCall).not.toHaveBeenCalled();
      expect(dialQueue.send).toHaveBeenCalledWith([ref], { delaySeconds: 3 });
    });

    it('a failure of the claim on another part than pacing is answered as before, no pacing slot taken', async () => {
      const { deps, run } = setup({ claim: 'workspace_full' });
      expect(await dialRecipient(deps, ref)).toBe('deferred');
      expect(run.reservePacingSlot).not.toHaveBeenCalled();
    });
  });
});
