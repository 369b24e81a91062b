import type { Dialer } from '../../ports/dialer.ts';
import type { OperationalMetrics, WebhookResultClass } from '../../ports/metrics.ts';
import type { CallEnd, RunStore } from '../../ports/run-store.ts';
import type { WebhookSender, WebhookSendResult } from '../../ports/webhook-sender.ts';

/**
 * The run's ports with their outcomes recorded (shared/ports/metrics.ts). The functions' composition
 * wraps the ports it gives the use cases, so each figure is counted at the one place that knows it
 * (the write that ends a call, the provider's answer, the receiver's answer) and the use cases stay
 * as they are.
 */

/** Call outcomes, counted by the write that ends the attempt (a repeated end is not counted again). */
export function meteredRunStore(runStore: RunStore, metrics: OperationalMetrics): RunStore {
  // Both end writes: the outcome counts once the write says it ended the attempt.
  async function counted<R>(end: CallEnd, write: Promise<R>, ended: (result: R) => boolean): Promise<R> {
    const result = await write;
    if (ended(result)) metrics.callEnded(end.outcome);
    return result;
  }
  return {
    ...runStore,
    endCall: (ref, end, options) => counted(end, runStore.endCall(ref, end, options), (ended) => ended),
    endCallAndPass: (ref, end, options) =>
      counted(end, runStore.endCallAndPass(ref, end, options), (result) => result.ended),
  };
}

/** Every provider answer that is not a placed call, by provider and kind (429, refused, unknown). */
export function meteredDialerFor(
  dialerFor: (provider: string) => Dialer | undefined,
  metrics: OperationalMetrics,
): (provider: string) => Dialer | undefined {
  const wrapped = new Map<string, Dialer>();
  return (provider) => {
    const dialer = dialerFor(provider);
    if (!dialer) return undefined;
    const known = wrapped.get(provider);
    if (known) return known;
    const metered: Dialer = {
      ...dialer,
      async placeCall(input) {
        const result = await dialer.placeCall(input);
        if (result.kind !== 'placed') metrics.providerError(dialer.provider, result.kind);
        return result;
      },
    };
    wrapped.set(provider, metered);
    return metered;
  };
}

export function webhookResultClass(result: WebhookSendResult): WebhookResultClass {
  const status = result.statusCode;
  if (status === null) return /timed out/.test(result.error ?? '') ? 'timeout' : 'unreachable';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

/** Every delivery attempt by its answer's class. */
export function meteredWebhookSender(send: WebhookSender, metrics: OperationalMetrics): WebhookSender {
  return async (request) => {
    const result = await send(request);
    metrics.webhookResult(webhookResultClass(result));
    return result;
  };
}
