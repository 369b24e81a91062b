import type { DialMessage, MessageQueue } from '../../ports/queues.ts';
import type { RunLogger } from './run-deps.ts';

/**
 * The dial queue as the provider-callback function uses it: a call that ended passes its turn to
 * the next recipient, and that recipient is dialed right here instead of through the queue (issue
 * 16: no message sent, received and deleted per call — three SQS requests, a Lambda invocation and
 * a queue hop off every hand-over).
 *
 * Only a single message sent for now is dialed in place, once per callback; anything else (a
 * delayed retry, a dial the inline one sends on — it is given the real queue) goes to the queue.
 * The claim is the only gate to a call, exactly as in the dial function: a dial that fails half-way
 * here is sent to the queue, whose dial finds the recipient claimed (or not) and does the rest.
 */
export function inlineDialing(
  queue: MessageQueue<DialMessage>,
  dial: (message: DialMessage) => Promise<unknown>,
  logger: RunLogger,
): MessageQueue<DialMessage> {
  return {
    async send(messages, options) {
      const [message] = messages;
      if (messages.length !== 1 || !message || (options?.delaySeconds ?? 0) > 0) {
        return queue.send(messages, options);
      }
      try {
        await dial(message);
      } catch (error) {
        logger.warn('dial in the callback failed; queued instead', {
          batchId: message.batchId,
          index: message.recipientIndex,
          error,
        });
        await queue.send(messages);
      }
    },
  };
}
