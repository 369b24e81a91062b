import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { dialMessageSchema } from '#shared/contracts/queue-messages.ts';
import { dialRecipient } from '#shared/app/run/dial.ts';
import { dialerFor } from '#shared/adapters/telephony/registry.ts';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import { composeRunDeps } from '../lib/compose.ts';
import { composeDialQueue } from '../lib/compose-queues.ts';
import { composeSecrets } from '../lib/compose-secrets.ts';
import { parseQueueMessage } from '../lib/queue-message.ts';
import { traced } from '../lib/tracing.ts';

/**
 * Dial-queue consumer. The messages of a batch are dialed in parallel: each reserves its own pacing
 * slot in DynamoDB (the caller number's calls-per-second holds across all invocations) and waits for
 * it. A failed message is reported alone and comes back after its visibility timeout.
 */
const config = loadRuntimeConfig();
const deps = composeRunDeps(config, 'batch-calls-dial', {
  dialQueue: composeDialQueue(config),
  secrets: composeSecrets(config),
  dialerFor,
});

async function handleRecord(record: SQSRecord): Promise<void> {
  const message = parseQueueMessage(dialMessageSchema, record, deps.logger, 'dial');
  const outcome = await dialRecipient(deps, message);
  if (outcome === 'placed') deps.metrics.handOverMs(handOverMs(record));
  else deps.logger.info('dial', { batchId: message.batchId, index: message.recipientIndex, outcome });
}

/**
 * From the message being sent to now, the call placed: for the message an ended call sends to hand
 * its slot over, the hand-over (call end → next call placed). A message the dial deferred itself
 * (pacing, a provider's 429) counts its delay too: the recipient waited that long for its slot.
 */
function handOverMs(record: SQSRecord): number {
  return Date.now() - Number(record.attributes.SentTimestamp);
}

async function handle(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  deps.logger.addContext(context);
  // One processor per invocation: it holds the invocation's records and failures, and the local
  // runtime runs invocations of one module side by side (Lambda gives each its own sandbox).
  const processor = new BatchProcessor(EventType.SQS);
  try {
    return await processPartialResponse(event, handleRecord, processor, { context, processInParallel: true });
  } finally {
    deps.metrics.flush();
  }
}

export const handler = traced('dial', handle);
