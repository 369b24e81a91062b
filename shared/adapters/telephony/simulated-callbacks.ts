import type { CallbackVerifier, CallEndedEvent } from '../../ports/dialer.ts';
import {
  callEndedEventFromPayload,
  callEndedPayloadSchema,
  SIMULATED_PROVIDER,
  SIMULATED_SIGNATURE_HEADER,
  verifySimulatedSignature,
} from './simulated-wire.ts';
import { headerOf } from './provider-http.ts';

/** Thrown by `parse` for a body that is not a simulated callback; the route answers 400 with it. */
export class MalformedCallbackError extends Error {
  constructor(message: string) {
    super(`Malformed simulated callback: ${message}`);
    this.name = 'MalformedCallbackError';
  }
}

/**
 * Reads the simulated network's callbacks. `verify` must pass before `parse` is trusted: it checks the
 * HMAC of `X-Simulated-Signature` in constant time and refuses timestamps more than 5 minutes away
 * from `now`, so forged, tampered and late-replayed callbacks are all refused.
 */
export const simulatedCallbackVerifier: CallbackVerifier = {
  provider: SIMULATED_PROVIDER,

  verify(request, secret, now) {
    return verifySimulatedSignature(
      headerOf(request.headers, SIMULATED_SIGNATURE_HEADER),
      secret,
      request.rawBody,
      now,
    );
  },

  parse(request): CallEndedEvent[] {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new MalformedCallbackError('the body is not JSON');
    }
    // Only the end of a call changes our state; any other event type is progress.
    const type = typeof body === 'object' && body !== null && 'type' in body ? body.type : undefined;
    if (typeof type === 'string' && type !== 'call.ended') return [];
    const parsed = callEndedPayloadSchema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      throw new MalformedCallbackError(issues.join('; '));
    }
    return [callEndedEventFromPayload(parsed.data)];
  },
};
