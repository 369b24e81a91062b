import { signTimestampedHmac, verifyTimestampedHmac } from './timestamped-hmac.ts';
import * as z from 'zod';
import { CALL_OUTCOMES } from '../../domain/recipient.ts';
import type { CallEndedEvent, CallRef } from '../../ports/dialer.ts';

/**
 * The simulated provider's wire format, shared by the network (infra/local/network/simulated-network.ts), its
 * Dialer adapter and its callback verifier so the three cannot drift. It is shaped like a real voice
 * provider's API: snake_case JSON, an opaque pass-through `ref`, and an HMAC-signed callback.
 */

export const SIMULATED_PROVIDER = 'simulated';
export const SIMULATED_SIGNATURE_HEADER = 'x-simulated-signature';
/** A callback older or newer than this is refused, so a captured one cannot be replayed later. */
export const SIMULATED_SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** Our CallRef as it travels in the provider's pass-through field. */
export const wireRefSchema = z.object({
  workspace_id: z.string().min(1),
  batch_id: z.string().min(1),
  recipient_index: z.number().int().min(0),
  attempt: z.number().int().min(1),
});
export type WireRef = z.infer<typeof wireRefSchema>;

export function refToWire(ref: CallRef): WireRef {
  return {
    workspace_id: ref.workspaceId,
    batch_id: ref.batchId,
    recipient_index: ref.recipientIndex,
    attempt: ref.attempt,
  };
}

export function refFromWire(ref: WireRef): CallRef {
  return {
    workspaceId: ref.workspace_id,
    batchId: ref.batch_id,
    recipientIndex: ref.recipient_index,
    attempt: ref.attempt,
  };
}

const dynamicVarValue = z.union([z.string(), z.number(), z.boolean()]);

export const placeCallRequestSchema = z.object({
  idempotency_key: z.string().min(1).max(256),
  to: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number'),
  from: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number'),
  callback_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  ringing_timeout_ms: z.number().int().positive(),
  agent: z.object({
    id: z.string().min(1),
    first_message: z.string().nullable(),
    prompt: z.string(),
    evaluation_criteria: z.array(z.object({ id: z.string().min(1), description: z.string() })),
    data_collection: z.array(
      z.object({
        id: z.string().min(1),
        type: z.enum(['string', 'number', 'boolean']),
        description: z.string(),
      }),
    ),
  }),
  dynamic_vars: z.record(z.string(), dynamicVarValue),
  /** Opaque to the provider: echoed back in every callback. */
  ref: wireRefSchema.nullable(),
});
export type PlaceCallRequest = z.infer<typeof placeCallRequestSchema>;

export const placeCallResponseSchema = z.object({
  call_id: z.string().min(1),
  status: z.enum(['queued', 'in_progress', 'ended']),
});

export const wireConversationSchema = z.object({
  transcript: z.array(
    z.object({
      role: z.enum(['agent', 'user']),
      message: z.string(),
      time_in_call_secs: z.number().min(0),
    }),
  ),
  evaluations: z.array(
    z.object({
      id: z.string(),
      result: z.enum(['success', 'failure', 'unknown']),
      rationale: z.string(),
    }),
  ),
  data_collection: z.record(
    z.string(),
    z.object({ value: z.union([z.string(), z.number(), z.boolean(), z.null()]), rationale: z.string() }),
  ),
  recording_url: z.string().nullable(),
});
export type WireConversation = z.infer<typeof wireConversationSchema>;

export const callEndedPayloadSchema = z.object({
  type: z.literal('call.ended'),
  call_id: z.string().min(1),
  ref: wireRefSchema.nullable(),
  outcome: z.enum(CALL_OUTCOMES),
  started_at: z.iso.datetime().nullable(),
  ended_at: z.iso.datetime(),
  duration_secs: z.number().min(0),
  error: z.string().nullable(),
  conversation: wireConversationSchema.nullable(),
});
export type CallEndedPayload = z.infer<typeof callEndedPayloadSchema>;

export const SIMULATED_CALL_STATUSES = ['queued', 'in_progress', 'ended'] as const;
export type SimulatedCallStatus = (typeof SIMULATED_CALL_STATUSES)[number];

export const callStateSchema = z.object({
  call_id: z.string().min(1),
  status: z.enum(SIMULATED_CALL_STATUSES),
  /** The callback's payload once the call has ended, null before. */
  result: callEndedPayloadSchema.nullable(),
});
export type CallState = z.infer<typeof callStateSchema>;

export function callEndedEventFromPayload(payload: CallEndedPayload): CallEndedEvent {
  const c = payload.conversation;
  return {
    providerCallId: payload.call_id,
    ref: payload.ref === null ? null : refFromWire(payload.ref),
    outcome: payload.outcome,
    startedAt: payload.started_at,
    endedAt: payload.ended_at,
    durationSecs: payload.duration_secs,
    error: payload.error,
    conversation:
      c === null
        ? null
        : {
            transcript: c.transcript,
            evaluations: c.evaluations,
            dataCollection: c.data_collection,
            recordingUrl: c.recording_url,
          },
  };
}

/** The `X-Simulated-Signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signSimulatedCallback(secret: string, rawBody: string | Buffer, at: Date): string {
  return signTimestampedHmac(secret, rawBody, at, 'v1');
}

/** True when a `v1` signature of the header matches (constant time) and `t` is within the tolerance. */
export function verifySimulatedSignature(
  header: string | undefined,
  secret: string,
  rawBody: Buffer,
  now: Date,
): boolean {
  return verifyTimestampedHmac(header, secret, rawBody, now, {
    version: 'v1',
    toleranceSeconds: SIMULATED_SIGNATURE_TOLERANCE_SECONDS,
  });
}
