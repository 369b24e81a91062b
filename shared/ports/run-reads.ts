import type { Agent } from '../domain/agent.ts';
import type { Batch } from '../domain/batch.ts';
import type { EndpointHealth } from '../domain/endpoint-breaker.ts';
import type { PhoneNumber } from '../domain/phone-number.ts';
import type { BatchRun, RecipientRun } from './run-store.ts';

/**
 * What the run path's steps read in one round trip each (the dial, a call's end and its reaction, a
 * webhook delivery): the shapes of the RunStore's batched reads.
 */

/** What dialing one recipient reads; null where the item does not exist. */
export interface DialReads {
  batch: BatchRun | null;
  recipient: RecipientRun | null;
  agent: Agent | null;
  phone: PhoneNumber | null;
}

/** What a call's end or its reaction reads (./run-reads in the adapter); null where not asked or absent. */
export interface RunReads {
  batch: BatchRun | null;
  recipient: RecipientRun | null;
  agent: Agent | null;
}

/** What delivering one webhook reads besides its record; null where not asked or absent. */
export interface DeliveryReads {
  agent: Agent | null;
  batch: Batch | null;
  /** Null also for a batch event, which has no recipient. */
  recipient: RecipientRun | null;
  /** The circuit breaker of the agent's webhook endpoint; null before its first delivery. */
  endpoint: EndpointHealth | null;
}

/** A webhook endpoint: an agent's URL in its workspace (each has its own circuit breaker). */
export interface EndpointRef {
  workspaceId: string;
  agentId: string;
}
