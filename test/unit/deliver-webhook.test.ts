import { describe, expect, it, vi } from 'vitest';
import { deliverWebhook } from '#shared/app/run/deliver-webhook.ts';
import type { Batch } from '#shared/domain/batch.ts';
import { endpointKeyOf, type EndpointHealth } from '#shared/domain/endpoint-breaker.ts';
import type { OutboxRecord } from '#shared/domain/outbox.ts';
import { createEndpointCache, ENDPOINT_CACHE_MS } from '#shared/app/run/webhook-endpoints.ts';
import { batchFixture } from '../helpers/domain-fixtures.ts';

/** One delivery attempt, with its ports faked: when does a worker send, defer or stop? */

const NOW = new Date('2026-11-29T10:00:00.000Z');
const message = { batchId: 'batch_1', webhookId: 'batch.completed:batch_1' };

const record: OutboxRecord = {
  webhookId: message.webhookId,
  workspaceId: 'ws_1',
  batchId: 'batch_1',
  agentId: 'agent_1',
  eventType: 'batch.completed',
  recipientIndex: null,
  occurredAt: NOW.toISOString(),
  status: 'pending',
  attempts: [],
  nextAttemptAt: NOW.toISOString(),
  createdAt: NOW.toISOString(),
};

function setup(
  options: {
    record?: Partial<OutboxRecord>;
    claim?: { claimed: false; heldUntil: string | null };
    statusCode?: number | null;
    durationMs?: number;
    sendFails?: boolean;
    /** The endpoint's breaker; a healthy (closed) one unless given. */
    endpoint?: Partial<EndpointHealth> | null;
    probeTaken?: boolean;
  } = {},
) {
  const agent = {
    id: 'agent_1',
    webhookUrl: 'https://hooks.example.com/in',
    webhookSecrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', expiresAt: null }],
  };
  // A whole batch: the payload is the batch object, round-two fields included.
  const batch: Batch = batchFixture('ws_1', {
    id: 'batch_1',
    agentId: 'agent_1',
    name: 'b',
    status: 'completed',
    counts: { pending: 0, dialing: 0, completed: 1, failed: 0, skipped: 0 },
    totalRecipients: 1,
  });
  const endpoint: EndpointHealth | null =
    options.endpoint === null
      ? null
      : {
          urlKey: endpointKeyOf(agent.webhookUrl),
          failures: 0,
          openUntil: null,
          probeUntil: null,
          ...options.endpoint,
        };
  // What the test moves on: the clock, and the breaker as the store has it.
  const state = { now: NOW, endpoint };
  const run = {
    takeEndpointProbe: vi.fn(async () => options.probeTaken ?? true),
    countEndpointFailure: vi.fn(async () => (endpoint?.failures ?? 0) + 1),
    setEndpointState: vi.fn(async () => undefined),
    holdDelivery: vi.fn(async () => true),
    getDeliveryReads: vi.fn(async () => ({ agent, batch, recipient: null, endpoint: state.endpoint })),
    claimDelivery: vi.fn(
      async () => options.claim ?? { claimed: true as const, record: { ...record, ...options.record } },
    ),
    recordDeliveryAttempt: vi.fn(async () => true),
    releaseDelivery: vi.fn(async () => undefined),
  };
  const webhookQueue = { send: vi.fn(async () => undefined) };
  const sendWebhook = vi.fn(async () => {
    if (options.sendFails) throw new Error('socket hang up');
    const statusCode = options.statusCode === undefined ? 204 : options.statusCode;
    return {
      statusCode,
      retryAfterSeconds: null,
      error: statusCode === null ? 'timed out after 15 s' : null,
      durationMs: options.durationMs ?? 5,
    };
  });
  const deps = {
    runStore: run,
    store: { getAgent: vi.fn(async () => agent), getBatch: vi.fn(async () => batch) },
    transcripts: { get: vi.fn() },
    webhookQueue,
    sendWebhook,
    clock: () => state.now,
    random: () => 0.5,
    logger: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
    webhookAllowLoopback: false,
    endpoints: createEndpointCache(),
  } as unknown as Parameters<typeof deliverWebhook>[0];
  return { deps, run, state, webhookQueue, sendWebhook, agent, transcripts: deps.transcripts };
}

describe('delivering a webhook', () => {
  it('claims the attempt, sends it once and records it', async () => {
    const { deps, run, sendWebhook } = setup();
    expect(await deliverWebhook(deps, message)).toBe('delivered');
    // Claimed only when due: a second of the clocks' difference allowed, no more.
    expect(run.claimDelivery).toHaveBeenCalledWith(message, {
      now: NOW.toISOString(),
      until: '2026-11-29T10:01:00.000Z',
      dueBy: '2026-11-29T10:00:01.000Z',
    });
    expect(sendWebhook).toHaveBeenCalledOnce();
    expect(run.recordDeliveryAttempt).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ statusCode: 204 }),
      { status: 'delivered', nextAttemptAt: null },
    );
  });

  it('sends nothing while another worker holds the attempt, and comes back after its claim', async () => {
    const heldUntil = new Date(NOW.getTime() + 30_000).toISOString();
    const { deps, webhookQueue, sendWebhook } = setup({ claim: { claimed: false, heldUntil } });
    expect(await deliverWebhook(deps, message)).toBe('deferred');
    expect(sendWebhook).not.toHaveBeenCalled();
    expect(webhookQueue.send).toHaveBeenCalledWith([message], { delaySeconds: 31 });
  });

  it('gives the claim back when the attempt fails without a crash, so the redelivery can make it', async () => {
    const { deps, run } = setup({ sendFails: true });
    await expect(deliverWebhook(deps, message)).rejects.toThrow('socket hang up');
    expect(run.releaseDelivery).toHaveBeenCalledWith(
      expect.objectContaining({ webhookId: message.webhookId }),
      '2026-11-29T10:01:00.000Z',
    );
    expect(run.recordDeliveryAttempt).not.toHaveBeenCalled();
  });

  it('stops when another worker already logged the attempt', async () => {
    const { deps, webhookQueue, sendWebhook } = setup({ claim: { claimed: false, heldUntil: null } });
    expect(await deliverWebhook(deps, message)).toBe('skipped');
    expect(sendWebhook).not.toHaveBeenCalled();
    expect(webhookQueue.send).not.toHaveBeenCalled();
  });

  it('plans a failed attempt again on a delayed message, keeping it due for the sweeper', async () => {
    const { deps, run, webhookQueue } = setup({ statusCode: 500 });
    expect(await deliverWebhook(deps, message)).toBe('retrying');
    const next = (run.recordDeliveryAttempt.mock.calls[0] as unknown[])[2] as { nextAttemptAt: string };
    expect(next).toMatchObject({ status: 'retrying' });
    expect(Date.parse(next.nextAttemptAt)).toBeLessThanOrEqual(NOW.getTime() + 1_000);
    expect(webhookQueue.send).toHaveBeenCalledWith([message], { delaySeconds: expect.any(Number) });
  });

  it('reads an old record’s batch with the agent and breaker in one round trip (no snapshot)', async () => {
    const { deps, run, sendWebhook } = setup();
    expect(await deliverWebhook(deps, message)).toBe('delivered');
    expect(run.claimDelivery).toHaveBeenCalledOnce();
    expect(run.getDeliveryReads).toHaveBeenCalledWith(expect.objectContaining({ agentId: 'agent_1' }), {
      payload: true,
    });
    const sent = (sendWebhook.mock.calls[0] as unknown as [{ body: string }])[0];
    expect(JSON.parse(sent.body)).toMatchObject({
      type: 'batch.completed',
      data: {
        id: 'batch_1',
        status: 'completed',
        counts: { pending: 0, dialing: 0, completed: 1, failed: 0, skipped: 0 },
        pause_reason: null,
        retry: { max_attempts: 1, rules: {} },
        calling_window: null,
      },
    });
  });

  describe('with a snapshot in the record and the endpoint seen lately', () => {
    const snapshot = {
      data: { phone: '+15550100000', dynamic_vars: { name: 'Ada' }, status: 'completed' },
      conversationAttempt: 2,
    };
    const completed: Partial<OutboxRecord> = {
      webhookId: 'conversation.completed:rcp_1',
      eventType: 'conversation.completed',
      recipientIndex: 0,
      snapshot,
    };

    it('sends the payload of the snapshot, the transcript read from its key', async () => {
      const { deps, run, sendWebhook, transcripts } = setup({ record: completed });
      vi.mocked(transcripts.get).mockResolvedValue({
        transcript: [{ role: 'agent', message: 'Hello', time_in_call_secs: 0 }],
        evaluations: [],
        dataCollection: {},
        recordingUrl: null,
      } as never);
      expect(await deliverWebhook(deps, message)).toBe('delivered');
      // The batch and recipient are not read: the agent and breaker only (the cache is empty).
      expect(run.getDeliveryReads).toHaveBeenCalledWith(expect.anything(), { payload: false });
      // The key the call's end stored its second attempt's conversation under.
      expect(transcripts.get).toHaveBeenCalledWith('transcripts/ws_1/batch_1/rcp_1.2.json');
      const sent = (sendWebhook.mock.calls[0] as unknown as [{ body: string }])[0];
      expect(JSON.parse(sent.body)).toEqual({
        type: 'conversation.completed',
        timestamp: NOW.toISOString(),
        data: {
          ...snapshot.data,
          // What the snapshot leaves out, from the record.
          agent_id: 'agent_1',
          batch_id: 'batch_1',
          recipient_id: 'rcp_1',
          transcript: [{ role: 'agent', message: 'Hello', time_in_call_secs: 0 }],
          evaluations: [],
          data_collection: {},
          recording_url: null,
        },
      });
    });

    it('reads the agent and breaker once per bound: the claim and the attempt record are the rest', async () => {
      const { deps, run, state, sendWebhook, agent } = setup({
        record: { ...completed, eventType: 'call.failed' },
      });
      expect(await deliverWebhook(deps, message)).toBe('delivered');
      state.now = new Date(NOW.getTime() + ENDPOINT_CACHE_MS - 1);
      expect(await deliverWebhook(deps, message)).toBe('delivered');
      expect(run.getDeliveryReads).toHaveBeenCalledOnce();
      expect(run.claimDelivery).toHaveBeenCalledTimes(2);
      expect(run.recordDeliveryAttempt).toHaveBeenCalledTimes(2);
      // A breaker another container opened meanwhile is seen once the bound has passed.
      const urlKey = endpointKeyOf(agent.webhookUrl);
      state.endpoint = { urlKey, failures: 3, openUntil: NOW.getTime() + 60_000, probeUntil: null };
      state.now = new Date(NOW.getTime() + ENDPOINT_CACHE_MS);
      expect(await deliverWebhook(deps, message)).toBe('deferred');
      expect(run.getDeliveryReads).toHaveBeenCalledTimes(2);
      expect(sendWebhook).toHaveBeenCalledTimes(2);
    });

    it('sees a breaker this container opened at once', async () => {
      const { deps, run, state, sendWebhook, agent } = setup({
        record: completed,
        statusCode: null,
        durationMs: 15_000,
      });
      expect(await deliverWebhook(deps, message)).toBe('retrying');
      // The store now has it open (what setEndpointState wrote).
      const urlKey = endpointKeyOf(agent.webhookUrl);
      state.endpoint = { urlKey, failures: 1, openUntil: NOW.getTime() + 30_000, probeUntil: null };
      expect(await deliverWebhook(deps, message)).toBe('deferred');
      expect(run.getDeliveryReads).toHaveBeenCalledTimes(2);
      expect(sendWebhook).toHaveBeenCalledOnce();
    });
  });

  describe("the endpoint's circuit breaker", () => {
    const OPEN_UNTIL = NOW.getTime() + 60_000;

    it('holds a delivery to an open endpoint back: no request, no attempt spent, the claim given back', async () => {
      const { deps, run, sendWebhook, webhookQueue } = setup({
        endpoint: { openUntil: OPEN_UNTIL, failures: 4 },
      });
      expect(await deliverWebhook(deps, message)).toBe('deferred');
      expect(sendWebhook).not.toHaveBeenCalled();
      expect(run.recordDeliveryAttempt).not.toHaveBeenCalled();
      const [, held, claim] = run.holdDelivery.mock.calls[0] as unknown as [unknown, string, string];
      expect(claim).toBe('2026-11-29T10:01:00.000Z');
      const heldTo = Date.parse(held);
      expect(heldTo).toBeGreaterThanOrEqual(OPEN_UNTIL);
      expect(heldTo).toBeLessThanOrEqual(NOW.getTime() + 90_000);
      expect(webhookQueue.send).toHaveBeenCalledWith([message], {
        delaySeconds: Math.ceil((heldTo - NOW.getTime()) / 1000),
      });
    });

    it('leaves a hold longer than SQS can delay to the sweeper (the record stays due)', async () => {
      const { deps, run, webhookQueue } = setup({ endpoint: { openUntil: NOW.getTime() + 20 * 60_000 } });
      expect(await deliverWebhook(deps, message)).toBe('deferred');
      expect(run.holdDelivery).toHaveBeenCalledOnce();
      expect(webhookQueue.send).not.toHaveBeenCalled();
    });

    it('sends to a new endpoint only with its probe, and closes it on a fast answer', async () => {
      const { deps, run, sendWebhook } = setup({ endpoint: null });
      expect(await deliverWebhook(deps, message)).toBe('delivered');
      expect(run.takeEndpointProbe).toHaveBeenCalledWith(
        { workspaceId: 'ws_1', agentId: 'agent_1' },
        expect.any(String),
        { fresh: true, nowMs: NOW.getTime(), untilMs: expect.any(Number) },
      );
      expect(sendWebhook).toHaveBeenCalledOnce();
      expect(run.setEndpointState).toHaveBeenCalledWith(
        { workspaceId: 'ws_1', agentId: 'agent_1' },
        expect.any(String),
        {
          openUntil: null,
          resetFailures: true,
          endsProbe: true,
        },
      );
    });

    it('holds a delivery a moment when another one holds the probe', async () => {
      const { deps, run, sendWebhook } = setup({
        endpoint: { openUntil: NOW.getTime() - 1 },
        probeTaken: false,
      });
      expect(await deliverWebhook(deps, message)).toBe('deferred');
      expect(sendWebhook).not.toHaveBeenCalled();
      const heldTo = Date.parse((run.holdDelivery.mock.calls[0] as unknown as [unknown, string])[1]);
      expect(heldTo - NOW.getTime()).toBeGreaterThanOrEqual(2_000);
      expect(heldTo - NOW.getTime()).toBeLessThanOrEqual(3_000);
    });

    it('opens a healthy endpoint at once when an attempt times out, and still plans the retry', async () => {
      const { deps, run } = setup({ statusCode: null, durationMs: 15_000 });
      expect(await deliverWebhook(deps, message)).toBe('retrying');
      expect(run.countEndpointFailure).toHaveBeenCalledOnce();
      expect(run.setEndpointState).toHaveBeenCalledWith(expect.anything(), expect.any(String), {
        openUntil: NOW.getTime() + 30_000,
        resetFailures: false,
        endsProbe: false,
      });
      expect(run.recordDeliveryAttempt).toHaveBeenCalledWith(
        expect.anything(),
        expect.objectContaining({ statusCode: null }),
        expect.objectContaining({ status: 'retrying' }),
      );
    });

    it('writes nothing for a healthy endpoint that answers fast, whatever it answers', async () => {
      const failing = setup({ statusCode: 500 });
      expect(await deliverWebhook(failing.deps, message)).toBe('retrying');
      expect(failing.run.countEndpointFailure).not.toHaveBeenCalled();
      expect(failing.run.setEndpointState).not.toHaveBeenCalled();
      const { deps, run } = setup();
      expect(await deliverWebhook(deps, message)).toBe('delivered');
      expect(run.takeEndpointProbe).not.toHaveBeenCalled();
      expect(run.countEndpointFailure).not.toHaveBeenCalled();
      expect(run.setEndpointState).not.toHaveBeenCalled();
    });

    it('gives an event up once the breaker has held it for longer than the retry schedule', async () => {
      const created = new Date(NOW.getTime() - 4 * 24 * 3_600_000).toISOString();
      const { deps, run, sendWebhook } = setup({
        record: { createdAt: created, status: 'retrying', attempts: [] },
        endpoint: { openUntil: OPEN_UNTIL },
      });
      expect(await deliverWebhook(deps, message)).toBe('failed');
      expect(sendWebhook).not.toHaveBeenCalled();
      expect(run.recordDeliveryAttempt).toHaveBeenCalledWith(
        expect.anything(),
        expect.objectContaining({ statusCode: null, error: expect.stringContaining('not sent') }),
        { status: 'failed', nextAttemptAt: null },
      );
    });
  });
});
