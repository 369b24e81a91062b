import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { webhookMessageSchema } from '#shared/contracts/queue-messages.ts';
import { deliverWebhook } from '#shared/app/run/deliver-webhook.ts';
import { createEndpointCache } from '#shared/app/run/webhook-endpoints.ts';
import { dnsHostResolver } from '#shared/adapters/net/dns-host-resolver.ts';
import { createHttpWebhookSender } from '#shared/adapters/webhooks/http-webhook-sender.ts';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import { composeRunDeps } from '../lib/compose.ts';
import { composeTranscripts } from '../lib/compose-files.ts';
import { composeWebhookQueue } from '../lib/compose-queues.ts';
import { parseQueueMessage } from '../lib/queue-message.ts';
import { traced } from '../lib/tracing.ts';

/**
 * Webhook-queue consumer: one delivery attempt per message, in parallel (receivers are independent;
 * a slow one must not hold up the others beyond its own 15 s timeout). An invocation lasts as long as
 * its slowest attempt, so the endpoint's circuit breaker (shared/app/run/webhook-breaker.ts) keeps a
 * dead or slow endpoint to one attempt at a time: docs/webhooks.md.
 */
const config = loadRuntimeConfig();
const deps = composeRunDeps(config, 'batch-calls-webhooks', {
  webhookQueue: composeWebhookQueue(config),
  transcripts: composeTranscripts(config),
  sendWebhook: createHttpWebhookSender({ resolveHost: dnsHostResolver }),
});
// Per container: the agents' webhook settings and their endpoints' breakers, for a few seconds.
const endpoints = createEndpointCache();

async function handleRecord(record: SQSRecord): Promise<void> {
  const message = parseQueueMessage(webhookMessageSchema, record, deps.logger, 'webhook');
  const result = await deliverWebhook({ ...deps, endpoints }, message);
  deps.logger.info('webhook', { batchId: message.batchId, webhookId: message.webhookId, result });
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

export const handler = traced('deliverWebhook', handle);
