import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import {
  type PlaceCallReading,
  placedWithId,
  placeResultOf,
  providerApi,
  type ProviderApiOptions,
} from './provider-http.ts';
import {
  callEndedEventFromPayload,
  callStateSchema,
  placeCallResponseSchema,
  refToWire,
  SIMULATED_PROVIDER,
  type PlaceCallRequest,
} from './simulated-wire.ts';

/** `baseUrl` is the simulated network's API, e.g. `http://127.0.0.1:4010` (SIMULATED_PROVIDER_URL). */
export type SimulatedDialerOptions = ProviderApiOptions;

/** Named in errors; the simulated network stands in for whichever provider a deployment uses. */
const NAME = 'The provider';

/** Its errors read as its own API's: the reason alone, or the status and the reason. */
const READING: PlaceCallReading = {
  provider: NAME,
  placed: placedWithId(NAME, 'call_id', (body) => placeCallResponseSchema.safeParse(body).data?.call_id),
  refusedText: (reason) => reason,
  failedText: (reason, status) => `The provider answered ${status}: ${reason}`,
};

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
 * The Dialer for the simulated network (local mode). Outcome mapping of `placeCall`: 2xx with a
 * call_id → placed; 429 → rate_limited (Retry-After, 1 s when absent); other 4xx → rejected with the
 * provider's error text; 5xx, a timeout, or a connection reset once the request may have been sent →
 * unknown (the caller must not re-dial blindly: the idempotency key makes a re-send safe, but the
 * decision is the caller's). A connection that was never established throws ProviderUnreachableError,
 * since nothing was placed.
 */
export function createSimulatedDialer(options: SimulatedDialerOptions): Dialer {
  const api = providerApi(NAME, options);

  return {
    provider: SIMULATED_PROVIDER,
    // Every callback names the call without an index: the ref rides in the call request and comes back in its callback.
    callbacksCarryRef: true,

    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      const answer = await api.send({
        path: `/v1/calls`,
        method: 'POST',
        headers: { 'idempotency-key': input.idempotencyKey },
        json: toPlaceCallRequest(input),
      });
      return placeResultOf(READING, answer);
    },

    async getCall(providerCallId: string): Promise<CallEndedEvent | null> {
      const body = await api.lookUp(
        `/v1/calls/${encodeURIComponent(providerCallId)}`,
        {},
        `call ${providerCallId}`,
      );
      const parsed = callStateSchema.safeParse(body);
      if (!parsed.success)
        throw new Error(`The simulated provider's state of call ${providerCallId} is malformed`);
      if (parsed.data.status !== 'ended' || parsed.data.result === null) return null;
      return callEndedEventFromPayload(parsed.data.result);
    },
  };
}
