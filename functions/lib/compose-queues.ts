import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '#shared/adapters/sqs/sqs-client.ts';
import { createSqsQueue } from '#shared/adapters/sqs/sqs-queue.ts';
import { ENV } from '#shared/config/env-names.ts';
import type { RuntimeConfig } from '#shared/config/runtime-config.ts';
import type { DialMessage, MessageQueue, WebhookMessage } from '#shared/ports/queues.ts';
import { required } from './compose.ts';
import { traceClient } from './tracing.ts';

/** The queues a function sends to (its wiring's `sendTo`), over one SQS client. */

let client: SQSClient | null = null;
const sqs = () => (client ??= traceClient(createSqsClient()));

export function composeDialQueue(config: RuntimeConfig): MessageQueue<DialMessage> {
  return createSqsQueue<DialMessage>({
    client: sqs(),
    queueUrl: required(config.dialQueueUrl, ENV.dialQueueUrl),
  });
}

export function composeWebhookQueue(config: RuntimeConfig): MessageQueue<WebhookMessage> {
  return createSqsQueue<WebhookMessage>({
    client: sqs(),
    queueUrl: required(config.webhookQueueUrl, ENV.webhookQueueUrl),
  });
}
