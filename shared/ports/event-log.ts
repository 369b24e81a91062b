import type { Recipient } from '../domain/recipient.ts';

/**
 * A batch's live event log (live progress), as its reader sees it. The entries are written by the
 * run path's own transactions, one per recipient change, under ids stamped by time
 * (shared/domain/live-events.ts); this port only reads them.
 */

/** One recipient change: its id, and the recipient as it was right after it. */
export interface RecipientEvent {
  id: number;
  recipient: Recipient;
}

/** What one read found, and how far it read: `upToId`, or less when it stopped at its limit. */
export interface EventPage {
  events: RecipientEvent[];
  readUpTo: number;
}

export interface EventLog {
  /**
   * At most `limit` entries with an id greater than `afterId` and at most `upToId`, in id order (a
   * strongly consistent read), each as the recipient was right after its change. A change whose
   * recipient is gone (the batch's retention ran out) is left out.
   */
  readBetween(batchId: string, afterId: number, upToId: number, limit: number): Promise<EventPage>;
}
