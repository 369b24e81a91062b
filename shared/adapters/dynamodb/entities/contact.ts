import { CONTACT_HISTORY, prunedAttempts, type ContactAttempt } from '../../../domain/contact-limit.ts';
import type { ContactClaim, ContactHistory, RunStore } from '../../../ports/run-store.ts';
import { ENTITY, runKeys } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import type { Item, Table, TransactItem } from '../table-ops.ts';

/**
 * A phone's contact history in a workspace: CONTACT#<ws>#<E.164> / CONTACT, the times of its recent
 * call attempts across every batch (contract "Contact limit across batches").
 *
 * - Each attempt is one top-level attribute `a:<recipient id>:<attempt>` = claim time (ms). Top-level,
 *   not a map, so a claim can add one to an item that does not exist yet in a single update.
 * - Every dial claim writes its attempt here inside the claim's transaction, so a batch with a limit
 *   sees the attempts of batches without one. A claim under a limit was decided on a read of this
 *   item and is conditioned on its `version` (bumped by every write): two batches racing for one phone
 *   cannot both pass on the same history; the loser re-reads and decides again.
 * - Bounded: a claim under a limit also drops what no limit can need (./contact-limit.ts); a claim
 *   without one cannot prune (it did not read), so it is refused once `n` (the attempts stored)
 *   reaches HISTORY_CAP, and the dialer prunes and tries again.
 * - TTL: the item expires when its newest attempt is older than the longest window.
 */

const ATTEMPT_PREFIX = 'a:';
/** A claim without a read adds to the history only below this many stored attempts. */
export const HISTORY_CAP = 2 * CONTACT_HISTORY.keep;

export function itemToContactHistory(item: Item | null): ContactHistory {
  if (!item) return { version: null, attempts: [] };
  const attempts: ContactAttempt[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(ATTEMPT_PREFIX) && typeof value === 'number') {
      attempts.push({ key: name.slice(ATTEMPT_PREFIX.length), atMs: value });
    }
  }
  return { version: typeof item.version === 'number' ? item.version : 0, attempts };
}

const expiresAt = (nowMs: number) => Math.ceil((nowMs + CONTACT_HISTORY.maxAgeMs) / 1000);

/** The contact-history half of a dial claim (see the module comment for the two kinds of guard). */
export function contactClaimUpdate(
  tableName: string,
  workspaceId: string,
  phone: string,
  claim: ContactClaim,
  nowMs: number,
): TransactItem {
  const names: Record<string, string> = {
    '#a': ATTEMPT_PREFIX + claim.attemptKey,
    '#ttl': TABLE.ttlAttribute,
  };
  const values: Record<string, unknown> = {
    ':at': nowMs,
    ':entity': ENTITY.contactHistory,
    ':ttl': expiresAt(nowMs),
    ':one': 1,
  };
  const prune = claim.guard?.prune ?? [];
  prune.forEach((key, i) => (names[`#p${i}`] = ATTEMPT_PREFIX + key));
  values[':added'] = 1 - prune.length;
  let condition: string;
  if (claim.guard === null) {
    condition = 'attribute_not_exists(n) OR n < :cap';
    values[':cap'] = HISTORY_CAP;
  } else if (claim.guard.version === null) {
    condition = 'attribute_not_exists(version)';
  } else {
    condition = 'version = :version';
    values[':version'] = claim.guard.version;
  }
  return {
    Update: {
      TableName: tableName,
      Key: runKeys.contact(workspaceId, phone),
      UpdateExpression:
        'SET #a = :at, entity = :entity, #ttl = :ttl ADD version :one, n :added' +
        (prune.length > 0 ? ` REMOVE ${prune.map((_, i) => `#p${i}`).join(', ')}` : ''),
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * An attempt given back (the call was not placed) no longer counts. Apart from the unclaim's
 * transaction, conditioned on the attempt being there: a claim made before the history existed has
 * nothing to give back, and must not make the unclaim itself fail.
 */
function contactUnclaimUpdate(workspaceId: string, phone: string, attemptKey: string, nowMs: number) {
  return {
    Key: runKeys.contact(workspaceId, phone),
    UpdateExpression: 'SET #ttl = if_not_exists(#ttl, :ttl) REMOVE #a ADD version :one, n :minusOne',
    ConditionExpression: 'attribute_exists(#a)',
    ExpressionAttributeNames: { '#a': ATTEMPT_PREFIX + attemptKey, '#ttl': TABLE.ttlAttribute },
    ExpressionAttributeValues: { ':one': 1, ':minusOne': -1, ':ttl': expiresAt(nowMs) },
  };
}

export function contactStore(
  table: Table,
): Pick<RunStore, 'getContactHistory' | 'pruneContactHistory' | 'releaseContactAttempt'> {
  const getContactHistory = async (workspaceId: string, phone: string): Promise<ContactHistory> =>
    itemToContactHistory(await table.get(runKeys.contact(workspaceId, phone)));
  return {
    getContactHistory,

    async pruneContactHistory(workspaceId, phone, nowMs) {
      const history = await getContactHistory(workspaceId, phone);
      const prune = prunedAttempts(history.attempts, nowMs);
      if (prune.length === 0 || history.version === null) return;
      const names: Record<string, string> = {};
      prune.forEach((key, i) => (names[`#p${i}`] = ATTEMPT_PREFIX + key));
      // Lost to a concurrent write: that writer's claim or prune moves on, and so does the next dial.
      await table.update({
        Key: runKeys.contact(workspaceId, phone),
        UpdateExpression: `REMOVE ${prune.map((_, i) => `#p${i}`).join(', ')} ADD version :one, n :removed`,
        ConditionExpression: 'version = :version',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':one': 1, ':removed': -prune.length, ':version': history.version },
      });
    },

    async releaseContactAttempt(workspaceId, phone, attemptKey, nowMs) {
      await table.update(contactUnclaimUpdate(workspaceId, phone, attemptKey, nowMs));
    },
  };
}
