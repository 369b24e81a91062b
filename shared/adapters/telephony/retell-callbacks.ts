import type { CallbackVerifier, CallEndedEvent, ProviderCallbackRequest } from '../../ports/dialer.ts';
import { RETELL_SIGNATURE_HEADER, verifyRetellSignature } from './retell-signature.ts';
import {
  callEndedFromRetellCall,
  isConnected,
  metadataRef,
  RETELL_PROVIDER,
  retellOutcome,
  retellWebhookSchema,
} from './retell-wire.ts';
import { headerOf } from './provider-http.ts';

/** Thrown by `parse` for a body that is not a Retell webhook; the route answers 400 with it. */
export class MalformedRetellWebhookError extends Error {
  constructor(message: string) {
    super(`Malformed Retell webhook: ${message}`);
    this.name = 'MalformedRetellWebhookError';
  }
}

function bodyOf(request: ProviderCallbackRequest): unknown {
  try {
    return JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Reads Retell's webhooks, signed with the calling number's `api_key`; our ref rides in the call's
 * `metadata`.
 *
 * Which event ends a call: `call_analyzed` carries everything `call_ended` does plus `call_analysis`
 * (evaluations, collected data), and comes after it. So a call that connected ends on
 * `call_analyzed`, and its `call_ended` is progress; a call that never connected has nothing to
 * analyse and ends on `call_ended` at once (a later `call_analyzed` for it finds the recipient ended
 * and changes nothing). Should `call_analyzed` never come, the sweeper's reconciliation (get-call,
 * past the ringing timeout plus the longest call) ends the call with whatever Retell has.
 */
export const retellCallbackVerifier: CallbackVerifier = {
  provider: RETELL_PROVIDER,
  secretCredential: 'api_key',

  locate(request) {
    const body = bodyOf(request);
    if (typeof body !== 'object' || body === null || !('call' in body)) return null;
    const call = body.call;
    if (typeof call !== 'object' || call === null || !('metadata' in call)) return null;
    return metadataRef(call.metadata)?.ref ?? null;
  },

  verify(request, secret, now) {
    return verifyRetellSignature(
      headerOf(request.headers, RETELL_SIGNATURE_HEADER),
      secret,
      request.rawBody,
      now,
    );
  },

  parse(request): CallEndedEvent[] {
    const body = bodyOf(request);
    if (body === undefined) throw new MalformedRetellWebhookError('the body is not JSON');
    const parsed = retellWebhookSchema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      throw new MalformedRetellWebhookError(issues.join('; '));
    }
    const { event, call } = parsed.data;
    if (event === 'call_analyzed') return [callEndedFromRetellCall(call, new Date())];
    if (event === 'call_ended' && !isConnected(retellOutcome(call).outcome)) {
      return [callEndedFromRetellCall(call, new Date())];
    }
    // call_started, transcript_updated, transfer_*, and call_ended of a connected call: progress.
    return [];
  },
};
