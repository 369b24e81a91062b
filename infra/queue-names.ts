import type { QueueName } from './wiring.ts';

/**
 * The queues' names: the same short names locally (the SQS emulator) and, prefixed with the stage,
 * in AWS (`batch-calls-<stage>-dial-dlq`), so an operator's command finds a stage's queues by name
 * (`npm run admin -- redrive dial --stage prod --region …`) without reading the stack.
 */

/** Dead-letter queues and failure destinations besides the work queues' own. */
export const SCHEDULER_DLQ_NAME = 'scheduler-dlq';
export const STREAM_FAILURES_NAME = 'stream-failures';

export function deadLetterQueueName(queue: QueueName): string {
  return `${queue}-dlq`;
}

/** A queue's name in a deployed stage. */
export function stageQueueName(stage: string, name: string): string {
  return `batch-calls-${stage}-${name}`;
}
