import type { Agent } from '../../domain/agent.ts';
import { refToQuery } from '../../domain/call-ref.ts';
import type { PhoneNumber } from '../../domain/phone-number.ts';
import { renderTemplate } from '../../domain/placeholders.ts';
import type { PlaceCallResult } from '../../ports/dialer.ts';
import type { DialMessage } from '../../ports/queues.ts';
import type {
  BatchRun,
  ClaimPacing,
  ClaimResult,
  Claimed,
  ContactClaim,
  DialReads,
  RecipientRun,
} from '../../ports/run-store.ts';
import { credentialsRef } from '../../ports/secret-store.ts';
import { nextRetry } from '../../domain/retry.ts';
import { applyCallingWindow, applyContactLimit, park, skipAndPass, waitForWorkspace } from './dial-waits.ts';
import { passTurn } from './dispatch.ts';
import { pauseFor } from './guardrails.ts';
import { hasBreaker } from '../../domain/guardrails.ts';
import type { RunDeps } from './run-deps.ts';
import { batchLevelProblem, failBatch } from './start-batch.ts';

/**
 * Dials one recipient (one dial-queue message). A person is never called twice for one attempt:
 * the claim `pending → dialing` carries the attempt number and only its winner calls the provider;
 * a duplicate message, a stream retry or the sweeper's re-queue find the recipient claimed and stop.
 *
 * Order: the reads (one round trip), cheap checks, the calling window (closed: the recipient waits for
 * its next opening and the dial turn passes on), render the agent's texts (a missing variable fails
 * that recipient, never a literal `{{key}}` spoken), claim (the batch's and the workspace's call
 * slot, and the caller number's pacing slot when it is idle, in one transaction), then call.
 * A message that finds its batch paused parks its recipient (waiting, due now) and gives its turn back.
 */

export type DialOutcome =
  | 'placed'
  | 'skipped'
  | 'requeued'
  | 'abandoned'
  | 'rejected'
  | 'unknown'
  | 'batch_failed'
  | 'deferred'
  | 'parked';

/** How long a dial may wait in-process for its pacing slot before handing the message back. */
const PACING_MAX_WAIT_MS = 3_000;
/** Delay before retrying a recipient whose batch or workspace had no free call slot. */
const NO_SLOT_RETRY_SECONDS = 2;

export type DialDeps = Pick<
  RunDeps,
  | 'store'
  | 'runStore'
  | 'dialQueue'
  | 'webhookQueue'
  | 'dialerFor'
  | 'secrets'
  | 'clock'
  | 'sleep'
  | 'logger'
  | 'publicBaseUrl'
>;

export async function dialRecipient(deps: DialDeps, message: DialMessage): Promise<DialOutcome> {
  const { workspaceId, batchId, recipientIndex } = message;
  const { batch, recipient, agent, phone } = await readForDial(deps, message);
  if (batch && recipient?.status === 'skipped' && message.attempt === 1) {
    // Skipped at create (suppressed, duplicate): the cursor handed it a turn, which passes on once.
    if (await deps.runStore.takeSkippedTurn(message.batchId, message.recipientIndex)) {
      await passTurn(deps, message.workspaceId, message.batchId, batch);
    }
    return 'skipped';
  }
  if (!batch || !recipient || recipient.status !== 'pending' || recipient.attempts !== message.attempt - 1)
    return 'skipped';
  if (batch.status !== 'running') return park(deps, message, batch, recipient);

  const window = await applyCallingWindow(deps, message, batch, recipient);
  if (window !== 'open') return window;

  if (!agent || !phone || !phone.outbound) {
    const problem = await batchLevelProblem(deps, workspaceId, batch.agentId, batch.phoneNumberId);
    await failBatch(deps, workspaceId, batchId, problem ?? 'The agent or caller number is unavailable.');
    return 'batch_failed';
  }

  const dialer = deps.dialerFor(phone.provider);
  if (!dialer)
    return abandon(deps, message, `Calls through the ${phone.provider} provider are not available.`);

  const texts = renderAgentTexts(agent, recipient);
  if (!texts.ok) return abandon(deps, message, texts.error);

  const contact = await applyContactLimit(deps, message, batch, recipient);
  if (contact.kind === 'waits') return contact.outcome;
  const attempt: Attempt = { phone: recipient.phone, contact: contact.claim };

  const taken = await takeSlots(deps, message, batch, phone, attempt);
  if (typeof taken === 'string') return taken;
  const held: Held = { ...attempt, claimed: taken };

  let result: PlaceCallResult;
  try {
    const credentials =
      phone.provider === 'simulated' ? null : await deps.secrets.get(credentialsRef(workspaceId, phone.id));
    result = await dialer.placeCall({
      ref: message,
      recipientId: recipient.id,
      // One key per attempt, the same the phone's contact history records it under.
      idempotencyKey: attempt.contact.attemptKey,
      to: recipient.phone,
      from: phone.phoneNumber,
      phoneNumberId: phone.id,
      credentials,
      agent: {
        id: agent.id,
        prompt: texts.prompt,
        firstMessage: texts.firstMessage,
        evaluationCriteria: agent.evaluationCriteria,
        dataCollection: agent.dataCollection,
        telephony: agent.telephony,
      },
      dynamicVars: recipient.dynamicVars,
      ringingTimeoutMs: batch.ringingTimeoutMs,
      callbackUrl: callbackUrl(deps.publicBaseUrl, phone, message),
    });
  } catch (error) {
    // Adapters answer every case where a call may have been placed; a throw means it was not
    // (the provider was unreachable): give the slot back and try again later, no attempt counted.
    deps.logger.warn('provider unreachable; will retry', { batchId, recipientIndex, error });
    await giveBack(deps, message, held);
    return requeue(deps, message, NO_SLOT_RETRY_SECONDS * 5);
  }

  switch (result.kind) {
    case 'placed':
      await deps.runStore.recordPlacedCall(message, recipient.id, phone.provider, result.providerCallId, {
        index: dialer.callbacksCarryRef !== true,
      });
      return 'placed';
    case 'rejected': {
      if (result.credentialsRefused) return pauseForCredentials(deps, message, held, result.error);
      const endedAt = deps.clock();
      const retryAt = nextRetry(batch.retry, 'failed', message.attempt, endedAt);
      await deps.runStore.endCall(message, {
        status: 'failed',
        outcome: 'failed',
        startedAt: null,
        endedAt: endedAt.toISOString(),
        durationSecs: null,
        error: `The provider refused the call: ${result.error}`,
        conversationId: null,
        transcriptKey: null,
        dialedAt: endedAt.toISOString(),
        retryAt: retryAt?.toISOString() ?? null,
        liveShard: taken.liveShard,
        breakerMark: hasBreaker(batch.guardrails),
      });
      return 'rejected';
    }
    case 'rate_limited':
      await giveBack(deps, message, held);
      return requeue(deps, message, Math.max(1, result.retryAfterSeconds));
    case 'unknown':
      // Maybe placed, maybe not: never dial again blindly. The callback or the sweeper settles it.
      deps.logger.warn('call outcome unknown after placing', {
        batchId,
        recipientIndex,
        error: result.error,
      });
      return 'unknown';
  }
}

/**
 * Takes the caller number's pacing slot and claims the recipient with its call slots. When the
 * number is idle (its next slot has passed: the common case once a batch runs, calls freeing slots
 * one by one), the claim takes the pacing slot in its own transaction: one request. When it is busy,
 * the claim writes nothing and says so (`pacing_busy`): the dial takes the next slot first, waits for
 * it, then claims, so a dial that must wait holds no call slot meanwhile and one that cannot get a
 * pacing slot soon has no claim to give back. Either way a claim is never kept without a slot.
 */
async function takeSlots(
  deps: DialDeps,
  message: DialMessage,
  batch: Pick<BatchRun, 'agentId' | 'phoneNumberId'>,
  phone: PhoneNumber,
  attempt: Attempt,
): Promise<Claimed | DialOutcome> {
  const intervalMs = Math.ceil(1000 / phone.callsPerSecond);
  const nowMs = deps.clock().getTime();
  const claim = (pacing?: ClaimPacing) =>
    deps.runStore.claimRecipient(
      message,
      deps.clock().toISOString(),
      attempt.phone,
      attempt.contact,
      pacing ? { pacing } : undefined,
    );
  const claimed = (result: ClaimResult) =>
    typeof result === 'string' ? notClaimed(deps, message, result, batch, attempt) : result;

  const folded = await claim({ phoneNumberId: phone.id, intervalMs, nowMs });
  if (folded !== 'pacing_busy') return claimed(folded);
  const slot = await deps.runStore.reservePacingSlot(
    message.workspaceId,
    phone.id,
    intervalMs,
    nowMs,
    PACING_MAX_WAIT_MS,
  );
  if (slot === null) return requeue(deps, message, Math.ceil(PACING_MAX_WAIT_MS / 1000));
  if (slot > nowMs) await deps.sleep(slot - nowMs);
  return claimed(await claim());
}

/**
 * The provider refused the number's credentials: not the recipient's fault, and every other call of
 * the batch would be refused too. The claim is given back (no attempt counted), the batch pauses
 * (`provider_auth`) and the recipient waits, due at once, for the resume after the credentials are
 * fixed.
 */
async function pauseForCredentials(
  deps: DialDeps,
  message: DialMessage,
  attempt: Held,
  error: string,
): Promise<DialOutcome> {
  deps.logger.warn('the provider refused the credentials; pausing the batch', {
    batchId: message.batchId,
    error,
  });
  await giveBack(deps, message, attempt);
  await pauseFor(deps, { workspaceId: message.workspaceId, id: message.batchId }, 'provider_auth');
  await deps.runStore.deferRecipient(message, deps.clock().getTime(), { releaseSlot: true });
  return 'parked';
}

/** What a claim writes beside the recipient: the phone, and its attempt for the contact history. */
interface Attempt {
  phone: string;
  contact: ContactClaim;
}

/** An attempt claimed: with the live-call shard its give-back releases. */
type Held = Attempt & { claimed: Claimed };

/**
 * The phone's history moved under the claim (another batch dialed it) or reached its cap: decide
 * again shortly, from a fresh read (after dropping what no limit needs, for the cap).
 */
async function contactBusy(deps: DialDeps, message: DialMessage, attempt: Attempt): Promise<DialOutcome> {
  if (attempt.contact.guard === null) {
    await deps.runStore.pruneContactHistory(message.workspaceId, attempt.phone, deps.clock().getTime());
  }
  return requeue(deps, message, 1);
}

/** Undoes a claim whose call was not placed: no attempt counted, in the recipient or its phone's history. */
async function giveBack(deps: DialDeps, message: DialMessage, attempt: Held): Promise<void> {
  if (await deps.runStore.unclaimRecipient(message, attempt.claimed)) {
    await deps.runStore.releaseContactAttempt(
      message.workspaceId,
      attempt.phone,
      attempt.contact.attemptKey,
      deps.clock().getTime(),
    );
  }
}

function notClaimed(
  deps: DialDeps,
  message: DialMessage,
  result: Exclude<ClaimResult, Claimed>,
  batch: Pick<BatchRun, 'agentId' | 'phoneNumberId'>,
  attempt: Attempt,
): Promise<DialOutcome> | DialOutcome {
  if (result === 'not_pending' || result === 'batch_not_running') return 'skipped';
  if (result === 'suppressed') return skipAndPass(deps, message, batch, 'suppressed');
  if (result === 'contact_busy') return contactBusy(deps, message, attempt);
  if (result === 'workspace_full') return waitForWorkspace(deps, message);
  // batch_full: the batch's own turns and calls disagree for a moment (a race); a slot frees up soon.
  // (pacing_busy only answers a claim that asked for pacing, which takeSlots handles itself.)
  return requeue(deps, message, NO_SLOT_RETRY_SECONDS);
}

/**
 * Everything the dial reads is on a freed slot's path: with the batch's agent and number in the
 * message, one round trip; otherwise the batch and recipient, then the agent and number it names.
 */
async function readForDial(deps: DialDeps, message: DialMessage): Promise<DialReads> {
  const { workspaceId, batchId, recipientIndex } = message;
  if (message.agentId && message.phoneNumberId) {
    const reads = await deps.runStore.getDialReads(message, message.agentId, message.phoneNumberId);
    // A batch's agent and number never change, so a mismatch is a message not written by us.
    if (
      !reads.batch ||
      (reads.batch.agentId === message.agentId && reads.batch.phoneNumberId === message.phoneNumberId)
    ) {
      return reads;
    }
  }
  const [batch, recipient] = await Promise.all([
    deps.runStore.getBatchRun(workspaceId, batchId),
    deps.runStore.getRecipientRun(batchId, recipientIndex),
  ]);
  if (!batch) return { batch, recipient, agent: null, phone: null };
  const [agent, phone] = await Promise.all([
    deps.store.getAgent(workspaceId, batch.agentId),
    deps.store.getPhoneNumber(workspaceId, batch.phoneNumberId),
  ]);
  return { batch, recipient, agent, phone };
}

function renderAgentTexts(
  agent: Agent,
  recipient: RecipientRun,
): { ok: true; prompt: string; firstMessage: string | null } | { ok: false; error: string } {
  const prompt = renderTemplate(agent.prompt, recipient.dynamicVars);
  const first =
    agent.firstMessage === null ? null : renderTemplate(agent.firstMessage, recipient.dynamicVars);
  const missing = [...(prompt.ok ? [] : prompt.missing), ...(first && !first.ok ? first.missing : [])];
  if (!prompt.ok || (first && !first.ok)) {
    const unique = [...new Set(missing)];
    return {
      ok: false,
      error: `Missing dynamic variable${unique.length > 1 ? 's' : ''}: ${unique.join(', ')}`,
    };
  }
  return { ok: true, prompt: prompt.text, firstMessage: first && first.ok ? first.text : null };
}

export function callbackUrl(
  publicBaseUrl: string,
  phone: Pick<PhoneNumber, 'provider'>,
  ref: DialMessage,
): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/v1/telephony/${phone.provider}/events?${refToQuery(ref)}`;
}

async function abandon(deps: DialDeps, message: DialMessage, error: string): Promise<DialOutcome> {
  await deps.runStore.abandonRecipient(message, error, deps.clock().toISOString());
  return 'abandoned';
}

async function requeue(deps: DialDeps, message: DialMessage, delaySeconds: number): Promise<DialOutcome> {
  // Fresh dispatch time first: the sweeper only re-queues recipients whose message may have been lost.
  await deps.runStore.markDispatched(message.batchId, [message.recipientIndex], deps.clock().toISOString());
  await deps.dialQueue.send([message], { delaySeconds: Math.min(delaySeconds, 900) });
  return 'requeued';
}
