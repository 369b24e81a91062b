import * as z from 'zod';
import type { CallOutcome } from '../../domain/recipient.ts';
import type {
  CallEndedEvent,
  CallRef,
  Conversation,
  EvaluationResult,
  TranscriptTurn,
} from '../../ports/dialer.ts';
import { refFromWire, wireRefSchema } from './simulated-wire.ts';

/**
 * Retell as seen on the wire: `POST /v2/create-phone-call`, `GET /v2/get-call/{call_id}`, the webhook
 * body `{event, call}`, and how a call's `disconnection_reason` and `call_analysis` map to our outcome
 * and conversation (DESIGN.md §5).
 */

export const RETELL_PROVIDER = 'retell';
export const RETELL_API_BASE_URL_DEFAULT = 'https://api.retellai.com';

/**
 * What we put in the call's `metadata` (Retell stores it and echoes it in every webhook and in
 * get-call): our ref, the recipient, and which analysis fields are evaluation criteria, since a
 * webhook alone cannot tell an evaluation from a data-collection field.
 */
export const retellMetadataSchema = wireRefSchema.extend({
  recipient_id: z.string().min(1),
  evaluation_ids: z.array(z.string()).default([]),
});
export type RetellMetadata = z.infer<typeof retellMetadataSchema>;

const transcriptEntrySchema = z.object({
  role: z.string(),
  content: z.string(),
  words: z.array(z.object({ start: z.number().nullish() }).loose()).nullish(),
});

/** The call object's fields we read (Retell sends many more). */
export const retellCallSchema = z
  .object({
    call_id: z.string().min(1),
    call_status: z.string().nullish(),
    disconnection_reason: z.string().nullish(),
    start_timestamp: z.number().nullish(),
    end_timestamp: z.number().nullish(),
    duration_ms: z.number().nullish(),
    transcript_object: z.array(transcriptEntrySchema).nullish(),
    recording_url: z.string().nullish(),
    metadata: z.unknown().optional(),
    call_analysis: z
      .object({
        call_summary: z.string().nullish(),
        in_voicemail: z.boolean().nullish(),
        call_successful: z.boolean().nullish(),
        custom_analysis_data: z.record(z.string(), z.unknown()).nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();
export type RetellCall = z.infer<typeof retellCallSchema>;

export const retellWebhookSchema = z.object({ event: z.string(), call: retellCallSchema }).loose();

export const retellCreateCallResponseSchema = z.object({ call_id: z.string().min(1) }).loose();

export function metadataRef(metadata: unknown): { ref: CallRef; evaluationIds: string[] } | null {
  const parsed = retellMetadataSchema.safeParse(metadata);
  return parsed.success ? { ref: refFromWire(parsed.data), evaluationIds: parsed.data.evaluation_ids } : null;
}

const ANSWERED = new Set([
  'user_hangup',
  'agent_hangup',
  'call_transfer',
  'transfer_bridged',
  'transfer_cancelled',
  'inactivity',
  'max_duration_reached',
  'ivr_reached',
  'manual_stopped',
  'call_take_over',
]);
const FAILED = new Set([
  'dial_failed',
  'invalid_destination',
  'telephony_provider_permission_denied',
  'telephony_provider_unavailable',
  'sip_routing_error',
  'marked_as_spam',
  'scam_detected',
  'no_valid_payment',
  'concurrency_limit_reached',
  'no_concurrency_fallback',
  'registered_call_timeout',
]);

/**
 * `disconnection_reason` as our outcome. A reason we do not know (an `error_*` one, or one Retell
 * adds later) counts as answered when the call got as far as a conversation, else as failed.
 * `call_analysis.in_voicemail` marks a voicemail even when the agent hung up after leaving a message.
 */
export function retellOutcome(call: RetellCall): { outcome: CallOutcome; error: string | null } {
  const reason = call.disconnection_reason ?? null;
  if (reason === 'voicemail_reached' || call.call_analysis?.in_voicemail === true) {
    return { outcome: 'voicemail', error: null };
  }
  if (reason === 'dial_no_answer') return { outcome: 'no_answer', error: 'Nobody answered the call.' };
  // A declined call is reported by carriers as busy.
  if (reason === 'dial_busy' || reason === 'user_declined')
    return { outcome: 'busy', error: 'The line was busy.' };
  if (reason !== null && ANSWERED.has(reason)) return { outcome: 'answered', error: null };
  if (reason !== null && FAILED.has(reason)) {
    return { outcome: 'failed', error: `Retell could not connect the call (${reason}).` };
  }
  const talked = (call.transcript_object ?? []).length > 0;
  if (talked && call.call_status !== 'not_connected') return { outcome: 'answered', error: null };
  return {
    outcome: 'failed',
    error: `Retell ended the call without connecting it (${reason ?? 'no reason given'}).`,
  };
}

export function isConnected(outcome: CallOutcome): boolean {
  return outcome === 'answered' || outcome === 'voicemail';
}

function transcriptOf(call: RetellCall): TranscriptTurn[] {
  return (call.transcript_object ?? []).map((entry) => ({
    // A transfer target is another person on the line: the user's side of the conversation.
    role: entry.role === 'agent' ? 'agent' : 'user',
    message: entry.content,
    time_in_call_secs: Math.max(0, entry.words?.[0]?.start ?? 0),
  }));
}

function primitive(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/**
 * `call_analysis` as evaluations and data collection: the custom analysis fields named like one of
 * the agent's evaluation criteria are evaluations (true → success, false → failure, anything else →
 * unknown); every other custom field is collected data. Retell's own `call_successful` is added as
 * the evaluation `call_successful` unless a criterion already has that id.
 */
function analysisOf(
  call: RetellCall,
  evaluationIds: string[],
): Pick<Conversation, 'evaluations' | 'dataCollection'> {
  const analysis = call.call_analysis;
  const custom = analysis?.custom_analysis_data ?? {};
  const summary = analysis?.call_summary ?? '';
  const evaluations: EvaluationResult[] = evaluationIds.map((id) => {
    const value = custom[id];
    return {
      id,
      result: value === true ? 'success' : value === false ? 'failure' : 'unknown',
      rationale: value === undefined ? "Not in Retell's post-call analysis." : summary,
    };
  });
  if (typeof analysis?.call_successful === 'boolean' && !evaluationIds.includes('call_successful')) {
    evaluations.push({
      id: 'call_successful',
      result: analysis.call_successful ? 'success' : 'failure',
      rationale: summary,
    });
  }
  const dataCollection: Conversation['dataCollection'] = {};
  for (const [id, value] of Object.entries(custom)) {
    if (!evaluationIds.includes(id)) dataCollection[id] = { value: primitive(value), rationale: '' };
  }
  return { evaluations, dataCollection };
}

/** A call that has ended as our event (with its conversation when it connected). */
export function callEndedFromRetellCall(call: RetellCall, now: Date): CallEndedEvent {
  const located = metadataRef(call.metadata);
  const { outcome, error } = retellOutcome(call);
  const connected = isConnected(outcome);
  const endedAt = call.end_timestamp ? new Date(call.end_timestamp).toISOString() : now.toISOString();
  return {
    providerCallId: call.call_id,
    ref: located?.ref ?? null,
    outcome,
    startedAt: connected && call.start_timestamp ? new Date(call.start_timestamp).toISOString() : null,
    endedAt,
    durationSecs: connected ? Math.max(0, Math.round((call.duration_ms ?? 0) / 1000)) : 0,
    error,
    conversation: connected
      ? {
          transcript: transcriptOf(call),
          ...analysisOf(call, located?.evaluationIds ?? []),
          recordingUrl: call.recording_url ?? null,
        }
      : null,
  };
}

/** Whether get-call reports a call that is over (`registered` and `ongoing` are still live). */
export function isRetellCallOver(call: RetellCall): boolean {
  return call.call_status === 'ended' || call.call_status === 'not_connected' || call.call_status === 'error';
}
