import type { LiveEventKind, LoggedEvent } from '../domain/live-events.ts';

/**
 * A batch's event log (live progress): entries with strictly increasing ids per batch, allocated by
 * an atomic counter, written by the table stream function and read by the events function.
 */
export interface EventLog {
  /**
   * Appends the events, in this order, under consecutive new ids (one counter update for all, then
   * the entries); answers the ids.
   */
  append(batchId: string, events: readonly { kind: LiveEventKind; data: string }[]): Promise<number[]>;
  /** At most `limit` entries with an id greater than `afterId`, in id order (a strongly consistent read). */
  readAfter(batchId: string, afterId: number, limit: number): Promise<LoggedEvent[]>;
  /** The last id allocated for the batch (0 before its first event). */
  lastId(batchId: string): Promise<number>;
}
