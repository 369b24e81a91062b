import type { EvaluationCriterion, DataCollectionField, AgentTelephony } from '../domain/agent.ts';
import type { CallRef } from '../domain/call-ref.ts';
import type { Conversation } from '../domain/conversation.ts';
import type { CallOutcome, DynamicVars } from '../domain/recipient.ts';

export type { CallRef } from '../domain/call-ref.ts';
export type { Conversation, EvaluationResult, TranscriptTurn } from '../domain/conversation.ts';

/**
 * The telephony port (DESIGN.md §5). An adapter places calls through one provider and reads that
 * provider's callbacks. Our recipient reference rides in the provider's pass-through field (callback
 * URL query, metadata or dynamic variables; domain/call-ref.ts) so that a callback finds its recipient.
 */

export interface PlaceCallInput {
  ref: CallRef;
  recipientId: string;
  /** Our idempotency key for this attempt: a provider that honours one never places it twice. */
  idempotencyKey: string;
  to: string;
  from: string;
  phoneNumberId: string;
  /** The provider's credentials, read from the secret store (null for `simulated`). */
  credentials: Record<string, string> | null;
  agent: {
    id: string;
    /** Already rendered with the recipient's variables: never a literal `{{key}}`. */
    prompt: string;
    firstMessage: string | null;
    evaluationCriteria: EvaluationCriterion[];
    dataCollection: DataCollectionField[];
    telephony: AgentTelephony;
  };
  dynamicVars: DynamicVars;
  ringingTimeoutMs: number;
  /** Where the provider must post its callbacks (our provider-events route, with the ref in the query). */
  callbackUrl: string;
}

export type PlaceCallResult =
  | { kind: 'placed'; providerCallId: string }
  /**
   * The provider refused the call for good: a bad number fails the recipient; refused credentials
   * (`credentialsRefused`, HTTP 401/403) pause the batch instead (`provider_auth`).
   */
  | { kind: 'rejected'; error: string; credentialsRefused?: boolean }
  /** The provider asked us to slow down: retry later without counting an attempt. */
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  /** We do not know whether the call was placed (timeout after sending): never re-dial blindly. */
  | { kind: 'unknown'; error: string };

/** A provider callback, normalised. Only the end of a call changes our state. */
export interface CallEndedEvent {
  providerCallId: string;
  ref: CallRef | null;
  outcome: CallOutcome;
  startedAt: string | null;
  endedAt: string;
  durationSecs: number;
  error: string | null;
  conversation: Conversation | null;
}

export interface ProviderCallbackRequest {
  /** The full URL the provider called, as it saw it (signatures may cover it). */
  url: string;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface Dialer {
  readonly provider: string;
  /**
   * Every callback of this provider names our ref (in the callback URL's query, which we set, or in
   * the call's metadata, which the provider echoes in every message), so a placed call needs no call
   * index to be found: one write less per call. A callback that arrives without it finds no call and
   * is refused; the sweeper settles such a call through `getCall`.
   */
  readonly callbacksCarryRef?: boolean;
  placeCall(input: PlaceCallInput): Promise<PlaceCallResult>;
  /** Reconciliation for the sweeper when a callback never came; null when the call is still live. */
  getCall?(
    providerCallId: string,
    credentials: Record<string, string> | null,
  ): Promise<CallEndedEvent | null>;
}

export interface CallbackVerifier {
  readonly provider: string;
  /**
   * Which credential of the calling phone number signs this provider's callbacks (Twilio's
   * `auth_token`, ElevenLabs' `webhook_secret`, Retell's `api_key`, …). Absent for a provider whose
   * secret is not per number (the simulated network's comes from the environment).
   */
  readonly secretCredential?: string;
  /**
   * An unverified hint of the call a callback is about (our ref from the callback URL's query or
   * the provider's pass-through field), used only to find the secret that must then verify it.
   */
  locate?(request: ProviderCallbackRequest): CallRef | null;
  /**
   * The provider's call id a callback names (unverified), for callbacks that carry no ref of ours
   * (ElevenLabs' call_initiation_failure): the call index then finds the recipient and its number.
   */
  callId?(request: ProviderCallbackRequest): string | null;
  /** True only for an authentic, fresh callback (forged or replayed ones are refused). */
  verify(request: ProviderCallbackRequest, secret: string, now: Date): boolean;
  /** Events that end a call; progress events (ringing, answered) give []. */
  parse(request: ProviderCallbackRequest): CallEndedEvent[];
}
