import type { ContactAttempt } from '../domain/contact-limit.ts';
import type { Batch } from '../domain/batch.ts';
import type { EndpointHealth } from '../domain/endpoint-breaker.ts';
import type { OutboxRecord, DeliveryAttempt, DeliveryStatus } from '../domain/outbox.ts';
import type { BreakerMark } from '../domain/guardrails.ts';
import type { Recipient, SkipReason } from '../domain/recipient.ts';
import type { CallRef } from './dialer.ts';
import type { CallEnd, EndOptions } from './call-end.ts';
import type { ClaimPacing, ClaimResult, Claimed } from './claim.ts';
import type { DeliveryReads, DialReads, EndpointRef, RunReads } from './run-reads.ts';

export type { CallEnd, EndOptions } from './call-end.ts';

export type { DeliveryReads, DialReads, EndpointRef, RunReads } from './run-reads.ts';
export type { ClaimPacing, ClaimResult, Claimed } from './claim.ts';

/**
 * Storage for running batches. Every method that changes a state does it with a condition (and the
 * ones that move counts, in one transaction with the count update), so duplicates and races resolve
 * to exactly one winner: the return value says whether this caller won.
 */

/** A recipient with the bookkeeping of running it. */
export interface RecipientRun extends Recipient {
  dispatchedAt: string | null;
  dialingSince: string | null;
  provider: string | null;
  providerCallId: string | null;
  handedOver: boolean;
  /** Its webhook event is in the outbox (set by the stream reaction; the sweeper redoes it until set). */
  eventRecorded: boolean;
  /** The workspace live-call shard its claim took (0 also for one claimed before shards): its end releases it. */
  liveShard: number;
  transcriptKey: string | null;
  /** The key of its due item while it waits (one waiting recipient, one due item), else null. */
  dueSk: string | null;
}

export interface BatchRun extends Batch {
  /**
   * How many writes moved the batch's attention (progress) so far: the sweeper's own move of it is
   * conditioned on this, so progress made while it looked is never hidden. Absent: 0.
   */
  progress?: number;
  /** Fresh recipients handed to the dial queue so far, in index order (the cursor). */
  dispatched: number;
  /**
   * Dial turns in circulation: dial messages queued plus calls live. At most max_concurrent_calls;
   * a turn passes from an ended call to the next recipient due, and is given back when none is due.
   */
  slots: number;
  /** When the batch's one wake-up is set for (its earliest waiting recipient), or null. */
  wakeAt: string | null;
  /** Summed call time of its ended attempts (the spend cap). */
  callMs: number;
  /** The marks of its latest ended attempts, oldest first (the failure breaker; trimmed now and then). */
  recentOutcomes: BreakerMark[];
  /**
   * False only when the batch has no waiting (due) recipient for sure: then a freed turn goes to the
   * next fresh recipient without the due Query. Counted, conservatively, by the writes that add and
   * take due items (./entities/due.ts); true for a batch started before the count existed.
   */
  mayHaveDue: boolean;
}

export interface NextDispatch {
  recipientIndex: number;
  agentId: string;
  phoneNumberId: string;
}

/** A waiting recipient taken to be dialed now. */
export interface DueDispatch {
  recipientIndex: number;
  attempt: number;
}

/** A phone's recent attempts across the workspace (the contact limit); version null: none stored. */
export interface ContactHistory {
  version: number | null;
  attempts: ContactAttempt[];
}

/**
 * How a claim records its attempt in the phone's contact history. `guard` null: the batch has no
 * contact limit, nothing was read. Otherwise the claim was decided on the history at `version`, and
 * drops `prune` (attempts no limit needs) as it writes.
 */
export interface ContactClaim {
  attemptKey: string;
  guard: { version: number | null; prune: string[] } | null;
}

type RecipientRef = Pick<CallRef, 'workspaceId' | 'batchId' | 'recipientIndex'>;

export interface RunStore {
  getBatchRun(workspaceId: string, batchId: string): Promise<BatchRun | null>;
  getRecipientRun(batchId: string, index: number): Promise<RecipientRun | null>;
  listRecipientRuns(batchId: string): Promise<RecipientRun[]>;
  /**
   * The dial's reads in one round trip: the batch, the recipient, and the agent and caller number
   * the batch names (the dial message carries their ids; the caller checks they match the batch).
   */
  getDialReads(ref: CallRef, agentId: string, phoneNumberId: string): Promise<DialReads>;
  /**
   * The batch with, as asked, the recipient and the batch's agent: one round trip (the agent's id,
   * which never changes for a batch, is remembered after the batch's first read).
   */
  getRunReads(
    ref: Pick<CallRef, 'workspaceId' | 'batchId' | 'recipientIndex'>,
    want: { recipient: boolean; agent: boolean },
  ): Promise<RunReads>;
  /** Whether the workspace has a free live-call slot now (a strongly consistent read). */
  workspaceHasRoom(workspaceId: string): Promise<boolean>;
  /** The batch's agent and caller number (they never change: remembered, read once per container). */
  getBatchIds(
    workspaceId: string,
    batchId: string,
  ): Promise<{ agentId: string; phoneNumberId: string } | null>;

  /**
   * pending|scheduled → running with `dispatched = slots = window`; null when another start (or a
   * cancel) won.
   */
  startBatch(workspaceId: string, batchId: string, window: number, now: string): Promise<BatchRun | null>;
  /** pending|scheduled|running|paused → failed with a reason; false when the batch was already finished. */
  failBatch(workspaceId: string, batchId: string, reason: string, now: string): Promise<boolean>;
  /** running|paused → completed, only when every recipient is completed, failed or skipped. */
  completeBatch(workspaceId: string, batchId: string, now: string): Promise<boolean>;
  /** stopping → cancelled, once no recipient is pending or dialing. */
  finishStop(workspaceId: string, batchId: string, now: string): Promise<boolean>;
  markDispatched(batchId: string, indexes: number[], now: string): Promise<void>;

  /** Takes one more dial turn (while running and below max_concurrent_calls); the batch, or null. */
  acquireSlot(workspaceId: string, batchId: string, now: string): Promise<BatchRun | null>;
  /**
   * A recipient skipped at create (suppressed, duplicate) was handed a dial turn by the cursor: true
   * once, for the one dial that passes it on.
   */
  takeSkippedTurn(batchId: string, index: number): Promise<boolean>;
  /**
   * Gives a dial turn back (nothing left to dial now, or the batch does not run); the turns left.
   * Progress at `now` (the sweeper's attention moves on).
   */
  releaseSlot(workspaceId: string, batchId: string, now: string): Promise<number | null>;
  /**
   * Sets a running batch's wake-up to `at` unless one at or before it is already set (a wake-up older
   * than `now` is stale and replaced); true when this call set it (the table stream then creates its
   * schedule). With `idle` (no dial turn left) the sweeper leaves the batch alone until then.
   */
  setWake(workspaceId: string, batchId: string, at: string, now: string, idle: boolean): Promise<boolean>;
  /** A paused batch with nothing live rests: the sweeper leaves it alone until `until` (or a resume). */
  rest(workspaceId: string, batchId: string, until: string): Promise<void>;
  /** Clears the wake-up that fired (only if it is still `at`). */
  clearWake(workspaceId: string, batchId: string, at: string): Promise<void>;
  /**
   * Drops the `count` oldest breaker marks (only appends happen meanwhile, so they are still the
   * oldest), only while at least `keep` would remain: the ones its failure breaker looks at.
   */
  trimOutcomes(workspaceId: string, batchId: string, count: number, keep: number): Promise<void>;
  /** Sets the number of dial turns (the sweeper's repair), only if it is still `expected`. */
  repairSlots(workspaceId: string, batchId: string, expected: number, actual: number): Promise<boolean>;

  /**
   * The earliest waiting recipient due at or before `nowMs`, taken (its due item removed, the
   * recipient marked dispatched), or null; `not_running` when the batch does not run.
   */
  takeDue(
    workspaceId: string,
    batchId: string,
    nowMs: number,
    now: string,
  ): Promise<DueDispatch | 'not_running' | null>;
  /** When the earliest waiting recipient is due (ms), or null when none waits. */
  earliestDue(batchId: string): Promise<number | null>;
  /**
   * A dispatched recipient that may not be dialed now waits (pending, due at `dueAtMs`) and gives up
   * its dispatch; with `releaseSlot` its dial turn is given back too (the batch does not run),
   * otherwise the caller passes the turn on. False when the recipient was not waiting for this attempt.
   */
  deferRecipient(ref: CallRef, dueAtMs: number, options: { releaseSlot: boolean }): Promise<boolean>;
  /**
   * pending → skipped with its reason and counts, removing its due item; `heldSlot` says whether it
   * holds a dial turn (dispatched, not deferred), which is then given back in the same transaction;
   * `countsMoved` when the batch's counts already say so (a cancel moves them all at once);
   * `turnPassedOn` when the caller passes the held turn on itself instead of giving it back.
   */
  skipRecipient(
    ref: RecipientRef,
    reason: SkipReason,
    state: { heldSlot: boolean; dueSk: string | null; countsMoved?: boolean; turnPassedOn?: boolean },
  ): Promise<boolean>;

  /** Next free dial slot of a caller number (ms epoch), reserved; null when it is further than `maxAheadMs`. */
  reservePacingSlot(
    workspaceId: string,
    phoneNumberId: string,
    intervalMs: number,
    nowMs: number,
    maxAheadMs: number,
  ): Promise<number | null>;

  /**
   * One transaction: recipient pending → dialing (attempt n, only from attempt n−1), batch counts
   * (pending−1, dialing+1, only while running and below max_concurrent_calls), workspace live calls +1
   * in one shard (only below its share of the workspace's maxLiveCalls; a full shard: a few others
   * are tried, then `workspace_full`), and with `pacing` the caller number's pacing slot "now" (only
   * if the number is idle, else `pacing_busy` and nothing written).
   */
  claimRecipient(
    ref: CallRef,
    now: string,
    phone: string,
    contact: ContactClaim,
    options?: { pacing?: ClaimPacing },
  ): Promise<ClaimResult>;
  /** The phone's contact history (one strongly consistent read). */
  getContactHistory(workspaceId: string, phone: string): Promise<ContactHistory>;
  /** Drops the attempts no contact limit needs from a phone's history (after a `contact_busy` on its cap). */
  pruneContactHistory(workspaceId: string, phone: string, nowMs: number): Promise<void>;
  /** An unclaimed attempt leaves the phone's history (it was never placed). */
  releaseContactAttempt(workspaceId: string, phone: string, attemptKey: string, nowMs: number): Promise<void>;
  /**
   * Remembers the provider's call id on the dialing recipient and, unless every callback of the
   * provider names our ref (`index: false`), indexes it for callbacks.
   */
  recordPlacedCall(
    ref: CallRef,
    recipientId: string,
    provider: string,
    providerCallId: string,
    options?: { index: boolean },
  ): Promise<void>;
  /**
   * Undoes a claim whose call the provider refused to place for now (rate limited): no attempt
   * counted; the claim's live-call shard released.
   */
  unclaimRecipient(ref: CallRef, claimed: Claimed): Promise<boolean>;
  /**
   * One transaction: recipient dialing (this attempt) → terminal, batch counts, workspace live calls −1
   * (in the shard `end.liveShard`, which must be the one the recipient recorded).
   * With `handOver`, the recipient is also marked handed over in that write: the caller then
   * dispatches the next recipient itself (and gives the mark back if it cannot).
   */
  endCall(ref: CallRef, end: CallEnd, options?: EndOptions): Promise<boolean>;
  /**
   * `endCall` that also passes the call's dial turn to the next fresh recipient in the same write,
   * when the batch still runs and its cursor is still `dispatched` (what the caller read): the
   * cursor moves on and that recipient is marked dispatched. `handedTo` is its index, or null when
   * the cursor had moved (the call is ended all the same, and the caller passes the turn itself), or
   * pointed at this very recipient (dialed before its turn: the cursor steps past it, and the caller
   * passes the turn itself).
   */
  endCallAndPass(
    ref: CallRef,
    end: CallEnd,
    options: EndOptions & { dispatched: number; now: string },
  ): Promise<{ ended: boolean; handedTo: number | null }>;
  /** A recipient that could never be dialed (a missing variable): pending → failed, with its counts. */
  abandonRecipient(ref: RecipientRef, error: string, now: string): Promise<boolean>;
  findCall(provider: string, providerCallId: string): Promise<(CallRef & { recipientId: string }) | null>;

  /**
   * Takes back the hand-over mark of an ended recipient whose next dispatch failed, unless its stream
   * reaction already ran: that reaction (or the sweeper) then hands the slot over instead.
   */
  releaseHandOver(batchId: string, index: number, attempt: number): Promise<boolean>;
  /**
   * After its event is in the outbox: marks the event of an ended attempt as recorded and, in the
   * same write, hands its dial turn over if nobody did yet; true when this call won the hand-over.
   */
  markEventRecorded(batchId: string, index: number, attempt: number): Promise<boolean>;
  /**
   * Takes the next fresh recipient index (the cursor: dispatched + 1, while below the total and the
   * batch runs), with the agent and caller number the dial will read.
   */
  takeNextIndex(workspaceId: string, batchId: string, now: string): Promise<NextDispatch | null>;

  /** Writes the outbox record unless it exists; true when this call wrote it. */
  putOutbox(record: OutboxRecord): Promise<boolean>;
  getOutbox(batchId: string, webhookId: string): Promise<OutboxRecord | null>;
  /**
   * What a delivery reads besides its record (which its claim returns), in one round trip: the agent
   * and its endpoint's breaker, and with `payload` (a record without a snapshot) the batch and, for a
   * recipient's event, the recipient.
   */
  getDeliveryReads(
    record: Pick<OutboxRecord, 'workspaceId' | 'agentId' | 'batchId' | 'recipientIndex'>,
    options: { payload: boolean },
  ): Promise<DeliveryReads>;
  listOutbox(batchId: string): Promise<OutboxRecord[]>;
  /**
   * Takes the right to send the next attempt until `until`, and returns the record (one request):
   * conditioned on the record still to be delivered, due by `dueBy` and not claimed by another worker
   * until later than `now`, so two workers holding copies of one message never both POST. A worker
   * that dies while sending leaves a claim that simply expires. When another worker holds the claim,
   * the answer says until when (that copy should come back then); when there is nothing to send now
   * (delivered, failed, not due yet, no such record), `heldUntil` is null.
   */
  claimDelivery(
    ref: { batchId: string; webhookId: string },
    claim: { now: string; until: string; dueBy: string },
  ): Promise<{ claimed: true; record: OutboxRecord } | { claimed: false; heldUntil: string | null }>;
  /** Gives back a claim this worker holds (`until` identifies it) after a failure that was not a crash. */
  releaseDelivery(record: OutboxRecord, until: string): Promise<void>;
  /**
   * Appends an attempt and releases the claim, conditioned on the attempts seen (two workers never both
   * record). A record still waiting stays in the due index at `nextAttemptAt` (the sweeper's safety net
   * when the message carrying it is lost); a finished one leaves it.
   */
  recordDeliveryAttempt(
    record: OutboxRecord,
    attempt: DeliveryAttempt,
    next: { status: DeliveryStatus; nextAttemptAt: string | null },
  ): Promise<boolean>;
  /**
   * Holds a claimed delivery back until `nextAttemptAt` without an attempt (its endpoint's breaker is
   * open), giving the claim (`claimedUntil`) back: it stays due in the index at that time; conditioned
   * on the attempts and status seen and on the claim.
   */
  holdDelivery(record: OutboxRecord, nextAttemptAt: string, claimedUntil: string): Promise<boolean>;

  /** An endpoint's breaker state (one strongly consistent read), for a delivery read without it. */
  getEndpointHealth(ref: EndpointRef): Promise<EndpointHealth | null>;
  /**
   * Takes the probe of a half-open endpoint until `untilMs` (one conditional write): true for one
   * caller at a time. `fresh`: no state exists for this URL yet; taking the probe creates it.
   */
  takeEndpointProbe(
    ref: EndpointRef,
    urlKey: string,
    options: { fresh: boolean; nowMs: number; untilMs: number },
  ): Promise<boolean>;
  /** Counts a failed attempt (atomic add); the failures in a row, or null when the URL changed. */
  countEndpointFailure(ref: EndpointRef, urlKey: string): Promise<number | null>;
  /**
   * Opens (`openUntil` a time) or closes (null) the endpoint, for `urlKey` only; `endsProbe` gives
   * the probe lease back, `onlyIfClosed` leaves an endpoint already open or half-open alone.
   */
  setEndpointState(
    ref: EndpointRef,
    urlKey: string,
    state: { openUntil: number | null; resetFailures: boolean; endsProbe: boolean; onlyIfClosed?: boolean },
  ): Promise<void>;

  /**
   * Redelivery asked for by a user: due now. A finished delivery becomes `pending` for one manual
   * attempt; one still in its automatic schedule keeps its state and is just tried now.
   */
  requeueDelivery(
    batchId: string,
    webhookId: string,
    now: string,
    options: { manual: boolean },
  ): Promise<OutboxRecord | null>;

  /**
   * Batches not finished whose attention time is at or before `now` (the sweeper asks for its
   * attention delay ago), oldest first: a healthy running batch, one waiting for its wake-up, a
   * paused one at rest and a scheduled one are not listed before their time.
   */
  listActiveBatches(now: string): Promise<{ workspaceId: string; batchId: string }[]>;
  /**
   * The sweeper's move of a batch's attention time to `at` (its next stuck check), unless progress
   * was written since it read the batch at `seenProgress` (that progress set the attention itself).
   */
  setAttention(workspaceId: string, batchId: string, at: string, seenProgress: number): Promise<boolean>;
  /**
   * Takes the lease `name` for `holder` until `untilMs`, unless another holder has it unexpired at
   * `nowMs`: true when taken. One conditional write.
   */
  acquireLease(name: string, holder: string, nowMs: number, untilMs: number): Promise<boolean>;
  /** Gives a lease back early (only the holder's own). */
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * Deliveries whose next attempt is due (sweeper): the earliest ones, with `limit` at most that many
   * of each index shard (the rest are found by the next sweep).
   */
  listDueDeliveries(now: string, limit?: number): Promise<{ batchId: string; webhookId: string }[]>;
  /**
   * Removes what a batch whose retention is over left beside its own item (recipients, outbox
   * records, live events, due items); how many items it removed. Run once its item is gone.
   */
  purgeBatchItems(batchId: string): Promise<number>;
}
