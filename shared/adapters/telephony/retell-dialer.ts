import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import { readJson, retryAfterSeconds, sendProviderRequest } from './twilio-http.ts';
import { refToWire } from './simulated-wire.ts';
import {
  callEndedFromRetellCall,
  isRetellCallOver,
  RETELL_PROVIDER,
  retellCallSchema,
  retellCreateCallResponseSchema,
  retellErrorSchema,
  type RetellMetadata,
} from './retell-wire.ts';

export interface RetellDialerOptions {
  /** RETELL_API_BASE_URL; https://api.retellai.com in production. */
  baseUrl: string;
  /** How long one request may take before its outcome counts as unknown; 10 s unless given. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

async function describeError(response: Response): Promise<string> {
  const parsed = retellErrorSchema.safeParse(await readJson(response));
  const message = parsed.success
    ? (parsed.data.message ?? parsed.data.error ?? parsed.data.error_message ?? null)
    : null;
  return `HTTP ${response.status}${message ? `: ${message}` : ''}`;
}

/** Retell's dynamic variables are strings only. */
function stringVars(vars: PlaceCallInput['dynamicVars']): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)]));
}

/**
 * The Dialer for Retell. `placeCall` is `POST /v2/create-phone-call` with the calling number, the
 * agent's Retell agent (`override_agent_id`), the recipient's variables as
 * `retell_llm_dynamic_variables` and our ref in `metadata`. Outcome: 201 → placed; 429 →
 * rate_limited; 401/403 → rejected naming the api_key; other 4xx (a number Retell does not own, an
 * unknown agent, no payment method) → rejected with Retell's message; 5xx, a timeout or a broken
 * connection once sent → unknown (Retell has no idempotency key, so a re-send could call twice).
 */
export function createRetellDialer(options: RetellDialerOptions): Dialer {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetchImpl ?? fetch;

  return {
    provider: RETELL_PROVIDER,

    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      const apiKey = input.credentials?.api_key;
      if (!apiKey)
        return {
          kind: 'rejected',
          error: 'The phone number has no Retell credentials: api_key is required.',
        };
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
      const sent = await sendProviderRequest(
        'Retell',
        fetchImpl,
        `${base}/v2/create-phone-call`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            from_number: input.from,
            to_number: input.to,
            override_agent_id: agentId,
            retell_llm_dynamic_variables: stringVars(input.dynamicVars),
            metadata,
          }),
        },
        timeoutMs,
      );
      if (sent.kind === 'unknown') return sent;
      const { response } = sent;

      if (response.status === 200 || response.status === 201) {
        const parsed = retellCreateCallResponseSchema.safeParse(await readJson(response));
        if (!parsed.success) return { kind: 'unknown', error: 'Retell accepted the call without a call_id' };
        return { kind: 'placed', providerCallId: parsed.data.call_id };
      }
      if (response.status === 429) {
        const retryAfter = retryAfterSeconds(response, 1);
        await response.body?.cancel();
        return { kind: 'rate_limited', retryAfterSeconds: retryAfter };
      }
      const text = await describeError(response);
      if (response.status === 401 || response.status === 403) {
        return {
          kind: 'rejected',
          error: `Retell rejected the phone number's credentials (${text}): check its api_key.`,
        };
      }
      if (response.status >= 400 && response.status < 500) {
        return { kind: 'rejected', error: `Retell refused the call (${text}).` };
      }
      return { kind: 'unknown', error: `Retell answered ${text}` };
    },

    async getCall(providerCallId, credentials): Promise<CallEndedEvent | null> {
      const apiKey = credentials?.api_key;
      if (!apiKey) throw new Error('The phone number has no Retell api_key to look the call up with');
      const sent = await sendProviderRequest(
        'Retell',
        fetchImpl,
        `${base}/v2/get-call/${encodeURIComponent(providerCallId)}`,
        { headers: { authorization: `Bearer ${apiKey}` } },
        timeoutMs,
      );
      if (sent.kind === 'unknown') throw new Error(sent.error);
      if (!sent.response.ok) {
        throw new Error(`Retell answered ${await describeError(sent.response)} for call ${providerCallId}`);
      }
      const parsed = retellCallSchema.safeParse(await readJson(sent.response));
      if (!parsed.success) throw new Error(`Retell's call ${providerCallId} is malformed`);
      return isRetellCallOver(parsed.data) ? callEndedFromRetellCall(parsed.data, new Date()) : null;
    },
  };
}
