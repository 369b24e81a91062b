import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { dialMessageSchema } from '#shared/contracts/queue-messages.ts';
import { dialRecipient } from '#shared/app/run/dial.ts';
import { composeRunDeps } from '../lib/compose.ts';
import { parseQueueMessage } from '../lib/queue-message.ts';

/**
 * Dial-queue consumer. The messages of a batch are dialed in parallel: each reserves its own pacing
 * slot in DynamoDB (the caller number's calls-per-second holds across all invocations) and waits for
 * it. A failed message is reported alone and comes back after its visibility timeout.
 */
const deps = composeRunDeps(undefined, 'batch-calls-dial');

async function handleRecord(record: SQSRecord): Promise<void> {
  const message = parseQueueMessage(dialMessageSchema, record, deps.logger, 'dial');
  const outcome = await dialRecipient(deps, message);
  if (outcome !== 'placed')
    deps.logger.info('dial', { batchId: message.batchId, index: message.recipientIndex, outcome });
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  deps.logger.addContext(context);
  // One processor per invocation: it holds the invocation's records and failures, and the local
  // runtime runs invocations of one module side by side (Lambda gives each its own sandbox).
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(event, handleRecord, processor, { context, processInParallel: true });
}
