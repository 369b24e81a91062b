import { toBatchObject, toRecipientObject } from '../../contracts/batch-objects.ts';
import type { Batch } from '../../domain/batch.ts';
import type { LiveEventKind } from '../../domain/live-events.ts';
import type { Recipient } from '../../domain/recipient.ts';
import type { EventLog } from '../../ports/event-log.ts';

/** A change of the table as the stream shows it, read into the domain. */
export type TableChange =
  | { kind: 'batch'; before: Batch | null; after: Batch }
  | { kind: 'recipient'; before: Recipient | null; after: Recipient };

/**
 * Appends the changes a client can see to their batches' event logs (live progress), in the order
 * the stream gave them: one append per batch, so one counter update allocates the ids of all of a
 * batch's changes in this stream batch. A change that leaves the contract's object as it was (a dial
 * turn, a wake-up, a hand-over mark) is no event. A stream batch that is retried appends again: each
 * event is a whole object, so a repeat only repeats a state the client already shows.
 */
export async function recordLiveChanges(
  deps: { eventLog: EventLog },
  changes: readonly TableChange[],
): Promise<number> {
  const byBatch = new Map<string, { kind: LiveEventKind; data: string }[]>();
  for (const change of changes) {
    const data = visibleChange(change);
    if (data === null) continue;
    const batchId = change.kind === 'batch' ? change.after.id : change.after.batchId;
    const events = byBatch.get(batchId) ?? [];
    events.push({ kind: change.kind, data });
    byBatch.set(batchId, events);
  }
  await Promise.all([...byBatch].map(([batchId, events]) => deps.eventLog.append(batchId, events)));
  let count = 0;
  for (const events of byBatch.values()) count += events.length;
  return count;
}

/** The object a client gets for this change, as JSON; null when it shows nothing new. */
function visibleChange(change: TableChange): string | null {
  const show = (value: Batch | Recipient) =>
    JSON.stringify(
      change.kind === 'batch' ? toBatchObject(value as Batch) : toRecipientObject(value as Recipient),
    );
  const after = show(change.after);
  return change.before !== null && show(change.before) === after ? null : after;
}
