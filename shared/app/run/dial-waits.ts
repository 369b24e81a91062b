import { CALLING_WINDOW_HORIZON_MS, isOpenAt, nextOpening } from '../../domain/calling-window.ts';
import { contactDecision, prunedAttempts } from '../../domain/contact-limit.ts';
import type { DialMessage } from '../../ports/queues.ts';
import type { BatchRun, ContactClaim, RecipientRun } from '../../ports/run-store.ts';
import type { DialDeps, DialOutcome } from './dial.ts';
import { passTurn, setWake, WORKSPACE_FULL_WAIT_MS } from './dispatch.ts';

/**
 * Why a dial message does not call now, and how its recipient then waits: the batch is paused, the
 * calling window is closed, the contact limit is reached, the workspace is at its live-call limit.
 * A waiting recipient never holds a queue message: it waits as a due item (./dispatch.ts) and its
 * dial turn passes on or is given back, so waiting costs nothing per minute.
 */

/**
 * The batch does not run. Paused: the recipient waits, due now, and its turn is given back (a resume
 * tops the turns up and finds it first). Stopping or finished: the stop skips it; nothing to do here.
 */
export async function park(
  deps: DialDeps,
  message: DialMessage,
  batch: Pick<BatchRun, 'status'>,
  recipient: Pick<RecipientRun, 'dispatchedAt'>,
): Promise<DialOutcome> {
  if (batch.status !== 'paused' || recipient.dispatchedAt === null) return 'skipped';
  const parked = await deps.runStore.deferRecipient(message, deps.clock().getTime(), { releaseSlot: true });
  return parked ? 'parked' : 'skipped';
}

/**
 * A dispatched recipient that will never be dialed (suppressed since the create, no calling window
 * within 30 days): skipped, and the dial turn it held passes on.
 */
export async function skipAndPass(
  deps: DialDeps,
  message: DialMessage,
  batch: Pick<BatchRun, 'agentId' | 'phoneNumberId'>,
  reason: 'suppressed' | 'no_calling_window',
): Promise<DialOutcome> {
  const skipped = await deps.runStore.skipRecipient(message, reason, {
    heldSlot: true,
    dueSk: null,
    turnPassedOn: true,
  });
  if (skipped) await passTurn(deps, message.workspaceId, message.batchId, batch);
  return 'skipped';
}

/**
 * The calling window, in the recipient's zones (all of them must be open). Closed: the recipient waits
 * for the next opening and the dial turn passes on; no opening within 30 days of the batch's start:
 * it is skipped (`no_calling_window`).
 */
export async function applyCallingWindow(
  deps: DialDeps,
  message: DialMessage,
  batch: BatchRun,
  recipient: RecipientRun,
): Promise<'open' | DialOutcome> {
  const window = batch.callingWindow;
  if (!window) return 'open';
  const now = deps.clock();
  if (isOpenAt(window, recipient.timezones, now)) return 'open';
  const startedMs = Date.parse(batch.startedAt ?? batch.createdAt);
  const horizonMs = startedMs + CALLING_WINDOW_HORIZON_MS - now.getTime();
  const opening = horizonMs > 0 ? nextOpening(window, recipient.timezones, now, horizonMs) : null;
  if (!opening) return skipAndPass(deps, message, batch, 'no_calling_window');
  // The recipient waits for the opening and no longer holds its dial turn: it passes on.
  const deferred = await deps.runStore.deferRecipient(message, opening.getTime(), { releaseSlot: false });
  if (deferred) await passTurn(deps, message.workspaceId, message.batchId, batch);
  return deferred ? 'deferred' : 'skipped';
}

/**
 * The contact limit across batches, decided on the phone's history before the claim (which is
 * conditioned on that history's version, so a racing batch cannot slip an attempt in between).
 * Reached: the recipient waits until the limit allows it, and its dial turn passes on. Every claim
 * records its attempt, limit or not, so a batch with a limit counts the others' calls too.
 */
export async function applyContactLimit(
  deps: DialDeps,
  message: DialMessage,
  batch: BatchRun,
  recipient: RecipientRun,
): Promise<{ kind: 'claim'; claim: ContactClaim } | { kind: 'waits'; outcome: DialOutcome }> {
  const attemptKey = `${recipient.id}:${message.attempt}`;
  if (!batch.contactLimit) return { kind: 'claim', claim: { attemptKey, guard: null } };
  const nowMs = deps.clock().getTime();
  const history = await deps.runStore.getContactHistory(message.workspaceId, recipient.phone);
  const decision = contactDecision(batch.contactLimit, history.attempts, nowMs);
  if (decision.allowed) {
    const prune = prunedAttempts(history.attempts, nowMs);
    return { kind: 'claim', claim: { attemptKey, guard: { version: history.version, prune } } };
  }
  deps.logger.info('contact limit reached; the recipient waits', {
    batchId: message.batchId,
    recipientIndex: message.recipientIndex,
    allowedAt: new Date(decision.allowedAtMs).toISOString(),
  });
  const deferred = await deps.runStore.deferRecipient(message, decision.allowedAtMs, { releaseSlot: false });
  if (deferred) await passTurn(deps, message.workspaceId, message.batchId, batch);
  return { kind: 'waits', outcome: deferred ? 'deferred' : 'skipped' };
}

/**
 * The workspace is at its live-call limit (its other batches hold every slot). Handing the message
 * back to the queue every few seconds would keep one dial invocation per waiting turn busy, taking
 * dial capacity from every other tenant: instead the recipient waits (due shortly, its turn given
 * back) and its batch wakes once, at that time; the wake-up takes turns again only if the workspace
 * has room by then (./dispatch.ts, topUp). A waiting batch then costs a wake-up per interval, not a
 * dial per turn per interval.
 */
export async function waitForWorkspace(deps: DialDeps, message: DialMessage): Promise<DialOutcome> {
  const dueAt = deps.clock().getTime() + WORKSPACE_FULL_WAIT_MS;
  deps.logger.info('workspace at its live-call limit; the recipient waits', {
    batchId: message.batchId,
    recipientIndex: message.recipientIndex,
    dueAt: new Date(dueAt).toISOString(),
  });
  const deferred = await deps.runStore.deferRecipient(message, dueAt, { releaseSlot: true });
  if (deferred) await setWake(deps, message.workspaceId, message.batchId, false);
  return deferred ? 'deferred' : 'skipped';
}
