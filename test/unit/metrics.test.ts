import { Metrics } from '@aws-lambda-powertools/metrics';
import { endpointKeyOf, type EndpointHealth } from '#shared/domain/endpoint-breaker.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPowertoolsMetrics } from '#shared/adapters/metrics/powertools-metrics.ts';
import { deliverWebhook } from '#shared/app/run/deliver-webhook.ts';
import { createEndpointCache } from '#shared/app/run/webhook-endpoints.ts';
import { meteredDialerFor, meteredRunStore, meteredWebhookSender } from '#shared/app/run/metered.ts';
import type { Batch } from '#shared/domain/batch.ts';
import type { OutboxRecord } from '#shared/domain/outbox.ts';
import type { Dialer } from '#shared/ports/dialer.ts';
import type { OperationalMetrics } from '#shared/ports/metrics.ts';
import type { RunStore } from '#shared/ports/run-store.ts';
import type { WebhookSender } from '#shared/ports/webhook-sender.ts';
import { batchFixture } from '../helpers/domain-fixtures.ts';

/**
 * The metrics port: the Powertools adapter's output is CloudWatch's embedded metric format (one JSON
 * line per dimension set on stdout), and the run's ports record what they see through it.
 */

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** Every EMF line written to stdout while `run` runs. */
function emfLines(run: () => void): Emf[] {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);
}

const adapter = () =>
  createPowertoolsMetrics(new Metrics({ namespace: 'batch-calls/test', serviceName: 'dial' }));

afterEach(() => vi.unstubAllEnvs());

describe('the Powertools metrics adapter', () => {
  it('writes one EMF line per dimension set, counts summed over the invocation', () => {
    const metrics = adapter();
    metrics.callEnded('answered');
    metrics.callEnded('answered');
    metrics.callEnded('busy');
    metrics.providerError('twilio', 'rate_limited');
    const lines = emfLines(() => metrics.flush());

    expect(lines).toHaveLength(3);
    const answered = lines.find((l) => l.outcome === 'answered');
    expect(answered).toMatchObject({ CallOutcome: 2, service: 'dial' });
    const [directive] = answered?._aws.CloudWatchMetrics ?? [];
    expect(directive?.Namespace).toBe('batch-calls/test');
    expect(directive?.Dimensions).toEqual([['service', 'outcome']]);
    expect(directive?.Metrics).toEqual([{ Name: 'CallOutcome', Unit: 'Count' }]);
    expect(lines.find((l) => l.outcome === 'busy')).toMatchObject({ CallOutcome: 1 });
    const provider = lines.find((l) => 'ProviderError' in l);
    expect(provider).toMatchObject({ ProviderError: 1, provider: 'twilio', kind: 'rate_limited' });
    expect(provider?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'provider', 'kind']]);
  });

  it('writes hand-over latencies as one metric of many values, in milliseconds', () => {
    const metrics = adapter();
    metrics.handOverMs(1200.4);
    metrics.handOverMs(800);
    const lines = emfLines(() => metrics.flush());
    expect(lines).toHaveLength(1);
    expect(lines[0]?.HandOverLatency).toEqual([1200, 800]);
    expect(lines[0]?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([
      { Name: 'HandOverLatency', Unit: 'Milliseconds' },
    ]);
  });

  it('writes nothing twice, and nothing for an invocation that recorded nothing', () => {
    const metrics = adapter();
    metrics.webhookResult('2xx');
    expect(emfLines(() => metrics.flush())).toHaveLength(1);
    expect(emfLines(() => metrics.flush())).toEqual([]);
  });

  it('writes nothing when POWERTOOLS_METRICS_DISABLED is true (local mode)', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const metrics = adapter();
    metrics.callEnded('answered');
    metrics.handOverMs(5);
    expect(emfLines(() => metrics.flush())).toEqual([]);
  });
});

function recorder() {
  const seen: string[] = [];
  const metrics: OperationalMetrics = {
    callEnded: (outcome) => seen.push(`call ${outcome}`),
    handOverMs: (ms) => seen.push(`hand-over ${ms}`),
    providerError: (provider, kind) => seen.push(`provider ${provider} ${kind}`),
    webhookResult: (result) => seen.push(`webhook ${result}`),
    flush: () => undefined,
  };
  return { metrics, seen };
}

describe('the metered ports', () => {
  it('counts a call outcome once: by the write that ended the call, not by a repeated end', async () => {
    const { metrics, seen } = recorder();
    const endCall = vi.fn<RunStore['endCall']>().mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    const store = meteredRunStore({ endCall } as unknown as RunStore, metrics);
    const end = { outcome: 'voicemail' } as Parameters<RunStore['endCall']>[1];
    const ref = {} as Parameters<RunStore['endCall']>[0];
    expect(await store.endCall(ref, end)).toBe(true);
    expect(await store.endCall(ref, end)).toBe(false);
    expect(seen).toEqual(['call voicemail']);
  });

  it('counts the end that also passes the turn on the same way', async () => {
    const { metrics, seen } = recorder();
    const endCallAndPass = vi
      .fn<RunStore['endCallAndPass']>()
      .mockResolvedValueOnce({ ended: true, handedTo: 4 })
      .mockResolvedValueOnce({ ended: false, handedTo: null });
    const store = meteredRunStore({ endCallAndPass } as unknown as RunStore, metrics);
    const end = { outcome: 'answered' } as Parameters<RunStore['endCallAndPass']>[1];
    const ref = {} as Parameters<RunStore['endCallAndPass']>[0];
    const options = {} as Parameters<RunStore['endCallAndPass']>[2];
    expect(await store.endCallAndPass(ref, end, options)).toEqual({ ended: true, handedTo: 4 });
    expect(await store.endCallAndPass(ref, end, options)).toEqual({ ended: false, handedTo: null });
    expect(seen).toEqual(['call answered']);
  });

  it("counts a provider's answers that are not a placed call, by provider and kind", async () => {
    const { metrics, seen } = recorder();
    const answers = [
      { kind: 'placed', providerCallId: 'c1' },
      { kind: 'rate_limited', retryAfterSeconds: 2 },
      { kind: 'unknown', error: '503' },
    ] as const;
    let i = 0;
    const dialer: Dialer = { provider: 'vapi', placeCall: async () => answers[i++] ?? answers[0] };
    const dialerFor = meteredDialerFor((p) => (p === 'vapi' ? dialer : undefined), metrics);
    const input = {} as Parameters<Dialer['placeCall']>[0];
    for (let n = 0; n < 3; n++) await dialerFor('vapi')?.placeCall(input);
    expect(dialerFor('nobody')).toBeUndefined();
    expect(seen).toEqual(['provider vapi rate_limited', 'provider vapi unknown']);
  });

  it('classes each webhook answer: 2xx, 4xx, 5xx, timeout, unreachable', async () => {
    const { metrics, seen } = recorder();
    const results = [
      { statusCode: 204, error: null },
      { statusCode: 410, error: null },
      { statusCode: 502, error: null },
      { statusCode: null, error: 'timed out after 15 s' },
      { statusCode: null, error: 'connection refused' },
    ];
    for (const result of results) {
      const send: WebhookSender = async () => ({ ...result, retryAfterSeconds: null, durationMs: 1 });
      await meteredWebhookSender(send, metrics)({} as Parameters<WebhookSender>[0]);
    }
    expect(seen).toEqual([
      'webhook 2xx',
      'webhook 4xx',
      'webhook 5xx',
      'webhook timeout',
      'webhook unreachable',
    ]);
  });
});

describe('a use case recording its outcome', () => {
  it('deliverWebhook: a receiver answering 503 is counted as a 5xx delivery', async () => {
    const now = new Date('2026-11-29T10:00:00.000Z');
    const record: OutboxRecord = {
      webhookId: 'batch.completed:batch_1',
      workspaceId: 'ws_1',
      batchId: 'batch_1',
      agentId: 'agent_1',
      eventType: 'batch.completed',
      recipientIndex: null,
      occurredAt: now.toISOString(),
      status: 'pending',
      attempts: [],
      nextAttemptAt: now.toISOString(),
      createdAt: now.toISOString(),
    };
    const agent = {
      id: 'agent_1',
      webhookUrl: 'https://hooks.example.com/in',
      webhookSecrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', expiresAt: null }],
    };
    const batch: Batch = batchFixture('ws_1', { id: 'batch_1', agentId: 'agent_1', status: 'completed' });
    const { metrics, seen } = recorder();
    const endpoint: EndpointHealth = {
      urlKey: endpointKeyOf(agent.webhookUrl),
      failures: 0,
      openUntil: null,
      probeUntil: null,
    };
    const deps = {
      runStore: {
        // A proven endpoint (closed breaker): the delivery goes out.
        getDeliveryReads: vi.fn(async () => ({ agent, batch, recipient: null, endpoint })),
        claimDelivery: vi.fn(async () => ({ claimed: true as const, record })),
        recordDeliveryAttempt: vi.fn(async () => true),
        releaseDelivery: vi.fn(async () => undefined),
      },
      store: { getAgent: vi.fn(async () => agent), getBatch: vi.fn(async () => batch) },
      transcripts: { get: vi.fn() },
      webhookQueue: { send: vi.fn(async () => undefined) },
      sendWebhook: meteredWebhookSender(
        async () => ({ statusCode: 503, retryAfterSeconds: null, error: null, durationMs: 3 }),
        metrics,
      ),
      clock: () => now,
      random: () => 0.5,
      logger: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
      webhookAllowLoopback: false,
      endpoints: createEndpointCache(),
    } as unknown as Parameters<typeof deliverWebhook>[0];

    await deliverWebhook(deps, { batchId: 'batch_1', webhookId: record.webhookId });
    expect(seen).toEqual(['webhook 5xx']);
  });
});
