import {
  afterAttempt,
  endpointKeyOf,
  gate,
  MAX_HOLD_MS,
  PROBE_LEASE_MS,
  SLOW_ATTEMPT_MS,
  waitUntil,
  type EndpointHealth,
} from '../../domain/endpoint-breaker.ts';
import type { OutboxRecord } from '../../domain/outbox.ts';
import { MAX_QUEUE_DELAY_SECONDS, type WebhookMessage } from '../../ports/queues.ts';
import type { EndpointRef } from '../../ports/run-store.ts';
import type { RunDeps } from './run-deps.ts';
import type { EndpointCache } from './webhook-endpoints.ts';

/**
 * The circuit breaker around one delivery attempt (rules: shared/domain/endpoint-breaker.ts; why:
 * docs/webhooks.md). Before the claim, `passBreaker` decides whether the attempt goes out; a held
 * delivery is moved to a later due time (no attempt logged) and rides a delayed message, so an open
 * endpoint costs a few milliseconds of a consumer per held event instead of a 15 s timeout. Around
 * the send, `watchSlow` marks a closed endpoint half-open as soon as an attempt outlasts
 * SLOW_ATTEMPT_MS (the next deliveries to it go one at a time, not after the 15 s timeout), and
 * `settleBreaker` stores what the attempt taught. The breaker's writes are advisory: one that fails
 * is logged and the delivery goes on. Each write (and a probe lost to another worker), once done, drops
 * the container's cached view of the endpoint (./webhook-endpoints.ts): the next delivery reads it again.
 */

type BreakerDeps = Pick<RunDeps, 'runStore' | 'webhookQueue' | 'clock' | 'random' | 'logger'> & {
  endpoints: EndpointCache;
};

export type Pass =
  /** Send; `probe` when this attempt holds the endpoint's probe lease. */
  | { kind: 'send'; ref: EndpointRef; urlKey: string; probe: boolean; wasClosed: boolean }
  /** Held back to a later time: nothing more to do with this message. */
  | { kind: 'held' }
  /** Held back longer than the retry schedule lasts: give it up. */
  | { kind: 'expired' }
  /** The record moved on meanwhile (another worker logged an attempt). */
  | { kind: 'moved' };

export async function passBreaker(
  deps: BreakerDeps,
  message: WebhookMessage,
  record: OutboxRecord,
  url: string,
  endpoint: EndpointHealth | null,
  now: Date,
  claim: { manual: boolean; until: string },
): Promise<Pass> {
  const ref = { workspaceId: record.workspaceId, agentId: record.agentId };
  const urlKey = endpointKeyOf(url);
  const nowMs = now.getTime();
  const decision = gate(endpoint, urlKey, nowMs);
  if (decision.kind === 'send') return { kind: 'send', ref, urlKey, probe: false, wasClosed: true };
  let untilMs: number;
  if (decision.kind === 'probe') {
    const taken = await deps.runStore.takeEndpointProbe(ref, urlKey, {
      fresh: decision.fresh,
      nowMs,
      untilMs: nowMs + PROBE_LEASE_MS,
    });
    // Taken or not, the state is not what this container saw any more.
    deps.endpoints.forget(ref);
    if (taken) return { kind: 'send', ref, urlKey, probe: true, wasClosed: false };
    untilMs = nowMs;
  } else {
    untilMs = decision.untilMs;
  }
  // A user's redelivery is never given up: they asked for it after the schedule ended.
  if (!claim.manual && nowMs - Date.parse(record.createdAt) > MAX_HOLD_MS) return { kind: 'expired' };
  const at = waitUntil(untilMs, nowMs, deps.random);
  if (!(await deps.runStore.holdDelivery(record, new Date(at).toISOString(), claim.until))) {
    return { kind: 'moved' };
  }
  // Later than SQS can delay a message: the record is due in the index, the sweeper queues it then.
  const delaySeconds = Math.ceil((at - nowMs) / 1000);
  if (delaySeconds <= MAX_QUEUE_DELAY_SECONDS) await deps.webhookQueue.send([message], { delaySeconds });
  return { kind: 'held' };
}

/**
 * Starts watching a send to a closed endpoint: if it is still running after SLOW_ATTEMPT_MS, the
 * endpoint goes half-open at once. `stop` ends the watch and waits for that write if it started.
 */
export function watchSlow(
  deps: BreakerDeps,
  pass: Extract<Pass, { kind: 'send' }>,
): { stop(): Promise<void> } {
  if (!pass.wasClosed) return { stop: async () => undefined };
  let marking: Promise<void> | null = null;
  const timer = setTimeout(() => {
    marking = deps.runStore
      .setEndpointState(pass.ref, pass.urlKey, {
        openUntil: deps.clock().getTime(),
        resetFailures: false,
        endsProbe: false,
        onlyIfClosed: true,
      })
      .then(() => deps.endpoints.forget(pass.ref))
      .catch((error: unknown) => deps.logger.warn('could not mark a webhook endpoint slow', { error }));
  }, SLOW_ATTEMPT_MS);
  return {
    async stop() {
      clearTimeout(timer);
      await marking;
    },
  };
}

/** Stores what one attempt says about its endpoint (a write only when its state changes). */
export async function settleBreaker(
  deps: BreakerDeps,
  pass: Extract<Pass, { kind: 'send' }>,
  outcome: { answered: boolean; durationMs: number },
): Promise<void> {
  try {
    let failures = 0;
    if (!outcome.answered) {
      const counted = await deps.runStore.countEndpointFailure(pass.ref, pass.urlKey);
      deps.endpoints.forget(pass.ref);
      // The agent's URL changed meanwhile: this outcome says nothing about the new one.
      if (counted === null) return;
      failures = counted;
    }
    const next = afterAttempt(outcome, { failures, wasClosed: pass.wasClosed }, deps.clock().getTime());
    if (next === null && !pass.probe) return;
    await deps.runStore.setEndpointState(pass.ref, pass.urlKey, {
      openUntil: next ? next.openUntil : null,
      resetFailures: next?.resetFailures ?? true,
      endsProbe: pass.probe,
    });
    deps.endpoints.forget(pass.ref);
  } catch (error) {
    deps.logger.warn('could not record a webhook endpoint state', { error });
  }
}
