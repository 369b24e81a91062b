import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks v1 signing (contract "Webhooks"): HMAC-SHA256 over `<id>.<timestamp>.<body>` with
 * each `whsec_` secret, so any Standard Webhooks library verifies our events. During a rotation both the
 * new and the old secret sign, space-separated, and a receiver holding either one accepts the event.
 */

export const WEBHOOK_USER_AGENT = 'batch-calls-webhooks/1';

export interface SignWebhookInput {
  /** The same on every retry of one event, so receivers can deduplicate. */
  webhookId: string;
  /** The time of this attempt (each attempt is signed afresh). */
  timestamp: Date;
  /** The exact bytes that will be sent. */
  body: string;
  /** `whsec_…` secrets that sign now, current first. */
  secrets: string[];
}

export function signWebhook(input: SignWebhookInput): Record<string, string> {
  if (input.secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  if (input.webhookId === '') throw new Error('signWebhook needs a webhook id');
  const signatures = input.secrets.map((secret) =>
    new Webhook(secret).sign(input.webhookId, input.timestamp, input.body),
  );
  return {
    'webhook-id': input.webhookId,
    'webhook-timestamp': String(Math.floor(input.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
  };
}
