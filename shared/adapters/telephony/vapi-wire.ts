import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { CallOutcome } from '../../domain/recipient.ts';
import type { CallEndedEvent, Conversation, EvaluationResult, TranscriptTurn } from '../../ports/dialer.ts';
import { REF_KEY, refFromString } from '../../domain/call-ref.ts';

/**
 * Vapi's wire format, read from Vapi's SDK types (github.com/VapiAI/server-sdk-typescript,
 * `src/api/types/Call.ts`, `ServerMessageEndOfCallReport.ts`, `AssistantOverrides.ts`), shared by
 * the dialer and the callback verifier. The local Vapi of the tests has its own schemas, written
 * from the same sources, so that the two cannot agree on a mistake.
 */

export const VAPI_PROVIDER = 'vapi';
/**
 * Server authentication (docs.vapi.ai/server-url/server-authentication): a "Bearer Token" custom
 * credential sends `Authorization: Bearer <token>` (the default and the recommended one); the legacy
 * inline `secret`, or a Bearer credential with header `X-Vapi-Secret` and no prefix, sends
 * `X-Vapi-Secret: <token>`.
 */
export const VAPI_SECRET_HEADER = 'x-vapi-secret';
export const VAPI_AUTHORIZATION_HEADER = 'authorization';

const messageSchema = z.object({
  role: z.string(),
  message: z.string().nullish(),
  secondsFromStart: z.number().nullish(),
});

const artifactSchema = z.object({
  messages: z.array(messageSchema).nullish(),
  transcript: z.string().nullish(),
  recordingUrl: z.string().nullish(),
});

const analysisSchema = z.object({
  summary: z.string().nullish(),
  structuredData: z.record(z.string(), z.unknown()).nullish(),
  successEvaluation: z.unknown().optional(),
});

/**
 * The Call object (`POST /call` answers it, `GET /call/{id}` returns it, server messages embed it).
 * It has no `metadata` of its own: the caller's data rides in the `assistantOverrides` it was created
 * with ("metadata you want to store"), which the Call keeps.
 */
export const vapiCallSchema = z.object({
  id: z.string().min(1),
  status: z.string().nullish(),
  endedReason: z.string().nullish(),
  startedAt: z.string().nullish(),
  endedAt: z.string().nullish(),
  assistantOverrides: z.object({ metadata: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  artifact: artifactSchema.nullish(),
  analysis: analysisSchema.nullish(),
  // Older calls carry these at the top level instead of under `artifact`.
  messages: z.array(messageSchema).nullish(),
  recordingUrl: z.string().nullish(),
});
export type VapiCall = z.infer<typeof vapiCallSchema>;

/**
 * `ServerMessageEndOfCallReport`. Its `call` is optional in the SDK (chats have none), but a phone
 * call's report names its call, and without it nothing could be settled: a report without one is
 * malformed here.
 */
export const endOfCallReportSchema = z.object({
  type: z.literal('end-of-call-report'),
  endedReason: z.string().nullish(),
  call: vapiCallSchema,
  artifact: artifactSchema.nullish(),
  analysis: analysisSchema.nullish(),
  startedAt: z.string().nullish(),
  endedAt: z.string().nullish(),
  // Older reports carried these at the top level instead of under `artifact`.
  recordingUrl: z.string().nullish(),
  messages: z.array(messageSchema).nullish(),
  timestamp: z.union([z.number(), z.string()]).nullish(),
});

export const serverMessageEnvelopeSchema = z.object({
  message: z.object({ type: z.string() }).loose(),
});

/** Our ref in a Call: `assistantOverrides.metadata`, where the dialer put it. */
export function refOfCall(call: VapiCall) {
  return refFromString(call.assistantOverrides?.metadata?.[REF_KEY]);
}

/** Reasons of a call that connected and ended normally (Vapi's `endedReason` list). */
const CONNECTED_REASONS = new Set([
  'customer-ended-call',
  'assistant-ended-call',
  'assistant-said-end-call-phrase',
  'assistant-ended-call-after-message-spoken',
  'assistant-ended-call-with-hangup-task',
  'assistant-forwarded-call',
  'exceeded-max-duration',
  'silence-timed-out',
  'customer-ended-call-after-warm-transfer-attempt',
]);

/**
 * Our outcome for Vapi's `endedReason` (DESIGN.md §5). `connected` says whether anyone spoke (a
 * transcript or a duration): a pipeline error after the customer answered still ends an answered
 * call, while the same error before anyone answered is a failed one.
 */
export function vapiOutcome(endedReason: string | null | undefined, connected: boolean): CallOutcome {
  const reason = endedReason ?? '';
  if (reason === 'voicemail') return 'voicemail';
  if (reason === 'customer-did-not-answer') return 'no_answer';
  if (reason === 'customer-busy') return 'busy';
  if (reason === 'manually-canceled' && !connected) return 'canceled';
  if (reason.includes('failed-to-connect') || reason.startsWith('call.start.error')) return 'failed';
  if (CONNECTED_REASONS.has(reason)) return 'answered';
  return connected ? 'answered' : 'failed';
}

function evaluation(value: unknown, summary: string | null | undefined): EvaluationResult[] {
  if (value === undefined || value === null || value === '') return [];
  const text = String(value).trim().toLowerCase();
  const result: EvaluationResult['result'] = ['true', 'pass', 'passed', 'success', 'yes'].includes(text)
    ? 'success'
    : ['false', 'fail', 'failed', 'failure', 'no'].includes(text)
      ? 'failure'
      : 'unknown';
  const rationale = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  return [{ id: 'success_evaluation', result, rationale: summary ?? rationale }];
}

function primitive(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

function conversationOf(
  messages: z.infer<typeof messageSchema>[],
  analysis: z.infer<typeof analysisSchema> | null | undefined,
  recordingUrl: string | null,
): Conversation {
  const transcript: TranscriptTurn[] = [];
  for (const m of messages) {
    const role = m.role === 'bot' || m.role === 'assistant' ? 'agent' : m.role === 'user' ? 'user' : null;
    if (role === null || !m.message) continue;
    transcript.push({ role, message: m.message, time_in_call_secs: Math.max(0, m.secondsFromStart ?? 0) });
  }
  const dataCollection: Conversation['dataCollection'] = {};
  for (const [id, value] of Object.entries(analysis?.structuredData ?? {}))
    dataCollection[id] = { value: primitive(value), rationale: '' };
  return {
    transcript,
    evaluations: evaluation(analysis?.successEvaluation, analysis?.summary),
    dataCollection,
    recordingUrl,
  };
}

function isoOrNull(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export interface EndedCallParts {
  call: VapiCall;
  endedReason: string | null | undefined;
  startedAt: string | null | undefined;
  endedAt: string | null | undefined;
  messages: z.infer<typeof messageSchema>[];
  analysis: z.infer<typeof analysisSchema> | null | undefined;
  recordingUrl: string | null | undefined;
}

export function endedEvent(parts: EndedCallParts, now: Date): CallEndedEvent {
  const startedAt = isoOrNull(parts.startedAt);
  const endedAt = isoOrNull(parts.endedAt) ?? now.toISOString();
  // Vapi documents no duration in a report or a Call: it is the time between start and end.
  const duration = startedAt === null ? 0 : Math.max(0, (Date.parse(endedAt) - Date.parse(startedAt)) / 1000);
  const spoke = parts.messages.some((m) => (m.role === 'user' || m.role === 'bot') && !!m.message);
  const outcome = vapiOutcome(parts.endedReason, spoke || duration > 0);
  const connected = outcome === 'answered' || outcome === 'voicemail';
  return {
    providerCallId: parts.call.id,
    ref: refOfCall(parts.call),
    outcome,
    startedAt: connected ? startedAt : null,
    endedAt,
    durationSecs: connected ? Math.round(duration) : 0,
    error: connected ? null : `Vapi ended the call: ${parts.endedReason ?? 'no reason given'}`,
    conversation: connected
      ? conversationOf(parts.messages, parts.analysis, parts.recordingUrl ?? null)
      : null,
  };
}

export function endedEventOfReport(report: z.infer<typeof endOfCallReportSchema>, now: Date): CallEndedEvent {
  const artifact = report.artifact ?? report.call.artifact;
  return endedEvent(
    {
      call: report.call,
      endedReason: report.endedReason ?? report.call.endedReason,
      startedAt: report.startedAt ?? report.call.startedAt,
      endedAt: report.endedAt ?? report.call.endedAt,
      messages: artifact?.messages ?? report.messages ?? report.call.messages ?? [],
      analysis: report.analysis ?? report.call.analysis,
      recordingUrl: artifact?.recordingUrl ?? report.recordingUrl ?? report.call.recordingUrl,
    },
    now,
  );
}

export function endedEventOfCall(call: VapiCall, now: Date): CallEndedEvent {
  return endedEvent(
    {
      call,
      endedReason: call.endedReason,
      startedAt: call.startedAt,
      endedAt: call.endedAt,
      messages: call.artifact?.messages ?? call.messages ?? [],
      analysis: call.analysis,
      recordingUrl: call.artifact?.recordingUrl ?? call.recordingUrl,
    },
    now,
  );
}

/** Constant-time equality of the header's secret with the number's, whatever their lengths. */
export function verifyVapiSecret(header: string | undefined, secret: string): boolean {
  if (header === undefined || header === '' || secret === '') return false;
  // Hashing first gives equal lengths, so timingSafeEqual reveals nothing about the length either.
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(header), digest(secret));
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S.*)$/i.exec(header?.trim() ?? '');
  return match?.[1];
}

/**
 * Whether a server message carries the number's secret the way Vapi sends it: `X-Vapi-Secret:
 * <secret>` or `Authorization: Bearer <secret>`. At least one must be present, and every one present
 * must match (a right secret in one header does not excuse a wrong one in the other).
 */
export function verifyVapiServerAuth(
  legacyHeader: string | undefined,
  authorizationHeader: string | undefined,
  secret: string,
): boolean {
  if (legacyHeader === undefined && authorizationHeader === undefined) return false;
  if (legacyHeader !== undefined && !verifyVapiSecret(legacyHeader, secret)) return false;
  if (authorizationHeader !== undefined && !verifyVapiSecret(bearerToken(authorizationHeader), secret))
    return false;
  return true;
}
