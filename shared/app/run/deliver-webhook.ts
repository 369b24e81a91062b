import { activeSecrets } from '../../domain/agent.ts';
import type { DeliveryAttempt, DeliveryStatus } from '../../domain/outbox.ts';
import { classifyResponse, nextAttempt } from '../../domain/webhook-retry.ts';
import { signWebhook } from '../../domain/webhook-signing.ts';
import { MAX_QUEUE_DELAY_SECONDS, type WebhookMessage } from '../../ports/queues.ts';
import type { RunDeps } from './run-deps.ts';
import { buildWebhookPayload } from './webhook-payloads.ts';

/**
 * Delivers one outbox record: sign (Standard Webhooks, every secret that signs now), POST through the
 * SSRF-guarded sender, log the attempt and plan the next one. A retry due within SQS's 15-minute delay
 * rides a delayed message; a later one waits in the due index for the sweeper. The attempt is
 * recorded conditionally, so two workers holding the same message never both count it.
 */
export const WEBHOOK_TIMEOUT_MS = 15_000;

export type DeliverResult = 'delivered' | 'retrying' | 'failed' | 'disabled' | 'skipped';

type DeliverDeps = Pick<
  RunDeps,
  | 'store'
  | 'run'
  | 'transcripts'
  | 'webhookQueue'
  | 'sendWebhook'
  | 'clock'
  | 'random'
  | 'logger'
  | 'webhookAllowLoopback'
>;

const FINISHED: readonly DeliveryStatus[] = ['delivered', 'failed', 'disabled'];

export async function deliverWebhook(deps: DeliverDeps, message: WebhookMessage): Promise<DeliverResult> {
  const record = await deps.run.getOutbox(message.batchId, message.webhookId);
  if (!record || FINISHED.includes(record.status)) return 'skipped';
  const now = deps.clock();
  const manual = record.attempts.length > 0 && record.status === 'pending';

  const agent = await deps.store.getAgent(record.workspaceId, record.agentId);
  const payload = agent?.webhookUrl ? await buildWebhookPayload(deps, record) : null;
  if (!agent?.webhookUrl || !payload) {
    const error = !agent?.webhookUrl
      ? 'The agent has no webhook URL any more.'
      : 'The batch or recipient no longer exists.';
    const attempt: DeliveryAttempt = {
      at: now.toISOString(),
      statusCode: null,
      error,
      durationMs: 0,
      manual,
    };
    await deps.run.recordDeliveryAttempt(record, attempt, 'failed', null);
    return 'failed';
  }

  const body = JSON.stringify(payload);
  const headers = signWebhook({
    webhookId: record.webhookId,
    timestamp: now,
    body,
    secrets: activeSecrets(agent, now).map((s) => s.secret),
  });
  const response = await deps.sendWebhook({
    url: agent.webhookUrl,
    headers,
    body,
    timeoutMs: WEBHOOK_TIMEOUT_MS,
    allowLoopback: deps.webhookAllowLoopback,
  });
  const verdict = classifyResponse(response);
  const attempt: DeliveryAttempt = {
    at: now.toISOString(),
    statusCode: response.statusCode,
    error: verdict.kind === 'delivered' ? null : verdict.reason,
    durationMs: response.durationMs,
    manual,
  };
  // A manual redelivery gets one attempt; the automatic schedule counts only its own attempts.
  const automatic = record.attempts.filter((a) => !a.manual).length + (manual ? 0 : 1);
  const next =
    manual && verdict.kind === 'retry'
      ? { state: 'failed' as const, nextAttemptAt: null }
      : nextAttempt(automatic, verdict, now, deps.random);
  const nextAt = next.nextAttemptAt?.toISOString() ?? null;
  if (!(await deps.run.recordDeliveryAttempt(record, attempt, next.state, nextAt))) return 'skipped';

  if (next.state === 'retrying' && next.nextAttemptAt) {
    const delaySeconds = Math.ceil((next.nextAttemptAt.getTime() - now.getTime()) / 1000);
    if (delaySeconds <= MAX_QUEUE_DELAY_SECONDS) {
      await deps.webhookQueue.send([message], { delaySeconds: Math.max(0, delaySeconds) });
    }
  }
  return next.state;
}
