import { batchTransition, type Batch, type BatchEvent, type BatchStatus } from '../domain/batch.ts';
import { ConflictError, NotFoundError, StateConflictError, type ConflictCode } from '../domain/errors.ts';
import { spendCapReached } from '../domain/guardrails.ts';
import type { BatchEdit, Store } from '../ports/store.ts';
import type { AppDeps } from './deps.ts';

/**
 * A user's controls of a batch (contract "Cancel" and "Pause, resume, stop"): each is one conditional
 * status change built from the domain's transition table, so a control racing the run (a start, the
 * last call ending) has one winner. The run reacts to the change through the table's stream
 * (shared/app/run/reactions.ts): a pause lets live calls finish and parks queued dials, a resume tops
 * the dial turns up, a stop or cancel skips whatever still waits. A control repeated on a batch already
 * in its target state answers the batch again; any other state is a 409 with the contract's code.
 */

type ControlDeps = Pick<AppDeps, 'store' | 'clock' | 'scheduler' | 'logger'>;
type Changes = Parameters<Store['transitionBatch']>[4];

async function applyControl(
  deps: ControlDeps,
  workspaceId: string,
  batchId: string,
  event: BatchEvent,
  changes: Changes,
  refusal: { code: ConflictCode; done: readonly BatchStatus[]; allowed: string; verb: string },
): Promise<Batch> {
  const { from, to } = batchTransition(event);
  try {
    return await deps.store.transitionBatch(workspaceId, batchId, from, to, changes);
  } catch (error) {
    if (!(error instanceof StateConflictError)) throw error;
    const current = await deps.store.getBatch(workspaceId, batchId);
    if (!current) throw new NotFoundError(`Batch ${batchId} does not exist.`);
    if (refusal.done.includes(current.status)) return current;
    throw new ConflictError(
      refusal.code,
      `Batch ${batchId} is ${current.status}; only a ${refusal.allowed} batch can be ${refusal.verb}.`,
    );
  }
}

/**
 * pending | scheduled → cancelled. Its recipients are all waiting, so the counts move to `skipped` in
 * the same write; the recipients themselves follow through the stream (batch_cancelled).
 */
export async function cancelBatch(deps: ControlDeps, workspaceId: string, batchId: string): Promise<Batch> {
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  return cancelReadBatch(deps, batch);
}

/** The cancel of a batch the caller has read (its total sets the skipped count). */
async function cancelReadBatch(deps: ControlDeps, batch: Batch): Promise<Batch> {
  const { workspaceId, id: batchId } = batch;
  const cancelled = await applyControl(
    deps,
    workspaceId,
    batchId,
    'cancel',
    {
      cancelledAt: deps.clock().toISOString(),
      counts: { pending: 0, dialing: 0, completed: 0, failed: 0, skipped: batch.totalRecipients },
    },
    {
      code: 'batch_not_cancellable',
      done: ['cancelled'],
      allowed: 'pending or scheduled',
      verb: 'cancelled',
    },
  );
  // Once cancelled, a schedule that still fires finds nothing to start: removing it is tidiness,
  // and a failure to remove it must not turn a successful cancel into an error.
  if (cancelled.scheduledAt && cancelled.status === 'cancelled') {
    await deps.scheduler.cancelStart(batchId).catch((error: unknown) => {
      deps.logger?.error('could not delete the start schedule of a cancelled batch', { batchId, error });
    });
  }
  return cancelled;
}

/** running → paused (`pause_reason: user`): no new call starts; live calls finish and are recorded. */
export function pauseBatch(deps: ControlDeps, workspaceId: string, batchId: string): Promise<Batch> {
  return applyControl(
    deps,
    workspaceId,
    batchId,
    'pause',
    { pauseReason: 'user', pausedAt: deps.clock().toISOString() },
    { code: 'batch_not_pausable', done: ['paused'], allowed: 'running', verb: 'paused' },
  );
}

/** paused → running: dialing resumes up to max_concurrent_calls (the stream tops the turns up). */
export async function resumeBatch(
  deps: ControlDeps & Pick<AppDeps, 'runStore'>,
  workspaceId: string,
  batchId: string,
): Promise<Batch> {
  const current = await deps.runStore.getBatchRun(workspaceId, batchId);
  if (current?.status === 'paused' && spendCapReached(current.guardrails, current.callMs)) {
    throw new ConflictError(
      'batch_not_resumable',
      `Batch ${batchId} reached its spend cap (${current.guardrails?.maxCallMinutes} call minutes): raise guardrails.max_call_minutes with PATCH /v1/agents/batch-calls/${batchId} first.`,
    );
  }
  return applyControl(
    deps,
    workspaceId,
    batchId,
    'resume',
    { pauseReason: null, pausedAt: null },
    { code: 'batch_not_resumable', done: ['running'], allowed: 'paused', verb: 'resumed' },
  );
}

/**
 * running | paused → stopping: no new call; live calls finish, everything else is skipped
 * (batch_stopped), and the batch is cancelled once no call is live. On a pending or scheduled batch
 * it acts as cancel.
 */
export async function stopBatch(deps: ControlDeps, workspaceId: string, batchId: string): Promise<Batch> {
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  if (batch.status === 'pending' || batch.status === 'scheduled') {
    const cancelled = await cancelReadBatch(deps, batch).catch(async (error: unknown) => {
      // It started meanwhile: stop it as a running batch.
      if (error instanceof ConflictError) return null;
      throw error;
    });
    if (cancelled) return cancelled;
  }
  return applyControl(
    deps,
    workspaceId,
    batchId,
    'stop',
    { stoppedAt: deps.clock().toISOString() },
    {
      code: 'batch_not_stoppable',
      done: ['stopping', 'cancelled'],
      allowed: 'running or paused',
      verb: 'stopped',
    },
  );
}

/**
 * While paused, a batch's concurrency, retries, calling window and guardrails may change (one write
 * conditioned on `paused`); in any other status → 409 batch_not_editable. A calling window's zones
 * are the recipients' own, resolved at create: a window may switch between one zone for everybody
 * and the recipients' zones, and recipients resolved to none at create keep UTC.
 */
export async function editBatch(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  batchId: string,
  edit: BatchEdit,
): Promise<Batch> {
  const edited = await deps.store.editPausedBatch(workspaceId, batchId, edit);
  if (edited) return edited;
  const current = await deps.store.getBatch(workspaceId, batchId);
  if (!current) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  throw new ConflictError(
    'batch_not_editable',
    `Batch ${batchId} is ${current.status}; only a paused batch can be changed (pause it first).`,
  );
}
