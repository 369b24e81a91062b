import type { CreateSuppressionInput } from '../contracts/suppression.ts';
import type { SuppressionCsvRow } from '../contracts/suppression-csv-rules.ts';
import type { FieldIssue } from '../domain/errors.ts';
import { NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Suppression } from '../domain/suppression.ts';
import type { Page, PageRequest } from '../ports/store.ts';
import type { AppDeps } from './deps.ts';

/**
 * The workspace's suppression list (contract "Suppression list and opt-outs"). Entries added here have
 * `source: 'api'`; the run adds `source: 'call'` entries when a callee opts out. Phones arrive already
 * normalized to E.164 (the contracts' phone rules).
 */

type Deps = Pick<AppDeps, 'store' | 'clock'>;

/** Imported rows written at once: enough to import the largest file well within the API's 29 s. */
const IMPORT_CONCURRENCY = 16;

function newEntry(
  workspaceId: string,
  phone: string,
  reason: string | null,
  expiresAt: string | null,
  now: Date,
) {
  const entry: Suppression = {
    id: newId('suppression', now.getTime()),
    workspaceId,
    phone,
    reason,
    source: 'api',
    conversationId: null,
    batchId: null,
    recipientId: null,
    createdAt: now.toISOString(),
    expiresAt,
  };
  return entry;
}

/** Adds a phone; when it is already listed, answers the existing entry (`created: false`) unchanged. */
export function addSuppression(
  deps: Deps,
  workspaceId: string,
  input: CreateSuppressionInput,
): Promise<{ entry: Suppression; created: boolean }> {
  const now = deps.clock();
  return deps.store.addSuppression(
    newEntry(workspaceId, input.phone, input.reason, input.expiresAt, now),
    now,
  );
}

export interface ImportResult {
  added: number;
  alreadyPresent: number;
  errors: FieldIssue[];
}

/**
 * Adds every row of an imported CSV. A phone listed already (or earlier in the file) counts as
 * already present; rows that could not be read are passed through as `errors`, by line.
 */
export async function importSuppressions(
  deps: Deps,
  workspaceId: string,
  rows: readonly SuppressionCsvRow[],
  errors: readonly FieldIssue[],
): Promise<ImportResult> {
  const now = deps.clock();
  const firstOfPhone = new Map<string, SuppressionCsvRow>();
  for (const row of rows) if (!firstOfPhone.has(row.phone)) firstOfPhone.set(row.phone, row);
  const unique = [...firstOfPhone.values()];
  let added = 0;
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const row = unique[next++];
      if (row === undefined) return;
      const { created } = await deps.store.addSuppression(
        newEntry(workspaceId, row.phone, row.reason, null, now),
        now,
      );
      if (created) added++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(IMPORT_CONCURRENCY, unique.length) }, worker));
  return { added, alreadyPresent: rows.length - added, errors: [...errors] };
}

export async function getSuppression(deps: Deps, workspaceId: string, id: string): Promise<Suppression> {
  const entry = await deps.store.getSuppression(workspaceId, id, deps.clock());
  if (entry === null) throw new NotFoundError(`Suppression ${id} does not exist.`);
  return entry;
}

/** A page of the list, in creation order; with `phone`, that phone's entry alone (one key read). */
export async function listSuppressions(
  deps: Deps,
  workspaceId: string,
  filter: { phone: string | null },
  page: PageRequest,
): Promise<Page<Suppression>> {
  const now = deps.clock();
  if (filter.phone !== null) {
    const entry = await deps.store.findSuppression(workspaceId, filter.phone, now);
    return { items: entry === null ? [] : [entry], nextCursor: null };
  }
  return deps.store.listSuppressions(workspaceId, page, now);
}

export async function deleteSuppression(deps: Deps, workspaceId: string, id: string): Promise<void> {
  const deleted = await deps.store.deleteSuppression(workspaceId, id, deps.clock());
  if (!deleted) throw new NotFoundError(`Suppression ${id} does not exist.`);
}
