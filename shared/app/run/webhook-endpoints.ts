import type { Agent } from '../../domain/agent.ts';
import { boundedCache } from '../../domain/bounded-cache.ts';
import type { EndpointHealth } from '../../domain/endpoint-breaker.ts';
import type { EndpointRef } from '../../ports/run-store.ts';

/**
 * What a container remembers of each webhook endpoint between deliveries: the agent's webhook
 * settings and the endpoint's circuit breaker. A delivery to an endpoint seen within
 * ENDPOINT_CACHE_MS reads neither (its claim is then its only read: docs/webhooks.md, "Requests per
 * delivery"). The bound is what another container's change costs: a breaker opened elsewhere, a
 * changed URL or a rotated secret is seen here within it. This container's own breaker writes drop
 * its entry at once, so the next delivery here reads the state it just wrote.
 */
export const ENDPOINT_CACHE_MS = 5_000;

/** Enough for every endpoint one container delivers to within the bound; the oldest goes first. */
const MAX_ENTRIES = 1_000;

/** The part of the agent a delivery uses (not its prompt: an agent item may be ≈ 285 KB). */
export type WebhookSettings = Pick<Agent, 'webhookUrl' | 'webhookSecrets'>;

export interface EndpointView {
  /** Null when the agent no longer exists. */
  settings: WebhookSettings | null;
  /** Null before the endpoint's first delivery. */
  health: EndpointHealth | null;
}

export interface EndpointCache {
  /** The endpoint as read less than ENDPOINT_CACHE_MS ago, or undefined. */
  get(ref: EndpointRef, nowMs: number): EndpointView | undefined;
  put(ref: EndpointRef, view: EndpointView, nowMs: number): void;
  /** After a write to the endpoint's breaker: the next delivery reads it again. */
  forget(ref: EndpointRef): void;
  /**
   * One read for the deliveries of an endpoint that miss at once (a batch of them in one invocation,
   * run in parallel): the first one's `load`, the others wait for it.
   */
  once(ref: EndpointRef, load: () => Promise<EndpointView>): Promise<EndpointView>;
}

export function settingsOf(agent: Agent | null): WebhookSettings | null {
  return agent && { webhookUrl: agent.webhookUrl, webhookSecrets: agent.webhookSecrets };
}

/** One per container (the function's module scope), shared by the deliveries it runs. */
export function createEndpointCache(ttlMs = ENDPOINT_CACHE_MS): EndpointCache {
  const entries = boundedCache<EndpointView>({ ttlMs, maxEntries: MAX_ENTRIES });
  const keyOf = (ref: EndpointRef) => `${ref.workspaceId} ${ref.agentId}`;
  return {
    once: (ref, load) => entries.once(keyOf(ref), load),
    get: (ref, nowMs) => entries.get(keyOf(ref), nowMs),
    put: (ref, view, nowMs) => entries.set(keyOf(ref), view, nowMs),
    forget: (ref) => entries.delete(keyOf(ref)),
  };
}
