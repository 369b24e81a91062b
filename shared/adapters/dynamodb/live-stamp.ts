import { liveEventId } from '../../domain/live-events.ts';
import { ENTITY, liveEventSortKey } from './keys.ts';
import type { TransactItem } from './table-ops.ts';

/**
 * The time stamp of a live event entry (shared/domain/live-events.ts: ids are stamped by time, and a
 * reader takes an entry as final once it is SETTLE_MS old). Stamped as late as possible: when the
 * transaction that carries the entry is sent, and again on every try after a conflict, so the time
 * from stamp to commit is one request's, never a retry loop's.
 */

let lastStamp = 0;

/** Now, never earlier than this container's previous stamp (a clock stepped back keeps one writer's order). */
export function liveStamp(): number {
  lastStamp = Math.max(lastStamp, Date.now());
  return lastStamp;
}

/** The transaction's items with every live event entry stamped now (the others as they are). */
export function stampLiveEvents(items: TransactItem[]): TransactItem[] {
  if (!items.some(isLiveEventPut)) return items;
  const stamp = liveStamp();
  return items.map((item) => {
    if (!isLiveEventPut(item) || !item.Put) return item;
    const entry = item.Put.Item as { index: number };
    return {
      Put: { ...item.Put, Item: { ...entry, SK: liveEventSortKey(liveEventId(stamp, entry.index)) } },
    };
  });
}

function isLiveEventPut(item: TransactItem): boolean {
  return item.Put?.Item?.entity === ENTITY.liveEvent;
}
