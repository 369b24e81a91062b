import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { itemToBatchRun } from '#shared/adapters/dynamodb/entities/batch.ts';
import { itemToRecipientRun } from '#shared/adapters/dynamodb/entities/recipient.ts';
import { onBatchChanged, onRecipientEnded } from '#shared/app/run/reactions.ts';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import { purgeExpiredBatch } from '#shared/app/run/retention.ts';
import { composeRunDeps } from '../lib/compose.ts';
import { composeTranscripts } from '../lib/compose-files.ts';
import { composeDialQueue, composeWebhookQueue } from '../lib/compose-queues.ts';
import { composeScheduler } from '../lib/compose-scheduler.ts';
import { traced } from '../lib/tracing.ts';

/**
 * The table's stream (filtered in the wiring to batch changes and recipients ending an attempt):
 * starts immediate batches, turns a batch's wake-up into its schedule, reacts to pause / resume /
 * stop / cancel, finishes batches whose counts add up, passes each ended attempt's dial turn on and
 * writes webhook outbox records. (The live event log is not written here: each recipient change puts
 * its entry in its own transaction, docs/live-progress.md.) Records are handled in parallel: every
 * reaction reads the state it acts on and changes it conditionally, so their order does not matter
 * (and each is idempotent); a failed one is reported and retried from there.
 */
const config = loadRuntimeConfig();
const deps = composeRunDeps(config, 'batch-calls-stream', {
  dialQueue: composeDialQueue(config),
  webhookQueue: composeWebhookQueue(config),
  scheduler: composeScheduler(config),
  transcripts: composeTranscripts(config),
});

function image(raw: Record<string, unknown> | undefined): Record<string, unknown> | null {
  return raw ? unmarshall(raw as Record<string, AttributeValue>) : null;
}

/**
 * A failed record is retried with the records behind it on its shard waiting: say which and why
 * (ids only), or a shard blocked for minutes leaves no trace (the batch response carries no reason).
 */
async function handleRecord(record: DynamoDBRecord): Promise<void> {
  try {
    await react(record);
  } catch (error) {
    const image = record.dynamodb?.Keys ?? {};
    deps.logger.error('stream record failed; it is retried and its shard waits', {
      sequenceNumber: record.dynamodb?.SequenceNumber,
      key: `${String(image.PK?.S)} ${String(image.SK?.S)}`,
      error,
    });
    throw error;
  }
}

/**
 * An attempt ended: the recipient reached its end, or left `dialing` for `pending` with the same
 * attempt count (a retry waits; a claim given back restores the previous count instead). Later writes
 * to an ended recipient (its hand-over mark) are not a new end.
 */
function attemptEnded(before: Record<string, unknown> | null, after: Record<string, unknown>): boolean {
  if (after.status === 'completed' || after.status === 'failed') return before?.status !== after.status;
  return after.status === 'pending' && before?.status === 'dialing' && before.attempts === after.attempts;
}

async function react(record: DynamoDBRecord): Promise<void> {
  const after = image(record.dynamodb?.NewImage);
  const before = image(record.dynamodb?.OldImage);
  if (!after) {
    // A batch item removed: its retention ran out (DynamoDB's TTL; batches are deleted no other way).
    if (before?.entity === 'batch') await purgeExpiredBatch(deps, itemToBatchRun(before));
    return;
  }
  if (after.entity === 'batch') {
    await onBatchChanged(deps, before ? itemToBatchRun(before) : null, itemToBatchRun(after));
  } else if (after.entity === 'recipient' && attemptEnded(before, after)) {
    await onRecipientEnded(deps, itemToRecipientRun(after));
  }
}

async function handle(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  deps.logger.addContext(context);
  // One processor per invocation: it holds the invocation's records and failures, and the local
  // runtime runs invocations of one module side by side (Lambda gives each its own sandbox).
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return processPartialResponse(event, handleRecord, processor, { context, processInParallel: true });
}

export const handler = traced('tableStream', handle);
