import type {
  CallbackVerifier,
  CallEndedEvent,
  CallRef,
  ProviderCallbackRequest,
} from '../../ports/dialer.ts';
import { REF_KEY, refFromString } from './call-ref-codec.ts';
import { headerOf } from './provider-http.ts';
import {
  endedEventOfReport,
  endOfCallReportSchema,
  serverMessageEnvelopeSchema,
  VAPI_PROVIDER,
  VAPI_SECRET_HEADER,
  verifyVapiSecret,
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

/**
 * Reads Vapi's server messages. They authenticate with the server URL's secret, sent as
 * `x-vapi-secret` and compared in constant time with the number's `webhook_secret` credential. A
 * number without that credential has no way to authenticate a message, so every message about its
 * calls is refused (no secret is found) and its calls are settled by reconciliation instead
 * (`GET /call/{id}`, once the sweeper finds them past their longest duration).
 * Only `end-of-call-report` changes our state; status updates, transcripts and the rest give [].
 */
export const vapiCallbackVerifier: CallbackVerifier = {
  provider: VAPI_PROVIDER,
  secretCredential: 'webhook_secret',

  locate(request): CallRef | null {
    const body = json(request);
    if (typeof body !== 'object' || body === null || !('message' in body)) return null;
    const message = body.message;
    if (typeof message !== 'object' || message === null || !('call' in message)) return null;
    const call = message.call;
    if (typeof call !== 'object' || call === null || !('metadata' in call)) return null;
    const metadata = call.metadata;
    if (typeof metadata !== 'object' || metadata === null || !(REF_KEY in metadata)) return null;
    return refFromString((metadata as Record<string, unknown>)[REF_KEY]);
  },

  verify(request, secret) {
    return verifyVapiSecret(headerOf(request.headers, VAPI_SECRET_HEADER), secret);
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
