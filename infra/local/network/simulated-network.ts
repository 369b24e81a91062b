import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  placeCallRequestSchema,
  SIMULATED_SIGNATURE_HEADER,
  signSimulatedCallback,
  type CallEndedPayload,
  type CallState,
  type PlaceCallRequest,
  type SimulatedCallStatus,
} from '#shared/adapters/telephony/simulated-wire.ts';
import type { CallOutcome } from '#shared/domain/recipient.ts';
import { closeServer, errorMessage, listen, readBody, sendJson } from '../http-helpers.ts';
import {
  answeredConversation,
  simulatedOptOut,
  SIMULATED_ERRORS,
  simulatedOutcomeFor,
  voicemailConversation,
} from './simulated-conversation.ts';

/**
 * The simulated telephone network: local mode's provider. It behaves like a voice provider's REST API
 * (`POST /v1/calls` with an idempotency key, `GET /v1/calls/{id}`), lets each call ring and talk for
 * `callMs`, then POSTs one signed `call.ended` callback to the call's `callback_url` over real HTTP,
 * retrying a few times as real providers do. The outcome follows the called number's last four
 * digits (contract, "Local mode"). It records what it saw so tests can check placements, duplicates
 * and how many calls were live at once.
 */

export interface SimulatedNetworkOptions {
  /** 0 or absent: a free port. */
  port?: number;
  host?: string;
  /** How long a call lasts from placement to its end (SIM_CALL_MS). */
  callMs: number;
  /** Signs every callback (SIMULATED_PROVIDER_SECRET). */
  secret: string;
  /** Sends the callbacks (tests may inject one). */
  fetchImpl?: typeof fetch;
  /** Ringing time before a connecting call is answered; a quarter of callMs, at most 1 s, unless given. */
  answerDelayMs?: number;
  /** Fault: send every callback twice (a duplicate delivery). */
  duplicateCallbacks?: boolean;
  /** Fault: delay each callback by a random 0…n ms after the call ends. */
  callbackDelayJitterMs?: number;
  /** Waits between the 3 tries of a callback; [500, 2000] ms unless given. */
  callbackRetryDelaysMs?: number[];
  /** How long one callback try may take; 10 s unless given. */
  callbackTimeoutMs?: number;
  random?: () => number;
  /** Told when a callback could not be delivered (never with phone numbers). */
  log?: (line: string) => void;
}

export interface SimulatedCall {
  callId: string;
  idempotencyKey: string;
  to: string;
  from: string;
  callbackUrl: string;
  agentId: string;
  request: PlaceCallRequest;
  status: SimulatedCallStatus;
  outcome: Exclude<CallOutcome, 'canceled'>;
  placedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  /** POST /v1/calls requests carrying this call's idempotency key (1 = no duplicate). */
  requests: number;
  callbackAttempts: number;
  callbacksDelivered: number;
  lastCallbackStatus: number | null;
  lastCallbackError: string | null;
  /** The callback payload once the call has ended. */
  result: CallEndedPayload | null;
}

export interface SimulatedNetworkStats {
  /** Calls placed (one per distinct idempotency key). */
  placements: number;
  /** Requests that repeated a known idempotency key and placed nothing. */
  duplicateRequests: number;
  /** Calls placed and not yet ended. */
  live: number;
  /** The most calls live at any one moment since start. */
  maxLive: number;
}

export interface SimulatedNetwork {
  url: string;
  close(): Promise<void>;
  /** Snapshots of every call, oldest first. */
  calls(): SimulatedCall[];
  stats(): SimulatedNetworkStats;
}

const MAX_BODY_BYTES = 1024 * 1024;
const CALLBACK_TRIES = 3;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function stateOf(call: SimulatedCall): CallState & { idempotency_key: string; requests: number } {
  return {
    call_id: call.callId,
    status: call.status,
    result: call.result,
    idempotency_key: call.idempotencyKey,
    requests: call.requests,
  };
}

function snapshot(call: SimulatedCall): SimulatedCall {
  return structuredClone(call);
}

export async function startSimulatedNetwork(options: SimulatedNetworkOptions): Promise<SimulatedNetwork> {
  if (!Number.isFinite(options.callMs) || options.callMs < 0) throw new Error('callMs must be a number ≥ 0');
  if (options.secret === '') throw new Error('the simulated network needs a secret to sign its callbacks');
  const fetchImpl = options.fetchImpl ?? fetch;
  const random = options.random ?? Math.random;
  const answerDelayMs = Math.min(
    options.callMs,
    options.answerDelayMs ?? Math.min(1_000, options.callMs / 4),
  );
  const retryDelays = options.callbackRetryDelaysMs ?? [500, 2_000];
  const callbackTimeoutMs = options.callbackTimeoutMs ?? 10_000;

  const byId = new Map<string, SimulatedCall>();
  const byKey = new Map<string, SimulatedCall>();
  const timers = new Set<NodeJS.Timeout>();
  const shutdown = new AbortController();
  const stats: SimulatedNetworkStats = { placements: 0, duplicateRequests: 0, live: 0, maxLive: 0 };

  const later = (ms: number, fn: () => void) => {
    // Nothing new is scheduled once closed, so no timer keeps the process alive after close().
    if (shutdown.signal.aborted) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => later(ms, resolve));

  async function postCallback(call: SimulatedCall, payload: CallEndedPayload): Promise<void> {
    const body = JSON.stringify(payload);
    for (let attempt = 1; attempt <= CALLBACK_TRIES && !shutdown.signal.aborted; attempt++) {
      call.callbackAttempts++;
      try {
        const response = await fetchImpl(call.callbackUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            // Signed per try, as providers do: a retry carries a fresh timestamp.
            [SIMULATED_SIGNATURE_HEADER]: signSimulatedCallback(options.secret, body, new Date()),
          },
          body,
          signal: AbortSignal.any([shutdown.signal, AbortSignal.timeout(callbackTimeoutMs)]),
        });
        await response.body?.cancel();
        call.lastCallbackStatus = response.status;
        call.lastCallbackError = null;
        if (response.ok) {
          call.callbacksDelivered++;
          return;
        }
      } catch (error) {
        call.lastCallbackStatus = null;
        call.lastCallbackError = errorMessage(error);
      }
      const wait = retryDelays[attempt - 1];
      if (attempt < CALLBACK_TRIES && wait !== undefined) await sleep(wait);
    }
    if (!shutdown.signal.aborted) {
      options.log?.(
        `simulated network: callback for call ${call.callId} not delivered after ${CALLBACK_TRIES} tries (${call.lastCallbackStatus ?? call.lastCallbackError ?? 'no answer'})`,
      );
    }
  }

  function endCall(call: SimulatedCall): void {
    const ended = new Date();
    const connected = call.outcome === 'answered' || call.outcome === 'voicemail';
    const startedAt = connected ? call.answeredAt : null;
    const talkSecs = startedAt === null ? 0 : (ended.getTime() - Date.parse(startedAt)) / 1000;
    let conversation: CallEndedPayload['conversation'] = null;
    if (call.outcome === 'answered')
      conversation = answeredConversation(
        call.request.agent,
        call.request.dynamic_vars,
        talkSecs,
        simulatedOptOut(call.to),
      );
    if (call.outcome === 'voicemail')
      conversation = voicemailConversation(call.request.agent, call.request.dynamic_vars, talkSecs);
    const payload: CallEndedPayload = {
      type: 'call.ended',
      call_id: call.callId,
      ref: call.request.ref,
      outcome: call.outcome,
      started_at: startedAt,
      ended_at: ended.toISOString(),
      duration_secs: Math.round(talkSecs),
      error: connected ? null : SIMULATED_ERRORS[call.outcome as keyof typeof SIMULATED_ERRORS],
      conversation,
    };
    call.status = 'ended';
    call.endedAt = payload.ended_at;
    call.result = payload;
    stats.live--;

    const jitter = options.callbackDelayJitterMs ? Math.floor(random() * options.callbackDelayJitterMs) : 0;
    later(jitter, () => {
      void (async () => {
        await postCallback(call, payload);
        if (options.duplicateCallbacks) await postCallback(call, payload);
      })();
    });
  }

  function place(request: PlaceCallRequest): SimulatedCall {
    const call: SimulatedCall = {
      callId: `sim_${randomUUID()}`,
      idempotencyKey: request.idempotency_key,
      to: request.to,
      from: request.from,
      callbackUrl: request.callback_url,
      agentId: request.agent.id,
      request,
      status: 'queued',
      outcome: simulatedOutcomeFor(request.to, request.ref?.attempt ?? 1),
      placedAt: new Date().toISOString(),
      answeredAt: null,
      endedAt: null,
      requests: 1,
      callbackAttempts: 0,
      callbacksDelivered: 0,
      lastCallbackStatus: null,
      lastCallbackError: null,
      result: null,
    };
    byId.set(call.callId, call);
    byKey.set(call.idempotencyKey, call);
    stats.placements++;
    stats.live++;
    stats.maxLive = Math.max(stats.maxLive, stats.live);
    if (call.outcome === 'answered' || call.outcome === 'voicemail') {
      later(answerDelayMs, () => {
        if (call.status !== 'queued') return;
        call.status = 'in_progress';
        call.answeredAt = new Date().toISOString();
      });
    }
    later(options.callMs, () => endCall(call));
    return call;
  }

  async function createCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === 'too_large') {
      req.destroy();
      throw new HttpError(413, 'the request body is larger than 1 MB');
    }
    if (body === 'aborted') throw new HttpError(400, 'the request body did not arrive');
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'the request body must be JSON');
    }
    const parsed = placeCallRequestSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    const request = parsed.data;
    const known = byKey.get(request.idempotency_key);
    if (known !== undefined) {
      known.requests++;
      stats.duplicateRequests++;
      const same =
        known.to === request.to && known.from === request.from && known.callbackUrl === request.callback_url;
      if (!same) throw new HttpError(409, 'idempotency_key was already used for a different call');
      sendJson(res, 200, { call_id: known.callId, status: known.status });
      return;
    }
    const call = place(request);
    sendJson(res, 201, { call_id: call.callId, status: call.status });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://simulated').pathname.replace(/\/+$/, '');
    if (path === '/v1/calls') {
      if (req.method === 'POST') return createCall(req, res);
      if (req.method === 'GET') return sendJson(res, 200, { calls: [...byId.values()].map(stateOf) });
      throw new HttpError(405, `${req.method ?? ''} is not allowed on /v1/calls`);
    }
    const match = /^\/v1\/calls\/([^/]+)$/.exec(path);
    if (match?.[1] !== undefined) {
      if (req.method !== 'GET') throw new HttpError(405, `${req.method ?? ''} is not allowed on a call`);
      const call = byId.get(decodeURIComponent(match[1]));
      if (call === undefined) throw new HttpError(404, 'no call with this id');
      return sendJson(res, 200, stateOf(call));
    }
    throw new HttpError(404, 'not found');
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return;
      if (error instanceof HttpError) sendJson(res, error.status, { error: error.message });
      else sendJson(res, 500, { error: 'internal error of the simulated network' });
    });
  });

  const address = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');

  return {
    url: address.url,
    calls: () => [...byId.values()].map(snapshot),
    stats: () => ({ ...stats }),
    async close() {
      shutdown.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await closeServer(server);
    },
  };
}
