import type { SQSRecord } from 'aws-lambda';
import type * as z from 'zod';

/** The part of a logger this needs (Powertools' Logger fits). */
export interface QueueLogger {
  error(message: string, extra: Record<string, unknown>): void;
}

/** A queue record that is not a message of its queue: that record fails, the rest of the batch goes on. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/**
 * Reads one SQS record's body with its queue's message schema (shared/contracts/queue-messages.ts).
 * A body that is not JSON, or does not match, is logged with the record's id and the issues' paths
 * and codes only (never the body or a value: a message may one day carry a phone number), then thrown,
 * so the batch processor reports that record alone as failed; after its retries it lands in the
 * queue's dead-letter queue.
 *
 * Parsed here rather than through Powertools' `BatchProcessor` parser option: that option needs the
 * separate `@aws-lambda-powertools/parser` package (not a dependency; it would add its event schemas
 * to every queue function), and reports a failed parse only at debug level through the processor's
 * own logger.
 */
export function parseQueueMessage<S extends z.ZodType>(
  schema: S,
  record: Pick<SQSRecord, 'messageId' | 'body'>,
  logger: QueueLogger,
  queue: string,
): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(record.body);
  } catch {
    logger.error('queue message is not JSON', { queue, messageId: record.messageId });
    throw new MalformedMessageError(`${queue} message ${record.messageId} is not JSON`);
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), code: issue.code }));
  logger.error('queue message does not match its schema', { queue, messageId: record.messageId, issues });
  throw new MalformedMessageError(`${queue} message ${record.messageId} does not match its schema`);
}
