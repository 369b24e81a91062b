import { createHmac } from 'node:crypto';
import { z } from 'zod';

/**
 * ElevenLabs' documented outbound-call body and webhook signature, written from ElevenLabs' own SDK
 * (github.com/elevenlabs/elevenlabs-js, commit 8710089; never from our adapter), for the local
 * ElevenLabs in `fake-elevenlabs.ts`:
 *
 * - `POST /v1/convai/twilio/outbound-call`:
 *   `src/api/resources/conversationalAi/resources/twilio/client/requests/
 *   BodyHandleAnOutboundCallViaTwilioV1ConvaiTwilioOutboundCallPost.ts` — `agent_id`,
 *   `agent_phone_number_id`, `to_number` required; `conversation_initiation_client_data`,
 *   `call_recording_enabled`, `telephony_call_config`.
 * - `POST /v1/convai/sip-trunk/outbound-call`: the same without `call_recording_enabled`
 *   (`…/sipTrunk/client/requests/BodyHandleAnOutboundCallViaSipTrunkV1ConvaiSipTrunkOutboundCallPost.ts`).
 * - `TelephonyCallConfig` (`src/serialization/types/TelephonyCallConfig.ts`): `ringing_timeout_secs`,
 *   "How long to ring the recipient before giving up, in seconds".
 * - `ConversationInitiationClientDataRequestInput` (`src/serialization/types/…RequestInput.ts`):
 *   `dynamic_variables` values are string | number | integer | boolean (or a nested list).
 * - A refused body is a 422 `HTTPValidationError` (`src/api/types/HttpValidationError.ts`:
 *   `{detail: [{loc, msg, type}]}`), FastAPI/pydantic's format. Whether ElevenLabs refuses an unknown
 *   property is not documented; this fake refuses it the way pydantic does (`extra_forbidden`,
 *   "Extra inputs are not permitted"), so a misspelt field fails a test instead of being dropped.
 * - Webhook signature (`src/wrapper/webhooks.ts`, `constructEvent`): `ElevenLabs-Signature:
 *   t=<unix seconds>,v0=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 */

const dynamicValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.unknown())]);

const clientDataSchema = z.strictObject({
  conversation_config_override: z.unknown().optional(),
  custom_llm_extra_body: z.record(z.string(), z.unknown()).optional(),
  user_id: z.string().optional(),
  source_info: z.unknown().optional(),
  branch_id: z.string().optional(),
  environment: z.string().optional(),
  starting_workflow_node_id: z.string().optional(),
  dynamic_variables: z.record(z.string(), dynamicValue).optional(),
});

const telephonyCallConfigSchema = z.strictObject({
  ringing_timeout_secs: z.number().positive().optional(),
});

const common = {
  agent_id: z.string(),
  agent_phone_number_id: z.string(),
  to_number: z.string(),
  conversation_initiation_client_data: clientDataSchema.optional(),
  telephony_call_config: telephonyCallConfigSchema.optional(),
};

export const twilioOutboundCallSchema = z.strictObject({
  ...common,
  call_recording_enabled: z.boolean().optional(),
});
export const sipTrunkOutboundCallSchema = z.strictObject(common);
export type OutboundCallBody = z.infer<typeof twilioOutboundCallSchema>;

/** pydantic's `detail` entries for zod's issues (`loc` starts with `body`). */
export function validationDetail(error: z.ZodError): Array<{ type: string; loc: string[]; msg: string }> {
  const detail: Array<{ type: string; loc: string[]; msg: string }> = [];
  for (const issue of error.issues) {
    const loc = ['body', ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        detail.push({ type: 'extra_forbidden', loc: [...loc, key], msg: 'Extra inputs are not permitted' });
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      detail.push({ type: 'missing', loc, msg: 'Field required' });
    } else {
      detail.push({ type: issue.code, loc, msg: issue.message });
    }
  }
  return detail;
}

/** What `constructEvent` verifies, computed with Node's crypto. */
export function elevenLabsSignature(secret: string, rawBody: string, at = new Date()): string {
  const t = Math.floor(at.getTime() / 1000);
  const digest = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return `t=${t},v0=${digest}`;
}

/**
 * What the fake sends is checked against the documented shapes before it leaves, so the fake cannot
 * drift from the docs. `post_call_transcription`'s `data` is "the same format as the GET Conversation
 * response" (post-call-webhooks page): `GetConversationResponseModel` (`src/serialization/types/`:
 * `agent_id`, `status` ∈ initiated | in-progress | processing | done | failed, `metadata` with
 * `start_time_unix_secs` and `call_duration_secs`, `conversation_id`, `has_audio`, `has_user_audio`,
 * `has_response_audio`, `transcript` turns with `role` and `time_in_call_secs`). A
 * `call_initiation_failure`'s `data` names `agent_id`, `conversation_id`, `failure_reason` and the
 * telephony provider's `metadata`.
 */
export const conversationSchema = z.looseObject({
  agent_id: z.string(),
  status: z.enum(['initiated', 'in-progress', 'processing', 'done', 'failed']),
  metadata: z.looseObject({ start_time_unix_secs: z.number(), call_duration_secs: z.number() }),
  conversation_id: z.string(),
  has_audio: z.boolean(),
  has_user_audio: z.boolean(),
  has_response_audio: z.boolean(),
  transcript: z.array(z.looseObject({ role: z.enum(['user', 'agent']), time_in_call_secs: z.number() })),
});

export const webhookSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('post_call_transcription'),
    event_timestamp: z.number().int(),
    data: conversationSchema,
  }),
  z.strictObject({
    type: z.literal('call_initiation_failure'),
    event_timestamp: z.number().int(),
    data: z.strictObject({
      agent_id: z.string(),
      conversation_id: z.string(),
      failure_reason: z.string(),
      metadata: z.strictObject({ type: z.enum(['twilio', 'sip']), body: z.record(z.string(), z.unknown()) }),
    }),
  }),
]);
