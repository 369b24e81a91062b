import { signTimestampedHmac, verifyTimestampedHmac } from './timestamped-hmac.ts';
import * as z from 'zod';
import type { CallOutcome } from '../../domain/recipient.ts';
import type { CallEndedEvent, Conversation, EvaluationResult, TranscriptTurn } from '../../ports/dialer.ts';
import { REF_KEY, refFromString } from '../../domain/call-ref.ts';

/**
 * ElevenLabs Agents' wire format (docs: "Outbound call via twilio", "Post-call webhooks", "Get
 * conversation details"), shared by the dialer, the callback verifier and the test's local server.
 */

export const ELEVENLABS_PROVIDER = 'elevenlabs';
export const ELEVENLABS_SIGNATURE_HEADER = 'elevenlabs-signature';
/** ElevenLabs' own SDK refuses a signature older than 30 minutes; we also refuse one as far ahead. */
export const ELEVENLABS_SIGNATURE_TOLERANCE_SECONDS = 30 * 60;

const dynamicValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const clientDataSchema = z.object({
  dynamic_variables: z.record(z.string(), dynamicValue).nullish(),
});

const turnSchema = z.object({
  role: z.string(),
  message: z.string().nullish(),
  time_in_call_secs: z.number().nullish(),
});

const criterionResultSchema = z.object({
  criteria_id: z.string().nullish(),
  result: z.string().nullish(),
  rationale: z.string().nullish(),
});

const dataCollectionResultSchema = z.object({
  data_collection_id: z.string().nullish(),
  value: z.unknown().optional(),
  rationale: z.string().nullish(),
});

export const conversationSchema = z.object({
  agent_id: z.string().nullish(),
  conversation_id: z.string().min(1),
  status: z.string(),
  transcript: z.array(turnSchema).nullish(),
  metadata: z
    .object({
      start_time_unix_secs: z.number().nullish(),
      call_duration_secs: z.number().nullish(),
      termination_reason: z.string().nullish(),
    })
    .nullish(),
  analysis: z
    .object({
      evaluation_criteria_results: z.record(z.string(), criterionResultSchema).nullish(),
      data_collection_results: z.record(z.string(), dataCollectionResultSchema).nullish(),
      transcript_summary: z.string().nullish(),
    })
    .nullish(),
  conversation_initiation_client_data: clientDataSchema.nullish(),
});
export type ElevenLabsConversation = z.infer<typeof conversationSchema>;

export const failureDataSchema = z.object({
  agent_id: z.string().nullish(),
  conversation_id: z.string().min(1),
  failure_reason: z.string().nullish(),
  metadata: z.object({ type: z.string().nullish(), body: z.unknown().optional() }).nullish(),
  conversation_initiation_client_data: clientDataSchema.nullish(),
});

export const webhookEnvelopeSchema = z.object({
  type: z.string(),
  event_timestamp: z.union([z.number(), z.string()]).nullish(),
  data: z.unknown(),
});

/** Answer of `POST /v1/convai/{twilio|sip-trunk}/outbound-call`. */
export const outboundCallResponseSchema = z.object({
  success: z.boolean(),
  message: z.string().nullish(),
  conversation_id: z.string().nullish(),
  callSid: z.string().nullish(),
  sip_call_id: z.string().nullish(),
});

/** Answer of `GET /v1/convai/phone-numbers/{id}`: which transport dials from the number. */
export const phoneNumberResponseSchema = z.object({
  phone_number_id: z.string().nullish(),
  provider: z.string(),
});

const iso = (unixSecs: number) => new Date(unixSecs * 1000).toISOString();

function primitive(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

function evaluationResult(value: string | null | undefined): EvaluationResult['result'] {
  return value === 'success' || value === 'failure' ? value : 'unknown';
}

export function conversationOf(c: ElevenLabsConversation): Conversation {
  const transcript: TranscriptTurn[] = [];
  for (const turn of c.transcript ?? []) {
    if (!turn.message || (turn.role !== 'agent' && turn.role !== 'user')) continue;
    transcript.push({
      role: turn.role,
      message: turn.message,
      time_in_call_secs: turn.time_in_call_secs ?? 0,
    });
  }
  const evaluations = Object.entries(c.analysis?.evaluation_criteria_results ?? {}).map(([id, r]) => ({
    id: r.criteria_id ?? id,
    result: evaluationResult(r.result),
    rationale: r.rationale ?? '',
  }));
  const dataCollection: Conversation['dataCollection'] = {};
  for (const [id, r] of Object.entries(c.analysis?.data_collection_results ?? {})) {
    dataCollection[r.data_collection_id ?? id] = { value: primitive(r.value), rationale: r.rationale ?? '' };
  }
  return { transcript, evaluations, dataCollection, recordingUrl: null };
}

/** A finished conversation as our event; the transcript's end fixes `endedAt` when no clock is given. */
export function endedEventOfConversation(c: ElevenLabsConversation, now: Date): CallEndedEvent {
  const start = c.metadata?.start_time_unix_secs ?? null;
  const duration = Math.max(0, Math.round(c.metadata?.call_duration_secs ?? 0));
  const reason = c.metadata?.termination_reason ?? '';
  const ref = refFromString(c.conversation_initiation_client_data?.dynamic_variables?.[REF_KEY]);
  if (c.status === 'failed') {
    return {
      providerCallId: c.conversation_id,
      ref,
      outcome: 'failed',
      startedAt: null,
      endedAt: start === null ? now.toISOString() : iso(start + duration),
      durationSecs: 0,
      error: `ElevenLabs reports the conversation failed${reason ? `: ${reason}` : ''}`,
      conversation: null,
    };
  }
  // ElevenLabs' voicemail detection ends the call with a termination reason that names it.
  const outcome: CallOutcome = /voicemail|answering machine/i.test(reason) ? 'voicemail' : 'answered';
  return {
    providerCallId: c.conversation_id,
    ref,
    outcome,
    startedAt: start === null ? null : iso(start),
    endedAt: start === null ? now.toISOString() : iso(start + duration),
    durationSecs: duration,
    error: null,
    conversation: conversationOf(c),
  };
}

/** `call_initiation_failure.failure_reason`: "busy", "no-answer" or "unknown" (docs). */
export function failureOutcome(reason: string | null | undefined): CallOutcome {
  if (reason === 'busy') return 'busy';
  if (reason === 'no-answer') return 'no_answer';
  return 'failed';
}

export function failureEvent(
  data: z.infer<typeof failureDataSchema>,
  eventTimestamp: number | string | null | undefined,
  now: Date,
): CallEndedEvent {
  const seconds = Number(eventTimestamp);
  const reason = data.failure_reason ?? 'unknown';
  return {
    providerCallId: data.conversation_id,
    ref: refFromString(data.conversation_initiation_client_data?.dynamic_variables?.[REF_KEY]),
    outcome: failureOutcome(reason),
    startedAt: null,
    endedAt: Number.isFinite(seconds) && seconds > 0 ? iso(seconds) : now.toISOString(),
    durationSecs: 0,
    error: `ElevenLabs could not connect the call (${reason})`,
    conversation: null,
  };
}

/** The `ElevenLabs-Signature` value: `t=<unix seconds>,v0=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signElevenLabsWebhook(secret: string, rawBody: string | Buffer, at: Date): string {
  return signTimestampedHmac(secret, rawBody, at, 'v0');
}

/** True when a `v0` signature of the header matches (constant time) and `t` is within the tolerance. */
export function verifyElevenLabsSignature(
  header: string | undefined,
  secret: string,
  rawBody: Buffer,
  now: Date,
): boolean {
  return verifyTimestampedHmac(header, secret, rawBody, now, {
    version: 'v0',
    toleranceSeconds: ELEVENLABS_SIGNATURE_TOLERANCE_SECONDS,
  });
}
