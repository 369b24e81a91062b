import type {
  CallbackVerifier,
  CallEndedEvent,
  CallRef,
  ProviderCallbackRequest,
} from '../../ports/dialer.ts';
import { REF_KEY, refFromString } from '../../domain/call-ref.ts';
import { headerOf } from './provider-http.ts';
import {
  conversationSchema,
  ELEVENLABS_PROVIDER,
  ELEVENLABS_SIGNATURE_HEADER,
  endedEventOfConversation,
  failureDataSchema,
  failureEvent,
  verifyElevenLabsSignature,
  webhookEnvelopeSchema,
} from './elevenlabs-wire.ts';

/** Thrown by `parse` for a body that is not an ElevenLabs webhook; the route answers 400 with it. */
export class MalformedElevenLabsCallbackError extends Error {
  constructor(message: string) {
    super(`Malformed ElevenLabs webhook: ${message}`);
    this.name = 'MalformedElevenLabsCallbackError';
  }
}

function json(request: ProviderCallbackRequest): unknown {
  try {
    return JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
}

function dataOf(body: unknown): Record<string, unknown> | null {
  if (typeof body !== 'object' || body === null || !('data' in body)) return null;
  const data = body.data;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : null;
}

export interface ElevenLabsCallbackVerifier extends CallbackVerifier {
  /**
   * The conversation a webhook is about (unverified). A `call_initiation_failure` carries no dynamic
   * variables, so `locate` cannot name our ref; the call we recorded under this id can.
   */
  callId(request: ProviderCallbackRequest): string | null;
}

/**
 * Reads ElevenLabs' post-call webhooks, signed with the workspace's HMAC webhook secret (the number's
 * `webhook_secret` credential): `post_call_transcription` ends a connected call with its transcript,
 * evaluation criteria and data collection; `call_initiation_failure` ends one that never connected
 * (busy, no-answer, unknown); `post_call_audio` and other types change nothing.
 */
export const elevenLabsCallbackVerifier: ElevenLabsCallbackVerifier = {
  provider: ELEVENLABS_PROVIDER,
  secretCredential: 'webhook_secret',

  locate(request): CallRef | null {
    const data = dataOf(json(request));
    const client = data?.conversation_initiation_client_data;
    if (typeof client !== 'object' || client === null || !('dynamic_variables' in client)) return null;
    const vars = client.dynamic_variables;
    if (typeof vars !== 'object' || vars === null || !(REF_KEY in vars)) return null;
    return refFromString((vars as Record<string, unknown>)[REF_KEY]);
  },

  callId(request) {
    const id = dataOf(json(request))?.conversation_id;
    return typeof id === 'string' && id !== '' ? id : null;
  },

  verify(request, secret, now) {
    return verifyElevenLabsSignature(
      headerOf(request.headers, ELEVENLABS_SIGNATURE_HEADER),
      secret,
      request.rawBody,
      now,
    );
  },

  parse(request): CallEndedEvent[] {
    const body = json(request);
    if (body === undefined) throw new MalformedElevenLabsCallbackError('the body is not JSON');
    const envelope = webhookEnvelopeSchema.safeParse(body);
    if (!envelope.success) throw new MalformedElevenLabsCallbackError('no type or data');
    const { type, data, event_timestamp: at } = envelope.data;
    const now = new Date();
    if (type === 'post_call_transcription') {
      const parsed = conversationSchema.safeParse(data);
      if (!parsed.success) throw new MalformedElevenLabsCallbackError(issues(parsed.error.issues));
      return [endedEventOfConversation(parsed.data, now)];
    }
    if (type === 'call_initiation_failure') {
      const parsed = failureDataSchema.safeParse(data);
      if (!parsed.success) throw new MalformedElevenLabsCallbackError(issues(parsed.error.issues));
      return [failureEvent(parsed.data, at, now)];
    }
    return [];
  },
};

function issues(list: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return list.map((i) => `data.${i.path.map(String).join('.')}: ${i.message}`).join('; ');
}
