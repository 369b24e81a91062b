import type { CreateBatchInput } from '../contracts/batch.ts';
import { TIMEZONE_VAR, type RecipientInput } from '../contracts/recipient.ts';
import { initialCounts, type Batch } from '../domain/batch.ts';
import { resolveZones, type CallingWindow } from '../domain/calling-window.ts';
import { NotFoundError, ValidationError, type FieldIssue } from '../domain/errors.ts';
import { isId, newId } from '../domain/ids.ts';
import { newRecipient, type Recipient, type SkipReason } from '../domain/recipient.ts';
import type { PhoneTimezones } from '../ports/timezones.ts';
import type { BatchFilter, Page, PageRequest } from '../ports/store.ts';
import type { AppDeps } from './deps.ts';

export { cancelBatch, editBatch, pauseBatch, resumeBatch, stopBatch } from './batch-controls.ts';

/**
 * Batch use cases: create, read, list (the status changes: ./batch-controls.ts). Input arrives
 * validated (shared/contracts); what is checked here needs the store (the agent, the caller number)
 * or reference data (time zones) and happens before anything is written, so a refused request
 * stores nothing.
 */

/**
 * Every recipient's zones, resolved once at create (contract "Calling windows"): its own `timezone`,
 * else its number's, else the window's default. With a window and none of these, the rows are a 400.
 */
function resolveRecipientZones(
  phoneTimezones: PhoneTimezones,
  recipients: RecipientInput[],
  window: CallingWindow | null,
): string[][] {
  const issues: FieldIssue[] = [];
  const zones = recipients.map((r, index) => {
    const own = r.dynamicVars[TIMEZONE_VAR];
    const explicit = typeof own === 'string' && own !== '' ? own : null;
    // The number's zones matter only when nothing earlier in the rules decides.
    const needPhone = explicit === null && (window === null || window.timezone === 'recipient');
    const resolution = resolveZones(explicit, needPhone ? phoneTimezones.zonesForPhone(r.phone) : [], window);
    if (resolution.resolved) return resolution.zones;
    issues.push({
      path: r.path ?? `recipients[${index}]`,
      message:
        'has no time zone: its number maps to none; give it a timezone, or set calling_window.default_timezone',
    });
    return [];
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return zones;
}

/**
 * The rows a create stores as `skipped` (contract "Suppression list", "Contact limit across batches"):
 * phones on the workspace's suppression list, and with `duplicates: skip` every row of a phone after
 * its first; `duplicates: reject` refuses the request naming each repeated row. Answers index → reason.
 */
async function createTimeSkips(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  input: CreateBatchInput,
  now: Date,
): Promise<Map<number, SkipReason>> {
  const skips = new Map<number, SkipReason>();
  const firstRow = new Map<string, number>();
  const repeated: FieldIssue[] = [];
  input.recipients.forEach((r, index) => {
    const first = firstRow.get(r.phone);
    if (first === undefined) {
      firstRow.set(r.phone, index);
      return;
    }
    if (input.duplicates === 'skip') skips.set(index, 'duplicate');
    if (input.duplicates === 'reject') {
      const at = (i: number) => input.recipients[i]?.path ?? `recipients[${i}]`;
      repeated.push({
        path: at(index).startsWith('csv_file') ? at(index) : `${at(index)}.phone`,
        message: `repeats the phone of ${at(first)} (duplicates: reject)`,
      });
    }
  });
  if (repeated.length > 0) throw new ValidationError(repeated);
  const suppressed = await deps.store.isSuppressed(workspaceId, [...firstRow.keys()], now);
  input.recipients.forEach((r, index) => {
    if (suppressed.has(r.phone)) skips.set(index, 'suppressed');
  });
  return skips;
}

export async function createBatch(
  deps: Pick<AppDeps, 'store' | 'clock' | 'scheduler' | 'logger' | 'phoneTimezones'>,
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

  const zones = resolveRecipientZones(deps.phoneTimezones, input.recipients, input.callingWindow);
  const now = deps.clock();
  const skips = await createTimeSkips(deps, workspaceId, input, now);
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
    phoneNumberId,
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
    contactLimit: input.contactLimit,
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
