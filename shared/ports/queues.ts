import type { CallRef } from './dialer.ts';

/**
 * A recipient to dial: one message per recipient and attempt. `agentId` and `phoneNumberId` (the batch's) let the dial read everything it
 * needs in one round trip; a message without them (queued by an older version) is dialed as well.
 */
export interface DialMessage extends CallRef {
  agentId?: string;
  phoneNumberId?: string;
}

/**
 * An outbox record to deliver. The record's workspace, agent and recipient index, when the message
 * carries them, let the delivery read everything it needs in one round trip.
 */
export interface WebhookMessage {
  batchId: string;
  webhookId: string;
  workspaceId?: string;
  agentId?: string;
  recipientIndex?: number | null;
}

export interface MessageQueue<T> {
  /** Sends in batches of 10 (SendMessageBatch), retrying entries that failed; throws if any is lost. */
  send(messages: T[], options?: { delaySeconds?: number }): Promise<void>;
}

/** SQS caps a message delay at 15 minutes; longer waits are the sweeper's job. */
export const MAX_QUEUE_DELAY_SECONDS = 900;
