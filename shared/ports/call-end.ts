import type { OutboxRecord } from '../domain/outbox.ts';
import type { CallOutcome } from '../domain/recipient.ts';

/** What the end of a call attempt records (run-store.ts `endCall`, `endCallAndPass`). */
export interface CallEnd {
  status: 'completed' | 'failed';
  outcome: CallOutcome;
  startedAt: string | null;
  endedAt: string;
  durationSecs: number | null;
  error: string | null;
  conversationId: string | null;
  transcriptKey: string | null;
  /** When the call was placed (the claim), for the attempt history. */
  dialedAt: string | null;
  /**
   * Set when this attempt is retried: the recipient goes back to `pending`, due then (a due item is
   * written in the same transaction), instead of ending `completed`/`failed`.
   */
  retryAt: string | null;
  /** The live-call shard the attempt's claim took (the recipient's `liveShard`): the end releases it. */
  liveShard: number;
  /**
   * Whether the end appends this attempt's breaker mark to the batch item: only when the batch has a
   * failure breaker (domain/guardrails.ts hasBreaker), the marks' only reader — a list nothing reads
   * would grow by one mark an attempt, and every later write of the batch item is paid by its size.
   */
  breakerMark: boolean;
}

/** What an end transaction writes beside the end itself. */
export interface EndOptions {
  /**
   * The recipient is marked handed over: the caller dispatches the next recipient itself (and gives
   * the mark back if it cannot).
   */
  handOver?: boolean;
  /** The attempt's outbox record, written in the same transaction (its event then needs no reaction). */
  outbox?: OutboxRecord | null;
  /** The attempt's event marked recorded: the stream's reaction has nothing left to do. */
  eventRecorded?: boolean;
}
