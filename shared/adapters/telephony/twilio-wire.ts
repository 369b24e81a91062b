import * as z from 'zod';
import type { CallOutcome } from '../../domain/recipient.ts';
import type { CallEndedEvent, CallRef } from '../../ports/dialer.ts';

/**
 * Twilio Programmable Voice as seen on the wire: the Call resource
 * (`/2010-04-01/Accounts/{AccountSid}/Calls[/{CallSid}].json`), its error body, the status callback's
 * parameters, and how a final call status maps to our outcome (DESIGN.md §5).
 */

export const TWILIO_PROVIDER = 'twilio';
export const TWILIO_API_BASE_URL_DEFAULT = 'https://api.twilio.com';
export const TWILIO_API_VERSION = '2010-04-01';

export const TWILIO_CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const;
export type TwilioCallStatus = (typeof TWILIO_CALL_STATUSES)[number];

const FINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

export function isFinalTwilioStatus(status: string): boolean {
  return FINAL_STATUSES.has(status);
}

/** The fields of a Call resource we read (Twilio sends many more). */
export const twilioCallResourceSchema = z.object({
  sid: z.string().min(1),
  status: z.enum(TWILIO_CALL_STATUSES),
  start_time: z.string().nullish(),
  end_time: z.string().nullish(),
  /** Seconds, as a string, once the call has ended. */
  duration: z.union([z.string(), z.number()]).nullish(),
  answered_by: z.string().nullish(),
});
export type TwilioCallResource = z.infer<typeof twilioCallResourceSchema>;

/** Twilio's error body: `{code, message, more_info, status}`. */
export const twilioErrorSchema = z.object({
  code: z.number().nullish(),
  message: z.string().nullish(),
  more_info: z.string().nullish(),
  status: z.number().nullish(),
});
export type TwilioError = z.infer<typeof twilioErrorSchema>;

/** Twilio's "Too Many Requests" error code (with HTTP 429). */
export const TWILIO_TOO_MANY_REQUESTS = 20429;

/**
 * A final call status as our outcome. With `MachineDetection=Enable`, a call a machine answered is
 * `completed` with `AnsweredBy` `machine_*`: a voicemail. A fax is no conversation at all.
 */
export function twilioOutcome(
  status: string,
  answeredBy: string | null | undefined,
): { outcome: CallOutcome; error: string | null } | null {
  switch (status) {
    case 'completed':
      if (answeredBy?.startsWith('machine')) return { outcome: 'voicemail', error: null };
      if (answeredBy === 'fax') return { outcome: 'failed', error: 'A fax machine answered the call.' };
      return { outcome: 'answered', error: null };
    case 'busy':
      return { outcome: 'busy', error: 'The line was busy.' };
    case 'no-answer':
      return { outcome: 'no_answer', error: 'Nobody answered within the ringing timeout.' };
    case 'failed':
      return { outcome: 'failed', error: 'Twilio could not connect the call.' };
    case 'canceled':
      return { outcome: 'canceled', error: 'The call was canceled before it connected.' };
    default:
      return null;
  }
}

/** Twilio's dates are RFC 2822 (`Tue, 10 Aug 2010 08:02:17 +0000`); ours are ISO 8601. */
export function isoFromTwilioDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function seconds(value: string | number | null | undefined): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : 0;
}

/** A Call resource in a final status as our event; null while the call is still live. */
export function callEndedFromResource(call: TwilioCallResource, now: Date): CallEndedEvent | null {
  const mapped = twilioOutcome(call.status, call.answered_by);
  if (!mapped) return null;
  const connected = mapped.outcome === 'answered' || mapped.outcome === 'voicemail';
  return {
    providerCallId: call.sid,
    ref: null,
    outcome: mapped.outcome,
    startedAt: connected ? isoFromTwilioDate(call.start_time) : null,
    endedAt: isoFromTwilioDate(call.end_time) ?? now.toISOString(),
    durationSecs: connected ? seconds(call.duration) : 0,
    error: mapped.error,
    // The conversation happens in the agent runtime behind the TwiML URL; Twilio has no transcript.
    conversation: null,
  };
}

/** A status callback's parameters (first value of each) as our event; null for progress events. */
export function callEndedFromStatusCallback(
  params: Map<string, string[]>,
  ref: CallRef | null,
  now: Date,
): CallEndedEvent | null {
  const get = (name: string) => params.get(name)?.[0];
  const callSid = get('CallSid');
  const status = get('CallStatus');
  if (!callSid) throw new Error('CallSid is missing');
  if (!status) throw new Error('CallStatus is missing');
  if (!(TWILIO_CALL_STATUSES as readonly string[]).includes(status)) {
    throw new Error(`CallStatus ${status} is not a Twilio call status`);
  }
  const mapped = twilioOutcome(status, get('AnsweredBy'));
  if (!mapped) return null;
  const connected = mapped.outcome === 'answered' || mapped.outcome === 'voicemail';
  const endedAt = isoFromTwilioDate(get('Timestamp')) ?? now.toISOString();
  const duration = connected ? seconds(get('CallDuration')) : 0;
  return {
    providerCallId: callSid,
    ref,
    outcome: mapped.outcome,
    startedAt: connected ? new Date(Date.parse(endedAt) - duration * 1000).toISOString() : null,
    endedAt,
    durationSecs: duration,
    error: mapped.error,
    conversation: null,
  };
}
