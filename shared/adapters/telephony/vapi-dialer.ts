import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import { REF_KEY, refToString } from '../../domain/call-ref.ts';
import {
  credential,
  type PlaceCallReading,
  placedWithId,
  placeResultOf,
  providerApi,
  type ProviderApiOptions,
} from './provider-http.ts';
import { endedEventOfCall, VAPI_PROVIDER, vapiCallSchema } from './vapi-wire.ts';

/** `baseUrl` is VAPI_API_BASE_URL, `https://api.vapi.ai` in production. */
export interface VapiDialerOptions extends ProviderApiOptions {
  clock?: () => Date;
}

const NAME = 'Vapi';

const READING: PlaceCallReading = {
  provider: NAME,
  credentialNames: 'api_key',
  placed: placedWithId(NAME, 'call id', (body) => vapiCallSchema.safeParse(body).data?.id),
};

/**
 * The Dialer for Vapi: `POST /call` with a CreateCallDto (VapiAI/server-sdk-typescript
 * `src/api/resources/calls/client/requests/CreateCallDto.ts`): the agent's `assistantId`, the
 * number's `phoneNumberId`, the recipient as `customer.number`, and `assistantOverrides` with the
 * recipient's variables (`variableValues`: the assistant's prompt uses them as `{{first_name}}`) and
 * our ref (`metadata`). CreateCallDto has no top-level `metadata`, and Vapi refuses unknown properties
 * with a 400; the Call keeps its `assistantOverrides`, so every server message and `GET /call/{id}`
 * carry our ref back. The Call's `id` is the provider call id (recorded on the recipient; no call index).
 */
export function createVapiDialer(options: VapiDialerOptions): Dialer {
  const api = providerApi(NAME, options);
  const clock = options.clock ?? (() => new Date());

  return {
    provider: VAPI_PROVIDER,
    // Every server message about the call carries our ref in `call.assistantOverrides.metadata`
    // (the Call keeps its overrides): no call index to write or read.
    callbacksCarryRef: true,

    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      const assistantId = input.agent.telephony.vapi_assistant_id;
      if (!assistantId)
        return { kind: 'rejected', error: 'The agent has no telephony.vapi_assistant_id to call with' };
      const apiKey = credential(input.credentials, 'api_key', NAME);
      if (!apiKey.ok) return { kind: 'rejected', error: apiKey.error };
      const phoneNumberId = credential(input.credentials, 'phone_number_id', NAME);
      if (!phoneNumberId.ok) return { kind: 'rejected', error: phoneNumberId.error };

      const answer = await api.send({
        path: '/call',
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey.value}` },
        json: {
          assistantId,
          phoneNumberId: phoneNumberId.value,
          customer: { number: input.to },
          assistantOverrides: {
            variableValues: input.dynamicVars,
            // The one server message that tells the outcome: no status-update callbacks (each an API
            // Gateway request and an invocation) that we would only verify and drop (issue 16).
            serverMessages: ['end-of-call-report'],
            metadata: { [REF_KEY]: refToString(input.ref), recipient_id: input.recipientId },
          },
        },
      });
      return placeResultOf(READING, answer);
    },

    async getCall(providerCallId, credentials): Promise<CallEndedEvent | null> {
      const apiKey = credential(credentials, 'api_key', NAME);
      if (!apiKey.ok) throw new Error(apiKey.error);
      const body = await api.lookUp(
        `/call/${encodeURIComponent(providerCallId)}`,
        { authorization: `Bearer ${apiKey.value}` },
        `call ${providerCallId}`,
      );
      const parsed = vapiCallSchema.safeParse(body);
      if (!parsed.success) throw new Error(`Vapi's call ${providerCallId} is malformed`);
      if (parsed.data.status !== 'ended') return null;
      return endedEventOfCall(parsed.data, clock());
    },
  };
}
