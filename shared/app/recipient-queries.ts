import { NotFoundError } from '../domain/errors.ts';
import type { Recipient, RecipientFilter } from '../domain/recipient.ts';
import type { Page, PageRequest } from '../ports/store.ts';
import type { AppDeps } from './deps.ts';

/**
 * A batch's recipients a page at a time, filtered (contract "Recipient queries"); the detail route
 * keeps answering all of them. The batch is looked up in the workspace first: another workspace's
 * batch is a 404, and its cursor (which names its batch) a 400.
 */
export async function listRecipients(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  batchId: string,
  filter: RecipientFilter,
  page: PageRequest,
): Promise<Page<Recipient>> {
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  return deps.store.queryRecipients(batch.id, filter, page);
}
