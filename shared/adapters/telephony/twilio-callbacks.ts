import { refFromQuery } from '../../domain/call-ref.ts';
import type { CallbackVerifier, CallEndedEvent } from '../../ports/dialer.ts';
import { formParams, TWILIO_SIGNATURE_HEADER, validateTwilioSignature } from './twilio-signature.ts';
import { callEndedFromStatusCallback, TWILIO_PROVIDER } from './twilio-wire.ts';
import { headerOf } from './provider-http.ts';

/** Thrown by `parse` for a body that is not a Twilio status callback; the route answers 400 with it. */
export class MalformedTwilioCallbackError extends Error {
  constructor(message: string) {
    super(`Malformed Twilio status callback: ${message}`);
    this.name = 'MalformedTwilioCallbackError';
  }
}

/**
 * Reads Twilio's status callbacks. Our ref rides in the StatusCallback URL's query (`?ws&batch&r&a`),
 * which Twilio signs with the rest, so `locate` can read it before verification and `parse` can
 * trust it after. The signing secret is the calling number's `auth_token`.
 *
 * Twilio's signature has no timestamp, so a captured callback could be replayed; that is harmless:
 * it names one attempt of one recipient, and an attempt that has ended ignores another end.
 */
export const twilioCallbackVerifier: CallbackVerifier = {
  provider: TWILIO_PROVIDER,
  secretCredential: 'auth_token',

  locate(request) {
    return refFromQuery(request.url);
  },

  verify(request, secret) {
    return validateTwilioSignature(
      secret,
      headerOf(request.headers, TWILIO_SIGNATURE_HEADER),
      request.url,
      formParams(request.rawBody),
    );
  },

  parse(request): CallEndedEvent[] {
    try {
      const ended = callEndedFromStatusCallback(
        formParams(request.rawBody),
        refFromQuery(request.url),
        new Date(),
      );
      // initiated, ringing and answered are progress: only the final status ends a call.
      return ended ? [ended] : [];
    } catch (error) {
      throw new MalformedTwilioCallbackError(error instanceof Error ? error.message : String(error));
    }
  },
};
