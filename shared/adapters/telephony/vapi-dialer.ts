import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import {
  credential,
  placeResultOf,
  providerErrorMessage,
  REF_KEY,
  refToString,
  requestJson,
} from './elevenlabs-http.ts';
import { endedEventOfCall, VAPI_PROVIDER, vapiCallSchema } from './vapi-wire.ts';

export interface VapiDialerOptions {
  /** VAPI_API_BASE_URL, `https://api.vapi.ai` in production. */
  baseUrl: string;
  /** How long one request may take before its outcome counts as unknown; 10 s unless given. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  clock?: () => Date;
}

const NAME = 'Vapi';

/**
 * The Dialer for Vapi: `POST /call` with the agent's assistant, the number's Vapi phone number id,
 * the recipient as `customer.number`, the recipient's variables as `assistantOverrides.variableValues`
 * (the assistant's prompt uses them as `{{first_name}}`) and our ref in `metadata`, which Vapi echoes
 * in every server message and in `GET /call/{id}`. The Call's `id` is the provider call id.
 */
export function createVapiDialer(options: VapiDialerOptions): Dialer {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetchImpl ?? fetch;
  const clock = options.clock ?? (() => new Date());

  return {
    provider: VAPI_PROVIDER,

    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      const assistantId = input.agent.telephony.vapi_assistant_id;
      if (!assistantId)
        return { kind: 'rejected', error: 'The agent has no telephony.vapi_assistant_id to call with' };
      const apiKey = credential(input.credentials, 'api_key', NAME);
      if (!apiKey.ok) return { kind: 'rejected', error: apiKey.error };
      const phoneNumberId = credential(input.credentials, 'phone_number_id', NAME);
      if (!phoneNumberId.ok) return { kind: 'rejected', error: phoneNumberId.error };

      const answer = await requestJson({
        provider: NAME,
        url: `${base}/call`,
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey.value}` },
        body: {
          assistantId,
          phoneNumberId: phoneNumberId.value,
          customer: { number: input.to },
          assistantOverrides: { variableValues: input.dynamicVars },
          metadata: { [REF_KEY]: refToString(input.ref), recipient_id: input.recipientId },
        },
        timeoutMs,
        fetchImpl,
      });
      return placeResultOf(NAME, answer, (body) => {
        const parsed = vapiCallSchema.safeParse(body);
        return parsed.success
          ? { kind: 'placed', providerCallId: parsed.data.id }
          : { kind: 'unknown', error: 'Vapi accepted the call without a call id' };
      });
    },

    async getCall(providerCallId, credentials): Promise<CallEndedEvent | null> {
      const apiKey = credential(credentials, 'api_key', NAME);
      if (!apiKey.ok) throw new Error(apiKey.error);
      const answer = await requestJson({
        provider: NAME,
        url: `${base}/call/${encodeURIComponent(providerCallId)}`,
        method: 'GET',
        headers: { authorization: `Bearer ${apiKey.value}` },
        timeoutMs,
        fetchImpl,
      });
      if (answer.kind === 'unknown') throw new Error(answer.error);
      if (answer.status !== 200)
        throw new Error(
          `Vapi answered HTTP ${answer.status} for call ${providerCallId}: ${providerErrorMessage(answer.body, answer.status)}`,
        );
      const parsed = vapiCallSchema.safeParse(answer.body);
      if (!parsed.success) throw new Error(`Vapi's call ${providerCallId} is malformed`);
      if (parsed.data.status !== 'ended') return null;
      return endedEventOfCall(parsed.data, clock());
    },
  };
}
