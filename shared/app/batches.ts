import type { CreateBatchInput } from '../contracts/batch.ts';
import { batchTransition, initialCounts, type Batch } from '../domain/batch.ts';
import { ConflictError, NotFoundError, StateConflictError, ValidationError } from '../domain/errors.ts';
import { isId, newId } from '../domain/ids.ts';
import { newRecipient, type Recipient } from '../domain/recipient.ts';
import type { BatchFilter, Page, PageRequest } from '../ports/store.ts';
import type { AppDeps } from './deps.ts';

/**
 * Batch use cases: create, read, list, cancel. Input arrives validated (shared/contracts); what is
 * checked here needs the store (the agent, the caller number) and happens before anything is written,
 * so a refused request stores nothing.
 */

export async function createBatch(
  deps: Pick<AppDeps, 'store' | 'clock' | 'scheduler' | 'logger'>,
  workspaceId: string,
  input: CreateBatchInput,
): Promise<Batch> {
  const { store } = deps;
  // An id of the wrong shape names nothing (and must never reach a key builder): not found.
  const agent = isId('agent', input.agentId) ? await store.getAgent(workspaceId, input.agentId) : null;
  if (!agent) throw new NotFoundError(`Agent ${input.agentId} does not exist.`, 'agent_not_found');

  const phoneNumberId = input.phoneNumberId ?? agent.phoneNumberId;
  if (!phoneNumberId) {
    throw new ValidationError([
      {
        path: 'phone_number_id',
        message:
          'is required: the agent has no phone number bound; pass phone_number_id or bind one to the agent',
      },
    ]);
  }
  const phone = isId('phoneNumber', phoneNumberId)
    ? await store.getPhoneNumber(workspaceId, phoneNumberId)
    : null;
  if (!phone)
    throw new NotFoundError(`Phone number ${phoneNumberId} does not exist.`, 'phone_number_not_found');
  if (!phone.outbound) {
    throw new ValidationError([
      { path: 'phone_number_id', message: `${phoneNumberId} is not outbound-capable` },
    ]);
  }

  const now = deps.clock();
  const batchId = newId('batch', now.getTime());
  const recipients: Recipient[] = input.recipients.map((r, index) =>
    newRecipient({
      id: newId('recipient', now.getTime()),
      batchId,
      workspaceId,
      index,
      phone: r.phone,
      dynamicVars: r.dynamicVars,
    }),
  );
  const batch: Batch = {
    id: batchId,
    workspaceId,
    name: input.name,
    agentId: agent.id,
    phoneNumberId,
    status: input.scheduledAt ? 'scheduled' : 'pending',
    scheduledAt: input.scheduledAt,
    ringingTimeoutMs: input.ringingTimeoutMs,
    maxConcurrentCalls: input.maxConcurrentCalls ?? agent.maxConcurrentCalls,
    source: input.source,
    totalRecipients: recipients.length,
    counts: initialCounts(recipients.length),
    failureReason: null,
    createdAt: now.toISOString(),
    startedAt: null,
    completedAt: null,
    cancelledAt: null,
  };
  await store.createBatch(batch, recipients);
  if (batch.scheduledAt) {
    try {
      await deps.scheduler.scheduleStart({ workspaceId, batchId: batch.id, at: batch.scheduledAt });
    } catch (error) {
      // The batch is stored and answered; refusing now would invite a duplicate create. The sweeper
      // starts a scheduled batch whose time has passed, so a lost schedule delays it by a minute at most.
      deps.logger?.error('could not create the start schedule; the sweeper will start the batch', {
        batchId: batch.id,
        error,
      });
    }
  }
  return batch;
}

export async function getBatchDetail(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  batchId: string,
): Promise<{ batch: Batch; recipients: Recipient[] }> {
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  const recipients = await deps.store.listRecipients(batch.id);
  return { batch, recipients };
}

export function listBatches(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  filter: BatchFilter,
  page: PageRequest,
): Promise<Page<Batch>> {
  return deps.store.listBatches(workspaceId, filter, page);
}

/**
 * pending | scheduled → cancelled, as one conditional update: a cancel racing the start has one
 * winner. Cancelling a cancelled batch answers it again (idempotent); any other state is a 409.
 */
export async function cancelBatch(
  deps: Pick<AppDeps, 'store' | 'clock' | 'scheduler' | 'logger'>,
  workspaceId: string,
  batchId: string,
): Promise<Batch> {
  const { from, to } = batchTransition('cancel');
  try {
    const cancelled = await deps.store.transitionBatch(workspaceId, batchId, from, to, {
      cancelledAt: deps.clock().toISOString(),
    });
    // Once cancelled, a schedule that still fires finds nothing to start: removing it is tidiness,
    // and a failure to remove it must not turn a successful cancel into an error.
    if (cancelled.scheduledAt) {
      await deps.scheduler.cancelStart(batchId).catch((error: unknown) => {
        deps.logger?.error('could not delete the start schedule of a cancelled batch', { batchId, error });
      });
    }
    return cancelled;
  } catch (error) {
    if (!(error instanceof StateConflictError)) throw error;
    const current = await deps.store.getBatch(workspaceId, batchId);
    if (!current) throw new NotFoundError(`Batch ${batchId} does not exist.`);
    if (current.status === 'cancelled') return current;
    throw new ConflictError(
      'batch_not_cancellable',
      `Batch ${batchId} is ${current.status}; only a pending or scheduled batch can be cancelled.`,
    );
  }
}
