import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { itemToBatch } from '#shared/adapters/dynamodb/entities/batch.ts';
import { itemToRecipient } from '#shared/adapters/dynamodb/entities/recipient.ts';
import { onBatchChanged, onRecipientEnded } from '#shared/app/run/reactions.ts';
import { composeRunDeps } from '../lib/compose.ts';

/**
 * The table's stream (filtered in the wiring to batch changes and recipients reaching their end):
 * starts immediate batches, finishes batches whose counts add up, hands each ended recipient's call
 * slot to the next one and writes webhook outbox records. Records are handled in parallel: every
 * reaction reads the state it acts on and changes it conditionally, so their order does not matter
 * (and each is idempotent); a failed one is reported and retried from there.
 */
const deps = composeRunDeps(undefined, 'batch-calls-stream');

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

async function react(record: DynamoDBRecord): Promise<void> {
  const after = image(record.dynamodb?.NewImage);
  if (!after) return;
  const before = image(record.dynamodb?.OldImage);
  if (after.entity === 'batch') {
    await onBatchChanged(deps, before ? itemToBatch(before) : null, itemToBatch(after));
  } else if (after.entity === 'recipient' && (after.status === 'completed' || after.status === 'failed')) {
    if (before?.status === after.status) return; // a later write to an ended recipient (its hand-over flag)
    await onRecipientEnded(deps, itemToRecipient(after));
  }
}

export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  deps.logger.addContext(context);
  // One processor per invocation: it holds the invocation's records and failures, and the local
  // runtime runs invocations of one module side by side (Lambda gives each its own sandbox).
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return processPartialResponse(event, handleRecord, processor, { context, processInParallel: true });
}
