import { activeSecrets } from '../../domain/agent.ts';
import { DELIVERY_CLAIM_MS, type DeliveryAttempt, type OutboxRecord } from '../../domain/outbox.ts';
import { classifyResponse, nextAttempt } from '../../domain/webhook-retry.ts';
import { signWebhook } from '../../domain/webhook-signing.ts';
import { MAX_QUEUE_DELAY_SECONDS, type WebhookMessage } from '../../ports/queues.ts';
import type { RunDeps } from './run-deps.ts';
import { passBreaker, settleBreaker, watchSlow, type Pass } from './webhook-breaker.ts';
import {
  settingsOf,
  type EndpointCache,
  type EndpointView,
  type WebhookSettings,
} from './webhook-endpoints.ts';
import { buildWebhookPayload, type PayloadItems } from './webhook-payloads.ts';

/**
 * Delivers one outbox record: sign (Standard Webhooks, every secret that signs now), POST through the
 * SSRF-guarded sender, log the attempt and plan the next one. A retry due within SQS's 15-minute delay
 * rides a delayed message; a later one waits in the due index for the sweeper. First the worker
 * claims the attempt (conditioned on the record being due and unclaimed), so two workers holding
 * copies of one message (an SQS redelivery, the sweeper re-queuing a late one) never both POST it;
 * the claim returns the record. Then the endpoint's circuit breaker (./webhook-breaker.ts) may hold
 * the delivery back without an attempt: a dead or slow receiver must not hold the consumers every
 * tenant shares. In the healthy case the claim and the attempt's record are the only requests: the
 * payload comes from the record's snapshot, the agent's settings and the breaker from the
 * container's cache (docs/webhooks.md, "Requests per delivery").
 */
export const WEBHOOK_TIMEOUT_MS = 15_000;

export type DeliverResult = 'delivered' | 'retrying' | 'failed' | 'disabled' | 'deferred' | 'skipped';

type DeliverDeps = Pick<
  RunDeps,
  | 'store'
  | 'runStore'
  | 'transcripts'
  | 'webhookQueue'
  | 'sendWebhook'
  | 'clock'
  | 'random'
  | 'logger'
  | 'webhookAllowLoopback'
> & { endpoints: EndpointCache };

/** Clocks of two workers may differ a little; a delayed message never arrives before its time. */
const EARLY_TOLERANCE_MS = 1_000;

export async function deliverWebhook(deps: DeliverDeps, message: WebhookMessage): Promise<DeliverResult> {
  const now = deps.clock();
  const claimUntil = new Date(now.getTime() + DELIVERY_CLAIM_MS).toISOString();
  const claim = await deps.runStore.claimDelivery(message, {
    now: now.toISOString(),
    until: claimUntil,
    // A duplicate of the message that carried the previous attempt must not pull the next one forward.
    dueBy: new Date(now.getTime() + EARLY_TOLERANCE_MS).toISOString(),
  });
  if (!claim.claimed) {
    // Delivered, failed, not due yet (another message or the sweeper brings it then), or gone.
    if (claim.heldUntil === null) return 'skipped';
    // Another worker is sending this attempt; if it dies, this copy must still be there after its
    // claim expires (the message is deleted when this returns).
    const waitMs = Date.parse(claim.heldUntil) - now.getTime();
    await deps.webhookQueue.send([message], { delaySeconds: Math.max(1, Math.ceil(waitMs / 1000) + 1) });
    return 'deferred';
  }
  const { record } = claim;
  try {
    return await deliverClaimed(deps, message, record, now, claimUntil);
  } catch (error) {
    // Not a crash: give the attempt back at once, so the message's redelivery can make it (a claim
    // left behind would hold every copy back until it expires).
    await deps.runStore.releaseDelivery(record, claimUntil).catch(() => undefined);
    throw error;
  }
}

/** A claimed delivery: past the endpoint's breaker, then the attempt. */
async function deliverClaimed(
  deps: DeliverDeps,
  message: WebhookMessage,
  record: OutboxRecord,
  now: Date,
  claimUntil: string,
): Promise<DeliverResult> {
  // Pending again after attempts: a user asked for a redelivery.
  const manual = record.attempts.length > 0 && record.status === 'pending';
  const { view, payload } = await readEndpoint(deps, record, now);
  const settings = view.settings;
  // Without a URL there is nothing to protect: the attempt below logs why it fails.
  let pass: Pass | null = null;
  if (settings?.webhookUrl) {
    pass = await passBreaker(deps, message, record, settings.webhookUrl, view.health, now, {
      manual,
      until: claimUntil,
    });
    if (pass.kind === 'held') return 'deferred';
    if (pass.kind === 'moved') return 'skipped';
    if (pass.kind === 'expired') return giveUp(deps, record, now);
  }
  return sendClaimed(deps, message, { record, settings, pass, payload }, now, manual);
}

/**
 * The agent's webhook settings and its endpoint's breaker: from the container's cache when it saw
 * them within its bound, else in one round trip, with the batch and recipient when the record has
 * no snapshot of them (one written before snapshots existed).
 */
async function readEndpoint(
  deps: DeliverDeps,
  record: OutboxRecord,
  now: Date,
): Promise<{ view: EndpointView; payload: PayloadItems | undefined }> {
  const ref = { workspaceId: record.workspaceId, agentId: record.agentId };
  const withPayload = record.snapshot === undefined;
  const cached = deps.endpoints.get(ref, now.getTime());
  if (cached && !withPayload) return { view: cached, payload: undefined };
  if (!withPayload) {
    const view = await deps.endpoints.once(ref, async () => {
      const reads = await deps.runStore.getDeliveryReads(record, { payload: false });
      const read = { settings: settingsOf(reads.agent), health: reads.endpoint };
      deps.endpoints.put(ref, read, now.getTime());
      return read;
    });
    return { view, payload: undefined };
  }
  const reads = await deps.runStore.getDeliveryReads(record, { payload: withPayload });
  const view = { settings: settingsOf(reads.agent), health: reads.endpoint };
  deps.endpoints.put(ref, view, now.getTime());
  return { view, payload: withPayload ? { batch: reads.batch, recipient: reads.recipient } : undefined };
}

/** The attempt itself, once claimed: build, sign, send, log and plan the next one. */
async function sendClaimed(
  deps: DeliverDeps,
  message: WebhookMessage,
  read: {
    record: OutboxRecord;
    settings: WebhookSettings | null;
    pass: Pass | null;
    payload: PayloadItems | undefined;
  },
  now: Date,
  manual: boolean,
): Promise<DeliverResult> {
  const { record, settings, pass } = read;
  const payload = settings?.webhookUrl ? await buildWebhookPayload(deps, record, read.payload) : null;
  if (!settings?.webhookUrl || !payload) {
    const error = !settings?.webhookUrl
      ? 'The agent has no webhook URL any more.'
      : 'The batch or recipient no longer exists.';
    const attempt: DeliveryAttempt = {
      at: now.toISOString(),
      statusCode: null,
      error,
      durationMs: 0,
      manual,
    };
    await deps.runStore.recordDeliveryAttempt(record, attempt, { status: 'failed', nextAttemptAt: null });
    return 'failed';
  }

  const body = JSON.stringify(payload);
  const headers = signWebhook({
    webhookId: record.webhookId,
    timestamp: now,
    body,
    secrets: activeSecrets(settings, now).map((s) => s.secret),
  });
  const watch = pass?.kind === 'send' ? watchSlow(deps, pass) : null;
  const response = await deps.sendWebhook({
    url: settings.webhookUrl,
    headers,
    body,
    timeoutMs: WEBHOOK_TIMEOUT_MS,
    allowLoopback: deps.webhookAllowLoopback,
  });
  await watch?.stop();
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
  // A retry within SQS's 15-minute delay rides a delayed message; a later one is the sweeper's. The
  // record stays due in the index either way, so a lost message is found again; the claim keeps the
  // sweeper's copy and the delayed message from both sending.
  const recorded = await deps.runStore.recordDeliveryAttempt(record, attempt, {
    status: next.state,
    nextAttemptAt: next.nextAttemptAt?.toISOString() ?? null,
  });
  if (pass?.kind === 'send') {
    await settleBreaker(deps, pass, {
      answered: response.statusCode !== null,
      durationMs: response.durationMs,
    });
  }
  if (!recorded) return 'skipped';
  if (next.state === 'retrying' && next.nextAttemptAt) {
    const delaySeconds = Math.max(0, Math.ceil((next.nextAttemptAt.getTime() - now.getTime()) / 1000));
    if (delaySeconds <= MAX_QUEUE_DELAY_SECONDS) {
      await deps.webhookQueue.send([message], { delaySeconds });
    }
  }
  return next.state;
}

/**
 * The breaker held this delivery back for longer than the whole retry schedule: it fails, as it
 * would have after its last attempt, with a logged reason (no request was sent).
 */
async function giveUp(deps: DeliverDeps, record: OutboxRecord, now: Date): Promise<DeliverResult> {
  const attempt: DeliveryAttempt = {
    at: now.toISOString(),
    statusCode: null,
    error: 'not sent: the endpoint kept failing for longer than the retry schedule',
    durationMs: 0,
    manual: false,
  };
  const recorded = await deps.runStore.recordDeliveryAttempt(record, attempt, {
    status: 'failed',
    nextAttemptAt: null,
  });
  return recorded ? 'failed' : 'skipped';
}
