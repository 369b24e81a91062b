/**
 * The queue messages, `DialMessage` (a recipient to dial) and `WebhookMessage` (an outbox record to
 * deliver), are inferred from their schemas in the contracts, which the consumers parse with.
 */
export type { DialMessage, WebhookMessage } from '../contracts/queue-messages.ts';

export interface MessageQueue<T> {
  /** Sends in batches of 10 (SendMessageBatch), retrying entries that failed; throws if any is lost. */
  send(messages: T[], options?: { delaySeconds?: number }): Promise<void>;
}

/** SQS caps a message delay at 15 minutes; longer waits are the sweeper's job. */
export const MAX_QUEUE_DELAY_SECONDS = 900;
