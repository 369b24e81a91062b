import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import { REF_KEY, refToString } from '../../domain/call-ref.ts';
import {
  credential,
  placeResultOf,
  providerErrorMessage,
  type PlaceCallReading,
  providerApi,
  type ProviderApiOptions,
} from './provider-http.ts';
import {
  conversationSchema,
  ELEVENLABS_PROVIDER,
  endedEventOfConversation,
  outboundCallResponseSchema,
  phoneNumberResponseSchema,
} from './elevenlabs-wire.ts';

/** `baseUrl` is ELEVENLABS_API_BASE_URL, `https://api.elevenlabs.io` in production. */
export interface ElevenLabsDialerOptions extends ProviderApiOptions {
  clock?: () => Date;
}

const NAME = 'ElevenLabs';

/** ElevenLabs' transports for outbound calls, by the number's `provider` and the path that dials. */
const OUTBOUND_PATHS: Record<string, string> = {
  twilio: '/v1/convai/twilio/outbound-call',
  sip_trunk: '/v1/convai/sip-trunk/outbound-call',
};

/**
 * An outbound call's answer. A 2xx is not always a call: ElevenLabs answers `success: false` with a
 * reason when its telephony side refused the number.
 */
const READING: PlaceCallReading = {
  provider: NAME,
  credentialNames: 'api_key',
  placed(body) {
    const parsed = outboundCallResponseSchema.safeParse(body);
    if (!parsed.success) return { kind: 'unknown', error: 'ElevenLabs answered without a conversation id' };
    if (!parsed.data.success)
      return {
        kind: 'rejected',
        error: `ElevenLabs did not place the call: ${providerErrorMessage(parsed.data.message ?? '', 200)}`,
      };
    if (!parsed.data.conversation_id)
      return { kind: 'unknown', error: 'ElevenLabs accepted the call without a conversation id' };
    return { kind: 'placed', providerCallId: parsed.data.conversation_id };
  },
};

type Transport = { ok: true; path: string } | { ok: false; result: PlaceCallResult };

/**
 * The Dialer for ElevenLabs Agents. A number imported into ElevenLabs is either a Twilio number or a
 * SIP trunk, and each has its own outbound endpoint; the number's record says which
 * (`GET /v1/convai/phone-numbers/{id}` → `provider`), so nothing has to be configured twice. The
 * answer is cached per process: a number does not change transport.
 *
 * The call carries the recipient's variables and our ref (`batch_calls_ref`) as dynamic variables;
 * the ElevenLabs agent's own prompt and first message use them as `{{first_name}}`. The conversation
 * id is the provider call id: the post-call webhook and `GET /v1/convai/conversations/{id}` name it.
 */
export function createElevenLabsDialer(options: ElevenLabsDialerOptions): Dialer {
  const api = providerApi(NAME, options);
  const clock = options.clock ?? (() => new Date());
  const transports = new Map<string, string>();

  async function transportOf(apiKey: string, phoneNumberId: string): Promise<Transport> {
    const cached = transports.get(phoneNumberId);
    if (cached) return { ok: true, path: cached };
    const answer = await api.send({
      path: `/v1/convai/phone-numbers/${encodeURIComponent(phoneNumberId)}`,
      method: 'GET',
      headers: { 'xi-api-key': apiKey },
    });
    // A lookup places nothing: a failure that may pass is thrown, so the dial is retried later.
    if (answer.kind === 'unknown')
      throw new Error(`Looking up the ElevenLabs number failed: ${answer.error}`);
    if (answer.status === 404)
      return {
        ok: false,
        result: {
          kind: 'rejected',
          error: `ElevenLabs has no phone number ${phoneNumberId} (check the agent_phone_number_id credential)`,
        },
      };
    if (answer.status < 200 || answer.status >= 300) {
      // Not a 2xx, so never read as a call: 401/403, 4xx and 429 mean what they mean for a call.
      const result = placeResultOf(READING, answer);
      if (result.kind === 'unknown')
        throw new Error(`Looking up the ElevenLabs number failed: ${result.error}`);
      return { ok: false, result };
    }
    const parsed = phoneNumberResponseSchema.safeParse(answer.body);
    if (!parsed.success) throw new Error('ElevenLabs answered the number lookup without its provider');
    const path = OUTBOUND_PATHS[parsed.data.provider];
    if (path === undefined)
      return {
        ok: false,
        result: {
          kind: 'rejected',
          error: `ElevenLabs places no outbound calls from a ${parsed.data.provider} number`,
        },
      };
    transports.set(phoneNumberId, path);
    return { ok: true, path };
  }

  return {
    provider: ELEVENLABS_PROVIDER,

    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      const agentId = input.agent.telephony.elevenlabs_agent_id;
      if (!agentId)
        return { kind: 'rejected', error: 'The agent has no telephony.elevenlabs_agent_id to call with' };
      const apiKey = credential(input.credentials, 'api_key', NAME);
      if (!apiKey.ok) return { kind: 'rejected', error: apiKey.error };
      const phoneId = credential(input.credentials, 'agent_phone_number_id', NAME);
      if (!phoneId.ok) return { kind: 'rejected', error: phoneId.error };

      const transport = await transportOf(apiKey.value, phoneId.value);
      if (!transport.ok) return transport.result;

      const answer = await api.send({
        path: `${transport.path}`,
        method: 'POST',
        headers: { 'xi-api-key': apiKey.value },
        json: {
          agent_id: agentId,
          agent_phone_number_id: phoneId.value,
          to_number: input.to,
          conversation_initiation_client_data: {
            dynamic_variables: { ...input.dynamicVars, [REF_KEY]: refToString(input.ref) },
          },
          // elevenlabs-js TelephonyCallConfig: "How long to ring the recipient before giving up, in
          // seconds" (the telephony provider may bound it further). Both outbound paths take it.
          telephony_call_config: {
            ringing_timeout_secs: Math.max(1, Math.ceil(input.ringingTimeoutMs / 1000)),
          },
        },
      });
      return placeResultOf(READING, answer);
    },

    /**
     * ElevenLabs retries a post-call webhook only when retries are enabled on it (off by default,
     * up to 5 attempts over about 40 minutes; elevenlabs.io/docs/eleven-api/resources/webhooks), and
     * never a call_initiation_failure, so the sweeper's reconciliation settles a call whose webhook
     * was lost.
     */
    async getCall(providerCallId, credentials): Promise<CallEndedEvent | null> {
      const apiKey = credential(credentials, 'api_key', NAME);
      if (!apiKey.ok) throw new Error(apiKey.error);
      const body = await api.lookUp(
        `/v1/convai/conversations/${encodeURIComponent(providerCallId)}`,
        { 'xi-api-key': apiKey.value },
        `conversation ${providerCallId}`,
      );
      const parsed = conversationSchema.safeParse(body);
      if (!parsed.success) throw new Error(`ElevenLabs' conversation ${providerCallId} is malformed`);
      if (parsed.data.status !== 'done' && parsed.data.status !== 'failed') return null;
      return endedEventOfConversation(parsed.data, clock());
    },
  };
}
