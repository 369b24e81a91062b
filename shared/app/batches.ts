import type { CreateBatchInput } from '../contracts/batch.ts';
import { initialCounts, type Batch } from '../domain/batch.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { newRecipient, type Recipient } from '../domain/recipient.ts';
import type { BatchFilter, Page, PageRequest } from '../ports/store.ts';
import { planBatch, type PlanDeps } from './batch-plan.ts';
import type { AppDeps } from './deps.ts';

export { cancelBatch, editBatch, pauseBatch, resumeBatch, stopBatch } from './batch-controls.ts';

/**
 * Batch use cases: create, read, list (the status changes: ./batch-controls.ts). Input arrives
 * validated (shared/contracts); what needs the store or reference data is planned by ./batch-plan.ts
 * (the same plan preflight reports on) before anything is written, so a refused request stores nothing.
 */

export async function createBatch(
  deps: PlanDeps & Pick<AppDeps, 'scheduler' | 'logger'>,
  workspaceId: string,
  input: CreateBatchInput,
): Promise<Batch> {
  const plan = await planBatch(deps, workspaceId, input);
  if (plan.issues.length > 0) throw new ValidationError(plan.issues);
  const { agent, phone, zones, skips, now } = plan;
  // planBatch refuses a plan without a caller number; narrowing for the type checker.
  if (phone === null) throw new Error('a plan without issues has a caller number');
  const batchId = newId('batch', now.getTime());
  const recipients: Recipient[] = input.recipients.map((r, index) => {
    const skipReason = skips.get(index);
    return newRecipient({
      id: newId('recipient', now.getTime()),
      batchId,
      workspaceId,
      index,
      phone: r.phone,
      dynamicVars: r.dynamicVars,
      timezones: zones[index] ?? ['UTC'],
      ...(skipReason ? { status: 'skipped' as const, skipReason } : {}),
    });
  });
  const batch: Batch = {
    id: batchId,
    workspaceId,
    name: input.name,
    agentId: agent.id,
    phoneNumberId: phone.id,
    status: input.scheduledAt ? 'scheduled' : 'pending',
    scheduledAt: input.scheduledAt,
    ringingTimeoutMs: input.ringingTimeoutMs,
    maxConcurrentCalls: input.maxConcurrentCalls ?? agent.maxConcurrentCalls,
    source: input.source,
    totalRecipients: recipients.length,
    counts: { ...initialCounts(recipients.length - skips.size), skipped: skips.size },
    failureReason: null,
    createdAt: now.toISOString(),
    startedAt: null,
    completedAt: null,
    cancelledAt: null,
    pauseReason: null,
    pausedAt: null,
    stoppedAt: null,
    retry: input.retry,
    callingWindow: input.callingWindow,
    guardrails: input.guardrails,
    duplicates: input.duplicates,
  };
  await deps.store.createBatch(batch, recipients);
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

/** One recipient of a batch of the workspace, with its attempt history. */
export async function getRecipient(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  batchId: string,
  recipientId: string,
): Promise<Recipient> {
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  const recipient = (await deps.store.listRecipients(batch.id)).find((r) => r.id === recipientId);
  if (!recipient) throw new NotFoundError(`Recipient ${recipientId} does not exist in batch ${batchId}.`);
  return recipient;
}
