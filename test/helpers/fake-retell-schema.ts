import { createHmac } from 'node:crypto';
import { z } from 'zod';

/**
 * Retell's documented request and webhook formats, written from Retell's own SDK and API reference
 * (never from our adapter), for the local Retell in `fake-retell.ts`:
 *
 * - `POST /v2/create-phone-call`: `CallCreatePhoneCallParams` in github.com/RetellAI/retell-typescript-sdk
 *   `src/resources/call.ts` (commit b274013): `from_number` and `to_number` required; `agent_override`
 *   (`agent`, `retell_llm`, `conversation_flow`), `custom_sip_headers`, `ignore_e164_validation`,
 *   `metadata`, `override_agent_id`, `override_agent_version`, `retell_llm_dynamic_variables`
 *   (strings only). `agent_override.agent.ring_duration_ms`: "the phone ringing will last for the
 *   specified amount of milliseconds … Default to 30000 (30 s). Valid range is [5000, 300000]."
 * - Errors (docs.retellai.com/api-references/create-phone-call, OpenAPI `components.responses`):
 *   `{status: 'error', message}`; 400 "Invalid request format, please check API reference.", 401 "API
 *   key is missing or invalid.", 429 "Account rate limited, please throttle your requests.", 500 "An
 *   unexpected server error occurred.". The reference does not say how an unknown property is
 *   answered; this fake refuses it with that documented 400, so a misspelt field fails a test instead
 *   of being silently dropped.
 * - Webhook signature (`src/lib/webhook_auth.ts`): `x-retell-signature: v=<ms>,d=<hex>` with
 *   `d = HMAC-SHA256(api key, raw body + ms)`.
 */

export const RETELL_ERRORS = {
  badRequest: 'Invalid request format, please check API reference.',
  unauthorized: 'API key is missing or invalid.',
  rateLimited: 'Account rate limited, please throttle your requests.',
  internal: 'An unexpected server error occurred.',
} as const;

const E164 = /^\+[1-9]\d{1,14}$/;
const any = z.unknown().optional();

/** retell-sdk `AgentOverride.Agent.webhook_events`' members. */
export const RETELL_WEBHOOK_EVENT_TYPES = [
  'call_started',
  'call_ended',
  'call_analyzed',
  'transcript_updated',
  'transfer_started',
  'transfer_bridged',
  'transfer_cancelled',
  'transfer_ended',
] as const;
const DEFAULT_WEBHOOK_EVENTS = ['call_started', 'call_ended', 'call_analyzed'];

/** The events a call's webhooks go out for: its override's list, or Retell's default three. */
export function webhookEventsOf(request: {
  agent_override?: { agent?: { webhook_events?: readonly string[] | null } };
}) {
  return new Set<string>(request.agent_override?.agent?.webhook_events ?? DEFAULT_WEBHOOK_EVENTS);
}

/**
 * `CallCreatePhoneCallParams.AgentOverride.Agent`: every documented property (in the SDK's order);
 * the ones we send are type-checked, the others only have their names accepted.
 */
const agentOverrideAgentSchema = z.strictObject({
  agent_name: any,
  allow_dtmf_interruption: any,
  allow_user_dtmf: any,
  ambient_sound: any,
  ambient_sound_volume: any,
  backchannel_frequency: any,
  backchannel_words: any,
  begin_message_delay_ms: any,
  boosted_keywords: any,
  call_screening_option: any,
  custom_stt_config: any,
  data_storage_retention_days: any,
  data_storage_setting: any,
  denoising_mode: any,
  enable_backchannel: any,
  enable_dynamic_responsiveness: any,
  enable_dynamic_voice_speed: any,
  enable_expressive_mode: any,
  end_call_after_silence_ms: any,
  expressive_emotion_tags: any,
  expressive_mode_prompt: any,
  fallback_voice_ids: any,
  guardrail_config: any,
  handbook_config: any,
  interruption_sensitivity: any,
  ivr_option: any,
  language: any,
  max_call_duration_ms: any,
  opt_in_signed_url: any,
  pii_config: any,
  post_call_analysis_data: any,
  post_call_analysis_model: any,
  pronunciation_dictionary: any,
  reminder_max_count: any,
  reminder_trigger_ms: any,
  response_engine: any,
  responsiveness: any,
  ring_duration_ms: z.number().int().min(5000).max(300_000).optional(),
  signed_url_expiration_ms: any,
  stt_mode: any,
  timezone: any,
  user_dtmf_options: any,
  version_description: any,
  version_title: any,
  vocab_specialization: any,
  voice_emotion: any,
  voice_id: any,
  voice_model: any,
  voice_speed: any,
  voice_temperature: any,
  voicemail_option: any,
  volume: any,
  // "Which webhook events this agent should receive. If not set, defaults to call_started,
  // call_ended, call_analyzed."
  webhook_events: z.array(z.enum(RETELL_WEBHOOK_EVENT_TYPES)).nullable().optional(),
  webhook_timeout_ms: any,
  webhook_url: any,
});

/** `CallCreatePhoneCallParams`. */
export const createPhoneCallSchema = z.strictObject({
  from_number: z.string().regex(E164),
  to_number: z.string().regex(E164),
  agent_override: z
    .strictObject({ agent: agentOverrideAgentSchema.optional(), conversation_flow: any, retell_llm: any })
    .optional(),
  custom_sip_headers: z.record(z.string(), z.string()).optional(),
  ignore_e164_validation: z.boolean().optional(),
  metadata: z.unknown().optional(),
  override_agent_id: z.string().optional(),
  override_agent_version: z.union([z.string(), z.number()]).optional(),
  retell_llm_dynamic_variables: z.record(z.string(), z.string()).optional(),
});
export type CreatePhoneCallParams = z.infer<typeof createPhoneCallSchema>;

/** `sign` of `src/lib/webhook_auth.ts`, with Node's crypto instead of Web Crypto. */
export function retellSignature(apiKey: string, rawBody: string, timestampMs = Date.now()): string {
  const digest = createHmac('sha256', apiKey)
    .update(rawBody + String(timestampMs))
    .digest('hex');
  return `v=${timestampMs},d=${digest}`;
}

/**
 * The call object of a webhook ("the same content you would receive when you fetch the call details
 * using the get-call API", docs.retellai.com/features/webhook): retell-sdk `PhoneCallResponse`
 * (`src/resources/call.ts`), every documented property, the required ones typed.
 */
const phoneCallSchema = z.strictObject({
  agent_id: z.string(),
  agent_version: z.number(),
  call_id: z.string(),
  call_status: z.enum(['registered', 'not_connected', 'ongoing', 'ended', 'error']),
  call_type: z.literal('phone_call'),
  direction: z.enum(['inbound', 'outbound']),
  from_number: z.string(),
  to_number: z.string(),
  agent_name: any,
  agent_tag: any,
  call_analysis: z
    .strictObject({
      call_successful: z.boolean().optional(),
      call_summary: z.string().optional(),
      custom_analysis_data: z.unknown().optional(),
      in_voicemail: z.boolean().optional(),
      user_sentiment: z.enum(['Negative', 'Positive', 'Neutral', 'Unknown']).optional(),
    })
    .optional(),
  call_cost: any,
  collected_dynamic_variables: any,
  custom_sip_headers: any,
  data_storage_setting: any,
  disconnection_reason: z.string().optional(),
  duration_ms: z.number().optional(),
  end_timestamp: z.number().optional(),
  knowledge_base_retrieved_contents_url: any,
  latency: any,
  llm_token_usage: any,
  metadata: any,
  opt_in_signed_url: any,
  public_log_url: any,
  recording_multi_channel_url: any,
  recording_url: z.string().optional(),
  retell_llm_dynamic_variables: z.record(z.string(), z.string()).optional(),
  scrubbed_recording_multi_channel_url: any,
  scrubbed_recording_url: any,
  scrubbed_transcript_with_tool_calls: any,
  start_timestamp: z.number().optional(),
  telephony_identifier: any,
  transcript: z.string().optional(),
  transcript_object: z.array(z.looseObject({ role: z.string(), content: z.string() })).optional(),
  transcript_with_tool_calls: any,
  transfer_destination: any,
  transfer_end_timestamp: any,
});

/**
 * A webhook as the fake sends it (docs.retellai.com/features/webhook-overview): `{event, call}`;
 * `call_ended` carries "all fields from the call object except call_analysis".
 */
export const webhookSchema = z.discriminatedUnion('event', [
  z.strictObject({ event: z.literal('call_started'), call: phoneCallSchema }),
  z.strictObject({ event: z.literal('call_ended'), call: phoneCallSchema.omit({ call_analysis: true }) }),
  z.strictObject({ event: z.literal('call_analyzed'), call: phoneCallSchema }),
]);
