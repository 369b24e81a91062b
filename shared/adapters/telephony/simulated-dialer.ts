import { parseRetryAfter } from '../../domain/webhook-retry.ts';
import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import {
  callEndedEventFromPayload,
  callStateSchema,
  placeCallResponseSchema,
  refToWire,
  SIMULATED_PROVIDER,
  type PlaceCallRequest,
} from './simulated-wire.ts';

export interface SimulatedDialerOptions {
  /** The simulated network's API, e.g. `http://127.0.0.1:4010` (SIMULATED_PROVIDER_URL). */
  baseUrl: string;
  /** How long one request may take before its outcome counts as unknown; 10 s unless given. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/**
 * Thrown by `placeCall` when the provider could not be reached before anything was sent (connection
 * refused, DNS failure, connect timeout): no call can have been placed, so the attempt may be retried.
 */
export class ProviderUnreachableError extends Error {
  readonly code: string;
  constructor(code: string, cause: unknown) {
    super(`The simulated provider is unreachable (${code}); no call was placed`, { cause });
    this.name = 'ProviderUnreachableError';
    this.code = code;
  }
}

/** Error codes that undici reports only when the connection was never established. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(error: unknown): string | null {
  // fetch wraps the socket error: TypeError('fetch failed', { cause: { code } }).
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (e instanceof AggregateError && e.errors.length > 0) return errorCode(e.errors[0]);
    e = e.cause;
  }
  return null;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string') {
      return body.error;
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.trim().slice(0, 500) || `HTTP ${response.status}`;
}

export function toPlaceCallRequest(input: PlaceCallInput): PlaceCallRequest {
  return {
    idempotency_key: input.idempotencyKey,
    to: input.to,
    from: input.from,
    callback_url: input.callbackUrl,
    ringing_timeout_ms: input.ringingTimeoutMs,
    agent: {
      id: input.agent.id,
      first_message: input.agent.firstMessage,
      prompt: input.agent.prompt,
      evaluation_criteria: input.agent.evaluationCriteria,
      data_collection: input.agent.dataCollection,
    },
    dynamic_vars: input.dynamicVars,
    ref: refToWire(input.ref),
  };
}

/**
 * The Dialer for the simulated network (local mode). Outcome mapping of `placeCall`:
 * 200/201 → placed; 429 → rate_limited (Retry-After, 1 s when absent); other 4xx → rejected with the
 * provider's error text; 5xx, a timeout, or a connection reset once the request may have been sent →
 * unknown (the caller must not re-dial blindly: the idempotency key makes a re-send safe, but the
 * decision is the caller's). A connection that was never established throws ProviderUnreachableError,
 * since nothing was placed.
 */
export function createSimulatedDialer(options: SimulatedDialerOptions): Dialer {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetchImpl ?? fetch;

  return {
    provider: SIMULATED_PROVIDER,

    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      let response: Response;
      try {
        response = await fetchImpl(`${base}/v1/calls`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': input.idempotencyKey },
          body: JSON.stringify(toPlaceCallRequest(input)),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        if (isTimeout(error)) {
          return { kind: 'unknown', error: `The provider did not answer within ${timeoutMs} ms` };
        }
        const code = errorCode(error);
        if (code !== null && NOT_SENT_CODES.has(code)) throw new ProviderUnreachableError(code, error);
        return {
          kind: 'unknown',
          error: `The connection to the provider failed (${code ?? 'unknown error'})`,
        };
      }

      if (response.status === 200 || response.status === 201) {
        let body: unknown;
        try {
          body = await response.json();
        } catch (error) {
          if (isTimeout(error))
            return { kind: 'unknown', error: `The provider's answer did not finish within ${timeoutMs} ms` };
          return { kind: 'unknown', error: 'The provider accepted the call but its answer was not JSON' };
        }
        const parsed = placeCallResponseSchema.safeParse(body);
        if (!parsed.success)
          return { kind: 'unknown', error: 'The provider accepted the call without a call_id' };
        return { kind: 'placed', providerCallId: parsed.data.call_id };
      }
      if (response.status === 429) {
        await response.body?.cancel();
        return {
          kind: 'rate_limited',
          retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')) ?? 1,
        };
      }
      if (response.status >= 400 && response.status < 500) {
        return { kind: 'rejected', error: await errorText(response) };
      }
      const text = await errorText(response);
      return { kind: 'unknown', error: `The provider answered ${response.status}: ${text}` };
    },

    async getCall(providerCallId: string): Promise<CallEndedEvent | null> {
      const response = await fetchImpl(`${base}/v1/calls/${encodeURIComponent(providerCallId)}`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) {
        throw new Error(
          `The simulated provider answered ${response.status} for call ${providerCallId}: ${await errorText(response)}`,
        );
      }
      const parsed = callStateSchema.safeParse(await response.json());
      if (!parsed.success)
        throw new Error(`The simulated provider's state of call ${providerCallId} is malformed`);
      if (parsed.data.status !== 'ended' || parsed.data.result === null) return null;
      return callEndedEventFromPayload(parsed.data.result);
    },
  };
}
