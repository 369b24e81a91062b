import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import {
  credential,
  type PlaceCallReading,
  placedWithId,
  placeResultOf,
  providerApi,
  type ProviderApiOptions,
} from './provider-http.ts';
import { refToWire } from './simulated-wire.ts';
import {
  callEndedFromRetellCall,
  isRetellCallOver,
  RETELL_PROVIDER,
  retellCallSchema,
  retellCreateCallResponseSchema,
  type RetellMetadata,
} from './retell-wire.ts';

/** `baseUrl` is RETELL_API_BASE_URL; https://api.retellai.com in production. */
export type RetellDialerOptions = ProviderApiOptions;

const NAME = 'Retell';

const READING: PlaceCallReading = {
  provider: NAME,
  credentialNames: 'api_key',
  placed: placedWithId(
    NAME,
    'call_id',
    (body) => retellCreateCallResponseSchema.safeParse(body).data?.call_id,
  ),
};

/**
 * `agent_override.agent.ring_duration_ms` (retell-sdk `CallCreatePhoneCallParams.AgentOverride.Agent`):
 * "the phone ringing will last for the specified amount of milliseconds … Valid range is [5000,
 * 300000]". A batch's shorter timeout is raised to Retell's least, never refused.
 */
const RING_DURATION_MS = { min: 5_000, max: 300_000 };

function ringDurationMs(ringingTimeoutMs: number): number {
  return Math.min(RING_DURATION_MS.max, Math.max(RING_DURATION_MS.min, Math.round(ringingTimeoutMs)));
}

/**
 * The webhook events each call asks for (`agent_override.agent.webhook_events`, retell-sdk: "Which
 * webhook events this agent should receive. If not set, defaults to call_started, call_ended,
 * call_analyzed"): the two that end a call (retell-callbacks.ts). `call_started` changes nothing
 * here, and each callback is an API Gateway request and an invocation paid per call.
 */
export const RETELL_WEBHOOK_EVENTS = ['call_ended', 'call_analyzed'] as const;

/** Retell's dynamic variables are strings only. */
function stringVars(vars: PlaceCallInput['dynamicVars']): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)]));
}

/**
 * The Dialer for Retell. `placeCall` is `POST /v2/create-phone-call` with the calling number, the
 * agent's Retell agent (`override_agent_id`), the recipient's variables as
 * `retell_llm_dynamic_variables`, our ref in `metadata` and the batch's ringing timeout as
 * `agent_override.agent.ring_duration_ms` and only the webhook events that end a call
 * (`agent_override.agent.webhook_events`), per-call overrides of the agent. Outcome: 201 → placed; 429 →
 * rate_limited; 401/403 → rejected naming the api_key; other 4xx (a number Retell does not own, an
 * unknown agent, no payment method) → rejected with Retell's message; 5xx, a timeout or a broken
 * connection once sent → unknown (Retell has no idempotency key, so a re-send could call twice).
 */
export function createRetellDialer(options: RetellDialerOptions): Dialer {
  const api = providerApi(NAME, options);

  return {
    provider: RETELL_PROVIDER,
    // Retell echoes the call's `metadata` (our ref) in every webhook: no call index to write or read.
    callbacksCarryRef: true,

    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      const apiKey = credential(input.credentials, 'api_key', NAME);
      if (!apiKey.ok) return { kind: 'rejected', error: apiKey.error };
      const agentId = input.agent.telephony.retell_agent_id;
      if (!agentId) {
        return {
          kind: 'rejected',
          error: 'The agent has no telephony.retell_agent_id: Retell needs its agent id.',
        };
      }
      const metadata: RetellMetadata = {
        ...refToWire(input.ref),
        recipient_id: input.recipientId,
        evaluation_ids: input.agent.evaluationCriteria.map((c) => c.id),
      };
      const answer = await api.send({
        path: `/v2/create-phone-call`,
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey.value}` },
        json: {
          from_number: input.from,
          to_number: input.to,
          override_agent_id: agentId,
          retell_llm_dynamic_variables: stringVars(input.dynamicVars),
          metadata,
          agent_override: {
            agent: {
              ring_duration_ms: ringDurationMs(input.ringingTimeoutMs),
              webhook_events: [...RETELL_WEBHOOK_EVENTS],
            },
          },
        },
      });
      return placeResultOf(READING, answer);
    },

    async getCall(providerCallId, credentials): Promise<CallEndedEvent | null> {
      const apiKey = credential(credentials, 'api_key', NAME);
      if (!apiKey.ok) throw new Error(apiKey.error);
      const body = await api.lookUp(
        `/v2/get-call/${encodeURIComponent(providerCallId)}`,
        { authorization: `Bearer ${apiKey.value}` },
        `call ${providerCallId}`,
      );
      const parsed = retellCallSchema.safeParse(body);
      if (!parsed.success) throw new Error(`Retell's call ${providerCallId} is malformed`);
      return isRetellCallOver(parsed.data) ? callEndedFromRetellCall(parsed.data, new Date()) : null;
    },
  };
}
