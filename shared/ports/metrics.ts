import type { CallOutcome } from '../domain/recipient.ts';

/**
 * The operational figures an operator watches (docs/deploy.md, "Metrics"). Use cases and the
 * functions record through this port; the Powertools adapter (shared/adapters/metrics/) writes them
 * as CloudWatch embedded metric format lines to stdout, and nothing else knows how.
 */

/** A provider's answer that is not a placed call: 429, a refusal (4xx), or unknown (5xx, timeout, unreachable). */
export type ProviderErrorKind = 'rate_limited' | 'rejected' | 'unknown';

/** A webhook delivery attempt by its answer's class; `timeout` and `unreachable` got none. */
export type WebhookResultClass = '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'unreachable';

export interface OperationalMetrics {
  /** A call ended with this outcome (counted once: by the write that ended it). */
  callEnded(outcome: CallOutcome): void;
  /** From the dial message being sent (a call's end hands its slot over by sending it) to the next call placed. */
  handOverMs(ms: number): void;
  providerError(provider: string, kind: ProviderErrorKind): void;
  webhookResult(result: WebhookResultClass): void;
  /** Writes what was recorded (the functions call it at the end of every invocation). */
  flush(): void;
}

/** For code paths and tests that record nothing. */
export const NO_METRICS: OperationalMetrics = {
  callEnded: () => undefined,
  handOverMs: () => undefined,
  providerError: () => undefined,
  webhookResult: () => undefined,
  flush: () => undefined,
};
