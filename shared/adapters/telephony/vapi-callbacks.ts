import type {
  CallbackVerifier,
  CallEndedEvent,
  CallRef,
  ProviderCallbackRequest,
} from '../../ports/dialer.ts';
import { headerOf } from './provider-http.ts';
import {
  endedEventOfReport,
  endOfCallReportSchema,
  refOfCall,
  serverMessageEnvelopeSchema,
  VAPI_AUTHORIZATION_HEADER,
  VAPI_PROVIDER,
  VAPI_SECRET_HEADER,
  vapiCallSchema,
  verifyVapiServerAuth,
} from './vapi-wire.ts';

/** Thrown by `parse` for a body that is not a Vapi server message; the route answers 400 with it. */
export class MalformedVapiCallbackError extends Error {
  constructor(message: string) {
    super(`Malformed Vapi server message: ${message}`);
    this.name = 'MalformedVapiCallbackError';
  }
}

function json(request: ProviderCallbackRequest): unknown {
  try {
    return JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** `message.call` of a server message, when it is a Call with an id (unverified). */
function callOf(request: ProviderCallbackRequest) {
  const envelope = serverMessageEnvelopeSchema.safeParse(json(request));
  if (!envelope.success) return null;
  return vapiCallSchema.safeParse(envelope.data.message.call).data ?? null;
}

/**
 * Reads Vapi's server messages (`{message: {type, call, …}}`). They authenticate with the server
 * credential's token, sent as `Authorization: Bearer <token>` (Vapi's Bearer Token credential) or
 * `X-Vapi-Secret: <token>` (the legacy secret), compared in constant time with the number's
 * `webhook_secret` credential. A number without that credential has no way to authenticate a message,
 * so every message about its calls is refused (no secret is found) and its calls are settled by
 * reconciliation instead (`GET /call/{id}`, once the sweeper finds them past their longest duration).
 *
 * The call is found from our ref in `call.assistantOverrides.metadata` (where the dialer put it) or,
 * failing that, from `call.id` through a call index (none is written for Vapi calls any more: the ref
 * is in every message; an older call's index still finds it). Only `end-of-call-report`
 * changes our state; status updates, transcripts and the rest give [].
 */
export const vapiCallbackVerifier: CallbackVerifier = {
  provider: VAPI_PROVIDER,
  secretCredential: 'webhook_secret',

  locate(request): CallRef | null {
    const call = callOf(request);
    return call ? refOfCall(call) : null;
  },

  callId(request): string | null {
    return callOf(request)?.id ?? null;
  },

  verify(request, secret) {
    return verifyVapiServerAuth(
      headerOf(request.headers, VAPI_SECRET_HEADER),
      headerOf(request.headers, VAPI_AUTHORIZATION_HEADER),
      secret,
    );
  },

  parse(request): CallEndedEvent[] {
    const body = json(request);
    if (body === undefined) throw new MalformedVapiCallbackError('the body is not JSON');
    const envelope = serverMessageEnvelopeSchema.safeParse(body);
    if (!envelope.success) throw new MalformedVapiCallbackError('no message.type');
    if (envelope.data.message.type !== 'end-of-call-report') return [];
    const report = endOfCallReportSchema.safeParse(envelope.data.message);
    if (!report.success) {
      const issues = report.error.issues.map((i) => `message.${i.path.map(String).join('.')}: ${i.message}`);
      throw new MalformedVapiCallbackError(issues.join('; '));
    }
    return [endedEventOfReport(report.data, new Date())];
  },
};
