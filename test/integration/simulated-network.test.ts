import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedNetwork, type SimulatedNetwork } from '#infra/local/network/simulated-network.ts';
import { dialerFor, verifierFor } from '#shared/adapters/telephony/registry.ts';
import {
  MalformedCallbackError,
  simulatedCallbackVerifier,
} from '#shared/adapters/telephony/simulated-callbacks.ts';
import { ProviderUnreachableError } from '#shared/adapters/telephony/provider-http.ts';
import { createSimulatedDialer } from '#shared/adapters/telephony/simulated-dialer.ts';
import { signSimulatedCallback } from '#shared/adapters/telephony/simulated-wire.ts';
import { renderTemplate } from '#shared/domain/placeholders.ts';
import type {
  CallEndedEvent,
  Dialer,
  PlaceCallInput,
  ProviderCallbackRequest,
} from '#shared/ports/dialer.ts';
import { readBody as readAll } from '../helpers/http-body.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The simulated telephone network over real HTTP, driven through its Dialer adapter, with its callbacks
 * landing on a local receiver and read by its CallbackVerifier.
 */

const SECRET = 'sim-secret-for-tests';
const CALL_MS = 250;

interface Received extends ProviderCallbackRequest {
  callId: string;
}

/** A local provider-events endpoint: records every callback; `fail=N` in the URL fails its first N tries. */
class Receiver {
  server!: Server;
  url = '';
  received: Received[] = [];
  private tries = new Map<string, number>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readAll(req).then((rawBody) => {
        const url = req.url ?? '';
        const tries = (this.tries.get(url) ?? 0) + 1;
        this.tries.set(url, tries);
        if (tries <= Number(new URL(url, this.url).searchParams.get('fail') ?? 0)) {
          res.writeHead(500).end();
          return;
        }
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const callId = (JSON.parse(rawBody.toString('utf8')) as { call_id: string }).call_id;
        this.received.push({ url: `${this.url}${req.url ?? ''}`, headers, rawBody, callId });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  for(callId: string): Received[] {
    return this.received.filter((r) => r.callId === callId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let seq = 0;
const firstMessageTemplate = 'Hi {{first_name}}, this is Acme calling about your order {{order_id}}.';
const vars = { first_name: 'Alice', order_id: 'A-1234', amount_due: 42, vip: true };

function input(
  to: string,
  overrides: Partial<PlaceCallInput> = {},
  callbackBase = receiver.url,
): PlaceCallInput {
  seq++;
  const rendered = renderTemplate(firstMessageTemplate, vars);
  if (!rendered.ok) throw new Error('test template must render');
  return {
    ref: { workspaceId: 'ws_1', batchId: 'batch_1', recipientIndex: seq, attempt: 1 },
    recipientId: `rcp_${seq}`,
    idempotencyKey: `batch_1:${seq}:1`,
    to,
    from: '+14155550100',
    phoneNumberId: 'pn_1',
    credentials: null,
    agent: {
      id: 'agent_1',
      prompt: 'You are calling Alice about order A-1234.',
      firstMessage: rendered.text,
      evaluationCriteria: [
        { id: 'confirmed_order', description: 'The customer confirmed the order details' },
        { id: 'polite', description: 'The agent stayed polite' },
      ],
      dataCollection: [
        { id: 'preferred_time', type: 'string', description: 'When the customer prefers a callback' },
        { id: 'satisfaction_score', type: 'number', description: 'Satisfaction from 1 to 10' },
        { id: 'wants_newsletter', type: 'boolean', description: 'Whether they want the newsletter' },
      ],
      telephony: {},
    },
    dynamicVars: vars,
    ringingTimeoutMs: 30_000,
    callbackUrl: `${callbackBase}/v1/telephony/simulated/events?ref=${seq}`,
    ...overrides,
  };
}

async function placed(dialer: Dialer, call: PlaceCallInput): Promise<string> {
  const result = await dialer.placeCall(call);
  if (result.kind !== 'placed') throw new Error(`expected placed, got ${JSON.stringify(result)}`);
  return result.providerCallId;
}

async function ended(callId: string): Promise<{ request: Received; event: CallEndedEvent }> {
  const request = await waitFor(() => receiver.for(callId)[0], {
    what: `the callback of ${callId}`,
    timeoutMs: 3_000,
    intervalMs: 10,
  });
  expect(simulatedCallbackVerifier.verify(request, SECRET, new Date())).toBe(true);
  const events = simulatedCallbackVerifier.parse(request);
  expect(events).toHaveLength(1);
  const event = events[0];
  if (event === undefined) throw new Error('no event');
  return { request, event };
}

let receiver: Receiver;
let network: SimulatedNetwork;
let dialer: Dialer;
const extra: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
  network = await startSimulatedNetwork({ callMs: CALL_MS, answerDelayMs: 30, secret: SECRET });
  dialer = createSimulatedDialer({ baseUrl: network.url, timeoutMs: 2_000 });
});

afterEach(async () => {
  await Promise.all(extra.splice(0).map((x) => x.close()));
});

afterAll(async () => {
  await network.close();
  await receiver.stop();
});

describe('outcomes', () => {
  it('ends each call by the last four digits of the number, with a signed callback', async () => {
    const cases = [
      { to: '+14155550001', outcome: 'busy', error: 'The line was busy' },
      { to: '+14155550002', outcome: 'no_answer', error: 'No one answered the call' },
      { to: '+14155550003', outcome: 'failed', error: 'The call could not be connected' },
      { to: '+14155550004', outcome: 'voicemail', error: null },
      { to: '+14155551234', outcome: 'answered', error: null },
    ] as const;
    const calls = await Promise.all(cases.map(async (c) => ({ ...c, input: input(c.to) })));
    const ids = await Promise.all(calls.map((c) => placed(dialer, c.input)));
    for (const [i, c] of calls.entries()) {
      const id = ids[i] ?? '';
      const { request, event } = await ended(id);
      expect(request.url).toContain(`ref=${c.input.ref.recipientIndex}`);
      expect(event).toMatchObject({
        providerCallId: id,
        ref: c.input.ref,
        outcome: c.outcome,
        error: c.error,
      });
      expect(Number.isNaN(Date.parse(event.endedAt))).toBe(false);
      const connected = c.outcome === 'answered' || c.outcome === 'voicemail';
      expect(event.conversation === null).toBe(!connected);
      expect(event.startedAt === null).toBe(!connected);
      if (!connected) expect(event.durationSecs).toBe(0);
    }
  });

  it('talks through the rendered first message, a plausible exchange, evaluations and collected data', async () => {
    const call = input('+14155559876');
    const { event } = await ended(await placed(dialer, call));
    const conversation = event.conversation;
    if (conversation === null) throw new Error('an answered call has a conversation');
    const transcript = conversation.transcript;
    expect(transcript[0]).toEqual({
      role: 'agent',
      message: 'Hi Alice, this is Acme calling about your order A-1234.',
      time_in_call_secs: 0,
    });
    expect(transcript.length).toBeGreaterThanOrEqual(6);
    expect(transcript.some((t) => t.role === 'user' && t.message.includes('Alice'))).toBe(true);
    expect(transcript.some((t) => t.role === 'agent' && t.message.includes('amount due 42'))).toBe(true);
    expect(transcript.every((t) => !/\{\{/.test(t.message))).toBe(true);
    for (let i = 1; i < transcript.length; i++) {
      expect(transcript[i]?.role).not.toBe(transcript[i - 1]?.role);
      expect(transcript[i]?.time_in_call_secs).toBeGreaterThan(
        transcript[i - 1]?.time_in_call_secs ?? Infinity,
      );
    }
    expect(conversation.evaluations).toEqual([
      { id: 'confirmed_order', result: 'success', rationale: expect.stringContaining('confirmed the order') },
      { id: 'polite', result: 'success', rationale: expect.stringContaining('polite') },
    ]);
    const data = conversation.dataCollection;
    expect(Object.keys(data).sort()).toEqual(['preferred_time', 'satisfaction_score', 'wants_newsletter']);
    expect(typeof data.preferred_time?.value).toBe('string');
    expect(typeof data.satisfaction_score?.value).toBe('number');
    expect(typeof data.wants_newsletter?.value).toBe('boolean');
    for (const item of Object.values(data)) expect(item.rationale.length).toBeGreaterThan(10);
    expect(conversation.recordingUrl).toBeNull();
    expect(event.startedAt !== null && Date.parse(event.startedAt) <= Date.parse(event.endedAt)).toBe(true);
  });

  it('leaves a short agent-only message on voicemail, with nothing evaluated or collected', async () => {
    const { event } = await ended(await placed(dialer, input('+14155550004')));
    const conversation = event.conversation;
    if (conversation === null) throw new Error('a voicemail has a conversation');
    expect(conversation.transcript[0]?.message).toBe(
      'Hi Alice, this is Acme calling about your order A-1234.',
    );
    expect(conversation.transcript.every((t) => t.role === 'agent')).toBe(true);
    expect(conversation.evaluations.map((e) => e.result)).toEqual(['unknown', 'unknown']);
    expect(Object.values(conversation.dataCollection).map((d) => d.value)).toEqual([null, null, null]);
  });

  it('greets without a first message when the agent has none', async () => {
    const call = input('+14155559877');
    call.agent.firstMessage = null;
    const { event } = await ended(await placed(dialer, call));
    expect(event.conversation?.transcript[0]?.message).toBe(
      'Hello Alice, this is a quick call from your service team.',
    );
  });
});

describe('idempotent placement', () => {
  it('places one call per idempotency key, however many times it is requested', async () => {
    const before = network.stats();
    const call = input('+14155558888');
    const results = await Promise.all([
      dialer.placeCall(call),
      dialer.placeCall(call),
      dialer.placeCall(call),
    ]);
    const again = await dialer.placeCall(call);
    const ids = new Set([...results, again].map((r) => (r.kind === 'placed' ? r.providerCallId : r.kind)));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    const after = network.stats();
    expect(after.placements - before.placements).toBe(1);
    expect(after.duplicateRequests - before.duplicateRequests).toBe(3);
    const recorded = network.calls().filter((c) => c.idempotencyKey === call.idempotencyKey);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.requests).toBe(4);
    await ended(id ?? '');
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.for(id ?? '')).toHaveLength(1);
  });

  it('refuses a known key reused for a different call', async () => {
    const call = input('+14155558889');
    await placed(dialer, call);
    const other = await dialer.placeCall({ ...call, to: '+14155558890' });
    expect(other).toEqual({
      kind: 'rejected',
      error: 'idempotency_key was already used for a different call',
    });
  });
});

describe('signatures', () => {
  it('refuses forged, tampered, wrongly keyed and stale callbacks', async () => {
    const { request } = await ended(await placed(dialer, input('+14155557777')));
    const v = simulatedCallbackVerifier;
    const now = new Date();
    const header = request.headers['x-simulated-signature'] ?? '';
    const t = Number(/t=(\d+)/.exec(header)?.[1]);
    expect(v.verify(request, SECRET, now)).toBe(true);
    expect(v.verify(request, 'another-secret', now)).toBe(false);
    const tampered = Buffer.from(request.rawBody.toString('utf8').replace('"answered"', '"busy"  '));
    expect(tampered.equals(request.rawBody)).toBe(false);
    expect(v.verify({ ...request, rawBody: tampered }, SECRET, now)).toBe(false);
    const forged = { ...request.headers, 'x-simulated-signature': `t=${t},v1=${'ab'.repeat(32)}` };
    expect(v.verify({ ...request, headers: forged }, SECRET, now)).toBe(false);
    expect(v.verify({ ...request, headers: { 'content-type': 'application/json' } }, SECRET, now)).toBe(
      false,
    );
    // A captured callback replayed later (or one claiming to come from the future) is refused.
    expect(v.verify(request, SECRET, new Date((t + 4 * 60) * 1000))).toBe(true);
    expect(v.verify(request, SECRET, new Date((t + 6 * 60) * 1000))).toBe(false);
    expect(v.verify(request, SECRET, new Date((t - 6 * 60) * 1000))).toBe(false);
    // Re-signing a tampered body with a fresh timestamp needs the secret.
    const resigned = signSimulatedCallback('guess', tampered, now);
    expect(
      v.verify(
        { ...request, rawBody: tampered, headers: { 'x-simulated-signature': resigned } },
        SECRET,
        now,
      ),
    ).toBe(false);
  });

  it('parses progress events to nothing and refuses a malformed body with a clear error', () => {
    const req = (body: string): ProviderCallbackRequest => ({
      url: 'http://x',
      headers: {},
      rawBody: Buffer.from(body),
    });
    expect(simulatedCallbackVerifier.parse(req('{"type":"call.ringing","call_id":"sim_1"}'))).toEqual([]);
    expect(() => simulatedCallbackVerifier.parse(req('not json'))).toThrow(MalformedCallbackError);
    expect(() => simulatedCallbackVerifier.parse(req('{"type":"call.ended","call_id":"sim_1"}'))).toThrow(
      /outcome/,
    );
  });
});

describe('reconciliation', () => {
  it('getCall gives null while the call is live and the callback event once it has ended', async () => {
    const id = await placed(dialer, input('+14155556666'));
    expect(await dialer.getCall?.(id, null)).toBeNull();
    await waitFor(() => network.calls().find((c) => c.callId === id)?.status === 'in_progress', {
      what: 'the call to be in progress',
      timeoutMs: 3_000,
      intervalMs: 10,
    });
    expect(await dialer.getCall?.(id, null)).toBeNull();
    const { event } = await ended(id);
    expect(await dialer.getCall?.(id, null)).toEqual(event);
    await expect(dialer.getCall?.('sim_nope', null)).rejects.toThrow(/404/);
  });
});

describe('callbacks', () => {
  it('retries a callback the receiver refused', async () => {
    const net = await startSimulatedNetwork({ callMs: 20, secret: SECRET, callbackRetryDelaysMs: [20, 20] });
    extra.push(net);
    const call = input('+14155555555');
    const id = await placed(createSimulatedDialer({ baseUrl: net.url }), {
      ...call,
      callbackUrl: `${call.callbackUrl}&fail=2`,
    });
    await ended(id);
    const recorded = await waitFor(
      () => net.calls().find((c) => c.callId === id && c.callbacksDelivered === 1),
      {
        what: 'the delivery to be recorded',
        timeoutMs: 3_000,
        intervalMs: 10,
      },
    );
    expect(recorded.callbackAttempts).toBe(3);
    expect(recorded.lastCallbackStatus).toBe(204);
  });

  it('sends each callback twice when asked to (fault hook), and records live calls', async () => {
    const net = await startSimulatedNetwork({
      callMs: 300,
      secret: SECRET,
      duplicateCallbacks: true,
      callbackDelayJitterMs: 30,
    });
    extra.push(net);
    const d = createSimulatedDialer({ baseUrl: net.url });
    const ids = await Promise.all([1, 2, 3].map((n) => placed(d, input(`+1415555444${n}`))));
    expect(net.stats()).toMatchObject({ placements: 3, live: 3, maxLive: 3 });
    for (const id of ids)
      await waitFor(() => receiver.for(id).length === 2, {
        what: 'two callbacks',
        timeoutMs: 3_000,
        intervalMs: 10,
      });
    expect(
      receiver
        .for(ids[0] ?? '')[0]
        ?.rawBody.equals(receiver.for(ids[0] ?? '')[1]?.rawBody ?? Buffer.alloc(0)),
    ).toBe(true);
    expect(net.stats()).toMatchObject({ live: 0, maxLive: 3 });
  });
});

describe('the dialer against provider failures', () => {
  it('gives rejected with the provider error for a bad request', async () => {
    const result = await dialer.placeCall(input('555-1234'));
    expect(result).toEqual({ kind: 'rejected', error: 'to: must be an E.164 phone number' });
  });

  /** A fake provider answering each POST as told. */
  async function fakeProvider(answer: (res: import('node:http').ServerResponse) => void) {
    const server = createServer((req, res) => void readAll(req).then(() => answer(res)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const close = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    extra.push({ close });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('gives rate_limited with Retry-After on 429', async () => {
    const url = await fakeProvider((res) => res.writeHead(429, { 'retry-after': '7' }).end());
    expect(await createSimulatedDialer({ baseUrl: url }).placeCall(input('+14155553333'))).toEqual({
      kind: 'rate_limited',
      retryAfterSeconds: 7,
    });
  });

  it('gives unknown on 5xx, a timeout or a reset after sending: the call may exist', async () => {
    const s503 = await fakeProvider((res) =>
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"overloaded"}'),
    );
    expect(await createSimulatedDialer({ baseUrl: s503 }).placeCall(input('+14155553334'))).toEqual({
      kind: 'unknown',
      error: 'The provider answered 503: overloaded',
    });
    const hang = await fakeProvider(() => undefined);
    expect(
      await createSimulatedDialer({ baseUrl: hang, timeoutMs: 100 }).placeCall(input('+14155553335')),
    ).toEqual({
      kind: 'unknown',
      error: 'The provider did not answer within 100 ms',
    });
    const reset = await fakeProvider((res) => res.socket?.destroy());
    const result = await createSimulatedDialer({ baseUrl: reset }).placeCall(input('+14155553336'));
    expect(result.kind).toBe('unknown');
  });

  it('throws ProviderUnreachableError when nothing could be sent', async () => {
    const net = await startSimulatedNetwork({ callMs: 10, secret: SECRET });
    const url = net.url;
    await net.close();
    await expect(createSimulatedDialer({ baseUrl: url }).placeCall(input('+14155553337'))).rejects.toThrow(
      ProviderUnreachableError,
    );
  });
});

describe('the network API', () => {
  it('answers 400 with a JSON error for bad input and lists its calls', async () => {
    const bad = await fetch(`${network.url}/v1/calls`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'the request body must be JSON' });
    const missing = await fetch(`${network.url}/v1/calls`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toMatch(/^idempotency_key: /);
    const list = (await (await fetch(`${network.url}/v1/calls`)).json()) as {
      calls: Array<{ call_id: string }>;
    };
    expect(list.calls.length).toBe(network.calls().length);
    expect((await fetch(`${network.url}/v1/other`)).status).toBe(404);
  });
});

describe('registry', () => {
  it('serves every provider of the contract, and nothing else', () => {
    expect(dialerFor('simulated', { SIMULATED_PROVIDER_URL: network.url })?.provider).toBe('simulated');
    expect(() => dialerFor('simulated', {})).toThrow(/SIMULATED_PROVIDER_URL/);
    for (const provider of ['twilio', 'retell', 'elevenlabs', 'vapi']) {
      expect(dialerFor(provider, {})?.provider).toBe(provider);
      expect(verifierFor(provider)?.provider).toBe(provider);
    }
    expect(verifierFor('simulated')).toBe(simulatedCallbackVerifier);
    expect(dialerFor('nope', {})).toBeUndefined();
    expect(verifierFor('toString')).toBeUndefined();
  });
});
