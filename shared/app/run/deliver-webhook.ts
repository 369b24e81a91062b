import { activeSecrets, type Agent } from '../../domain/agent.ts';
import {
  DELIVERY_CLAIM_MS,
  type DeliveryAttempt,
  type DeliveryStatus,
  type OutboxRecord,
} from '../../domain/outbox.ts';
import { classifyResponse, nextAttempt } from '../../domain/webhook-retry.ts';
import { signWebhook } from '../../domain/webhook-signing.ts';
import { MAX_QUEUE_DELAY_SECONDS, type WebhookMessage } from '../../ports/queues.ts';
import type { EndpointHealth } from '../../domain/endpoint-breaker.ts';
import type { RunDeps } from './run-deps.ts';
import { passBreaker, settleBreaker, watchSlow, type Pass } from './webhook-breaker.ts';
import { buildWebhookPayload, type PayloadItems } from './webhook-payloads.ts';

/**
 * Delivers one outbox record: sign (Standard Webhooks, every secret that signs now), POST through the
 * SSRF-guarded sender, log the attempt and plan the next one. A retry due within SQS's 15-minute delay
 * rides a delayed message; a later one waits in the due index for the sweeper. Before sending, the
 * worker claims the attempt (conditioned on the attempts seen), so two workers holding copies of one
 * message (an SQS redelivery, the sweeper re-queuing a late one) never both POST it. Before that,
 * the endpoint's circuit breaker (./webhook-breaker.ts) may hold the delivery back without an
 * attempt: a dead or slow receiver must not hold the consumers every tenant shares.
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
>;

/** Clocks of two workers may differ a little; a delayed message never arrives before its time. */
const EARLY_TOLERANCE_MS = 1_000;

const FINISHED: readonly DeliveryStatus[] = ['delivered', 'failed', 'disabled'];

export async function deliverWebhook(deps: DeliverDeps, message: WebhookMessage): Promise<DeliverResult> {
  const { record, related } = await readForDelivery(deps, message);
  if (!record || FINISHED.includes(record.status)) return 'skipped';
  const now = deps.clock();
  const manual = record.attempts.length > 0 && record.status === 'pending';
  // A duplicate of the message that carried the previous attempt must not pull the next one forward.
  if (record.nextAttemptAt && Date.parse(record.nextAttemptAt) > now.getTime() + EARLY_TOLERANCE_MS) {
    return 'skipped';
  }
  const agent = related ? related.agent : await deps.store.getAgent(record.workspaceId, record.agentId);
  // Without a URL there is nothing to protect: the attempt below logs why it fails.
  let pass: Pass | null = null;
  if (agent?.webhookUrl) {
    const ref = { workspaceId: record.workspaceId, agentId: record.agentId };
    const endpoint = related ? related.endpoint : await deps.runStore.getEndpointHealth(ref);
    pass = await passBreaker(deps, message, record, agent.webhookUrl, endpoint, now, manual);
    if (pass.kind === 'held') return 'deferred';
    if (pass.kind === 'moved') return 'skipped';
    if (pass.kind === 'expired') return giveUp(deps, record, now);
  }
  const claimUntil = new Date(now.getTime() + DELIVERY_CLAIM_MS).toISOString();
  const claim = await deps.runStore.claimDelivery(record, now.toISOString(), claimUntil);
  if (!claim.claimed) {
    // A probe taken for this copy is left to expire (PROBE_LEASE_MS): a duplicate is rare, and
    // giving it back could race the copy that does send.
    if (claim.heldUntil === null) return 'skipped';
    // Another worker is sending this attempt; if it dies, this copy must still be there after its
    // claim expires (the message is deleted when this returns).
    const waitMs = Date.parse(claim.heldUntil) - now.getTime();
    await deps.webhookQueue.send([message], { delaySeconds: Math.max(1, Math.ceil(waitMs / 1000) + 1) });
    return 'deferred';
  }

  try {
    return await sendClaimed(deps, message, { record, agent, pass, related }, now, manual);
  } catch (error) {
    // Not a crash: give the attempt back at once, so the message's redelivery can make it (a claim
    // left behind would hold every copy back until it expires).
    await deps.runStore.releaseDelivery(record, claimUntil).catch(() => undefined);
    throw error;
  }
}

/** The items a delivery reads besides its record, when the message let them come with it. */
interface Related {
  agent: Agent | null;
  payload: PayloadItems;
  endpoint: EndpointHealth | null;
}

/**
 * The outbox record, and with it (one round trip) the agent, batch and recipient when the message
 * names them; a message without them (the sweeper's, a manual redelivery's) reads the record alone.
 */
async function readForDelivery(
  deps: DeliverDeps,
  message: WebhookMessage,
): Promise<{ record: OutboxRecord | null; related: Related | null }> {
  const { workspaceId, agentId, recipientIndex } = message;
  if (workspaceId && agentId && recipientIndex !== undefined) {
    const reads = await deps.runStore.getDeliveryReads({ ...message, workspaceId, agentId, recipientIndex });
    const { record } = reads;
    // The ids come from the record when it was written; a message that disagrees is not ours.
    if (
      !record ||
      (record.workspaceId === workspaceId &&
        record.agentId === agentId &&
        record.recipientIndex === recipientIndex)
    ) {
      return {
        record,
        related: {
          agent: reads.agent,
          payload: { batch: reads.batch, recipient: reads.recipient },
          endpoint: reads.endpoint,
        },
      };
    }
  }
  return { record: await deps.runStore.getOutbox(message.batchId, message.webhookId), related: null };
}

/** The attempt itself, once claimed: build, sign, send, log and plan the next one. */
async function sendClaimed(
  deps: DeliverDeps,
  message: WebhookMessage,
  read: { record: OutboxRecord; agent: Agent | null; pass: Pass | null; related: Related | null },
  now: Date,
  manual: boolean,
): Promise<DeliverResult> {
  const { record, agent, pass, related } = read;
  const payload = agent?.webhookUrl ? await buildWebhookPayload(deps, record, related?.payload) : null;
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
    await deps.runStore.recordDeliveryAttempt(record, attempt, { status: 'failed', nextAttemptAt: null });
    return 'failed';
  }

  const body = JSON.stringify(payload);
  const headers = signWebhook({
    webhookId: record.webhookId,
    timestamp: now,
    body,
    secrets: activeSecrets(agent, now).map((s) => s.secret),
  });
  const watch = pass?.kind === 'send' ? watchSlow(deps, pass) : null;
  const response = await deps.sendWebhook({
    url: agent.webhookUrl,
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
