import type { RunDeps } from './run-deps.ts';

/**
 * The dispatcher: which recipient of a running batch is dialed next, and when.
 *
 * A batch runs with a number of dial turns (`slots`, at most max_concurrent_calls): each turn is one
 * dial message queued or one call live. When a call ends, its turn passes straight on (passTurn):
 *   1. to the earliest waiting recipient that is due now (a retry, a calling window that opened,
 *      a dial parked by a pause) — one strongly consistent Query on the batch's due items and one
 *      transaction that takes the item (two dispatchers never take the same one);
 *   2. else to the next fresh recipient in input order (the batch's `dispatched` cursor);
 *   3. else the turn is given back, and the batch sets its one wake-up at its earliest due time.
 * Nothing polls a waiting batch: the wake-up (an EventBridge Scheduler one-time schedule, created by
 * the table stream when `wakeAt` changes) tops the turns up again (topUp), as does a resume.
 *
 * The dispatcher only decides who gets a dial message. Whether a call is placed is still decided by
 * the claim (pending → dialing for attempt n, only from attempt n−1, only while the batch runs), so a
 * message sent twice, or a turn counted wrong, can never call a person twice for one attempt.
 */
type DispatchDeps = Pick<RunDeps, 'runStore' | 'dialQueue' | 'clock' | 'logger'>;

/** The shortest wait a wake-up is set for: a recipient due "now" that found no turn is looked at again. */
const MIN_WAKE_DELAY_MS = 1_000;
/** How long a batch waits for its workspace to have a free call slot before it looks again. */
export const WORKSPACE_FULL_WAIT_MS = 5_000;

/**
 * What the caller read of the batch: its agent and caller number (the dial then reads in one round
 * trip) and whether it may have waiting recipients (if not, no due Query before the next fresh one).
 */
export type BatchIds = { agentId: string; phoneNumberId: string; mayHaveDue?: boolean } | null;

/** Sends the next recipient's dial message, if one may be dialed now; false when none. */
async function sendNext(
  deps: DispatchDeps,
  workspaceId: string,
  batchId: string,
  ids: BatchIds,
): Promise<boolean> {
  const now = deps.clock();
  const takeDue = async (): Promise<boolean | 'not_running'> => {
    const due = await deps.runStore.takeDue(workspaceId, batchId, now.getTime(), now.toISOString());
    if (due === 'not_running' || due === null) return due === 'not_running' ? due : false;
    const known = ids ? { agentId: ids.agentId, phoneNumberId: ids.phoneNumberId } : {};
    await deps.dialQueue.send([{ workspaceId, batchId, ...due, ...known }]);
    return true;
  };
  // Waiting recipients first, unless the batch read says it has none (a read a moment old: one
  // written since waits for the next turn, or for the wake-up when the fresh ones run out).
  const dueFirst = ids?.mayHaveDue !== false;
  if (dueFirst) {
    const taken = await takeDue();
    if (taken !== false) return taken === true;
  }
  const next = await deps.runStore.takeNextIndex(workspaceId, batchId, now.toISOString());
  if (!next) return dueFirst ? false : (await takeDue()) === true;
  // Marked before it is sent: a message lost after this is found by the sweeper (dispatched long ago).
  await deps.runStore.markDispatched(batchId, [next.recipientIndex], now.toISOString());
  await deps.dialQueue.send([{ workspaceId, batchId, attempt: 1, ...next }]);
  return true;
}

/**
 * Passes a dial turn on (a call ended, a recipient was deferred or skipped); when nothing may be
 * dialed now the turn is given back and the wake-up set. True when a dial message was sent.
 */
export async function passTurn(
  deps: DispatchDeps,
  workspaceId: string,
  batchId: string,
  ids: BatchIds = null,
): Promise<boolean> {
  if (await sendNext(deps, workspaceId, batchId, ids)) return true;
  const left = await deps.runStore.releaseSlot(workspaceId, batchId, deps.clock().toISOString());
  await setWake(deps, workspaceId, batchId, left === 0);
  return false;
}

/**
 * Takes dial turns while the batch runs below its concurrency and someone may be dialed now (a
 * wake-up fired, a resume, the sweeper's repair); then sets the next wake-up. Answers the turns taken.
 */
export async function topUp(deps: DispatchDeps, workspaceId: string, batchId: string): Promise<number> {
  if (!(await deps.runStore.workspaceHasRoom(workspaceId))) {
    // Every call slot of the workspace is taken: dial messages would only find it full. The batch
    // looks again later (its earliest due recipient, or its next fresh one, waits meanwhile).
    deps.logger.info('workspace at its live-call limit; batch waits', { workspaceId, batchId });
    await setWake(deps, workspaceId, batchId, false, {
      minDelayMs: WORKSPACE_FULL_WAIT_MS,
      evenIfNoneDue: true,
    });
    return 0;
  }
  let sent = 0;
  let idle = false;
  for (;;) {
    const batch = await deps.runStore.acquireSlot(workspaceId, batchId, deps.clock().toISOString());
    if (!batch) break;
    const ids = { agentId: batch.agentId, phoneNumberId: batch.phoneNumberId, mayHaveDue: batch.mayHaveDue };
    if (!(await sendNext(deps, workspaceId, batchId, ids))) {
      idle = (await deps.runStore.releaseSlot(workspaceId, batchId, deps.clock().toISOString())) === 0;
      break;
    }
    sent++;
  }
  await setWake(deps, workspaceId, batchId, idle);
  return sent;
}

/**
 * Sets a running batch's wake-up at its earliest due recipient (never sooner than `minDelayMs`, a
 * second unless given, from now), unless an earlier one is set; with nothing due, none, unless
 * `evenIfNoneDue` (a batch whose fresh recipients wait too). The table stream turns the new `wakeAt`
 * into a one-time schedule. `idle`: no dial turn is left, so until then the batch costs nothing (the
 * sweeper skips it too).
 */
export async function setWake(
  deps: DispatchDeps,
  workspaceId: string,
  batchId: string,
  idle: boolean,
  options: { minDelayMs: number; evenIfNoneDue: boolean } = {
    minDelayMs: MIN_WAKE_DELAY_MS,
    evenIfNoneDue: false,
  },
): Promise<void> {
  const earliest = await deps.runStore.earliestDue(batchId);
  if (earliest === null && !options.evenIfNoneDue) return;
  const now = deps.clock();
  const at = new Date(Math.max(earliest ?? 0, now.getTime() + options.minDelayMs)).toISOString();
  if (await deps.runStore.setWake(workspaceId, batchId, at, now.toISOString(), idle)) {
    deps.logger.info('batch waits; wake-up set', { workspaceId, batchId, wakeAt: at });
  }
}

/** A wake-up fired: clear it (if it is still the one set) and top the batch up. */
export async function onWake(
  deps: DispatchDeps,
  workspaceId: string,
  batchId: string,
  at: string,
): Promise<number> {
  await deps.runStore.clearWake(workspaceId, batchId, at);
  return topUp(deps, workspaceId, batchId);
}
