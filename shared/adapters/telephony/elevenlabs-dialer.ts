import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import {
  credential,
  placeResultOf,
  providerErrorMessage,
  REF_KEY,
  refToString,
  requestJson,
} from './elevenlabs-http.ts';
import {
  conversationSchema,
  ELEVENLABS_PROVIDER,
  endedEventOfConversation,
  outboundCallResponseSchema,
  phoneNumberResponseSchema,
} from './elevenlabs-wire.ts';

export interface ElevenLabsDialerOptions {
  /** ELEVENLABS_API_BASE_URL, `https://api.elevenlabs.io` in production. */
  baseUrl: string;
  /** How long one request may take before its outcome counts as unknown; 10 s unless given. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  clock?: () => Date;
}

const NAME = 'ElevenLabs';

/** ElevenLabs' transports for outbound calls, by the number's `provider` and the path that dials. */
const OUTBOUND_PATHS: Record<string, string> = {
  twilio: '/v1/convai/twilio/outbound-call',
  sip_trunk: '/v1/convai/sip-trunk/outbound-call',
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
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetchImpl ?? fetch;
  const clock = options.clock ?? (() => new Date());
  const transports = new Map<string, string>();

  async function transportOf(apiKey: string, phoneNumberId: string): Promise<Transport> {
    const cached = transports.get(phoneNumberId);
    if (cached) return { ok: true, path: cached };
    const answer = await requestJson({
      provider: NAME,
      url: `${base}/v1/convai/phone-numbers/${encodeURIComponent(phoneNumberId)}`,
      method: 'GET',
      headers: { 'xi-api-key': apiKey },
      timeoutMs,
      fetchImpl,
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
      const result = placeResultOf(NAME, answer, () => ({ kind: 'unknown', error: 'unreachable' }));
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

      const answer = await requestJson({
        provider: NAME,
        url: `${base}${transport.path}`,
        method: 'POST',
        headers: { 'xi-api-key': apiKey.value },
        body: {
          agent_id: agentId,
          agent_phone_number_id: phoneId.value,
          to_number: input.to,
          conversation_initiation_client_data: {
            dynamic_variables: { ...input.dynamicVars, [REF_KEY]: refToString(input.ref) },
          },
        },
        timeoutMs,
        fetchImpl,
      });
      return placeResultOf(NAME, answer, (body) => {
        const parsed = outboundCallResponseSchema.safeParse(body);
        if (!parsed.success)
          return { kind: 'unknown', error: 'ElevenLabs answered without a conversation id' };
        if (!parsed.data.success)
          return {
            kind: 'rejected',
            error: `ElevenLabs did not place the call: ${providerErrorMessage(parsed.data.message ?? '', 200)}`,
          };
        if (!parsed.data.conversation_id)
          return { kind: 'unknown', error: 'ElevenLabs accepted the call without a conversation id' };
        return { kind: 'placed', providerCallId: parsed.data.conversation_id };
      });
    },

    /**
     * ElevenLabs sends its post-call webhook once and does not retry by default, so the sweeper's
     * reconciliation is what settles a call whose webhook was lost.
     */
    async getCall(providerCallId, credentials): Promise<CallEndedEvent | null> {
      const apiKey = credential(credentials, 'api_key', NAME);
      if (!apiKey.ok) throw new Error(apiKey.error);
      const answer = await requestJson({
        provider: NAME,
        url: `${base}/v1/convai/conversations/${encodeURIComponent(providerCallId)}`,
        method: 'GET',
        headers: { 'xi-api-key': apiKey.value },
        timeoutMs,
        fetchImpl,
      });
      if (answer.kind === 'unknown') throw new Error(answer.error);
      if (answer.status !== 200)
        throw new Error(
          `ElevenLabs answered HTTP ${answer.status} for conversation ${providerCallId}: ${providerErrorMessage(answer.body, answer.status)}`,
        );
      const parsed = conversationSchema.safeParse(answer.body);
      if (!parsed.success) throw new Error(`ElevenLabs' conversation ${providerCallId} is malformed`);
      if (parsed.data.status !== 'done' && parsed.data.status !== 'failed') return null;
      return endedEventOfConversation(parsed.data, clock());
    },
  };
}
