import { boundedText } from './bounded-text.ts';
/**
 * A recipient and its lifecycle (reference: pending → dialing → completed | failed; round two adds
 * `skipped` and retries: an attempt that ends with a retryable outcome goes back to `pending` with
 * `nextAttemptAt`). A call that connected (a person or a voicemail answered) ends `completed`; one that
 * never connected ends `failed` with its outcome and an error. A recipient of a batch that fails before
 * dialing it ends `failed` with outcome `canceled`; one that will never be dialed for another reason
 * (cancel, stop, suppression, no calling window) is `skipped` with its `skipReason`.
 */

export const RECIPIENT_STATUSES = ['pending', 'dialing', 'completed', 'failed', 'skipped'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export const CALL_OUTCOMES = ['answered', 'voicemail', 'no_answer', 'busy', 'failed', 'canceled'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export const SKIP_REASONS = [
  'batch_cancelled',
  'batch_stopped',
  'suppressed',
  'opted_out',
  'duplicate',
  'no_calling_window',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** One call attempt as the attempt history keeps it (times in UTC; the local time is derived). */
export interface Attempt {
  attempt: number;
  /** When the call was placed (the claim), UTC. */
  dialedAt: string;
  startedAt: string | null;
  endedAt: string;
  outcome: CallOutcome;
  durationSecs: number | null;
  conversationId: string | null;
  error: string | null;
}

/**
 * The history entry an ended attempt leaves (what the end transaction appends, and what its webhook's
 * snapshot describes): placed at the claim, else when it started or ended; the error bounded as stored.
 */
export function endedAttempt(
  attempt: number,
  end: Pick<Attempt, 'startedAt' | 'endedAt' | 'outcome' | 'durationSecs' | 'conversationId' | 'error'> & {
    dialedAt: string | null;
  },
): Attempt {
  return {
    attempt,
    dialedAt: end.dialedAt ?? end.startedAt ?? end.endedAt,
    startedAt: end.startedAt,
    endedAt: end.endedAt,
    outcome: end.outcome,
    durationSecs: end.durationSecs,
    conversationId: end.conversationId,
    error: boundedText(end.error),
  };
}

/**
 * The fields an ended attempt leaves on its recipient, as the end transaction writes them, its live
 * feed entry shows them and its webhook's snapshot describes them: a retried attempt waits
 * (`pending`, due at its retry), the error bounded as stored.
 */
export function endedFields(
  end: Pick<Attempt, 'startedAt' | 'endedAt' | 'outcome' | 'durationSecs' | 'conversationId' | 'error'> & {
    status: 'completed' | 'failed';
    retryAt: string | null;
  },
) {
  return {
    status: end.retryAt === null ? end.status : ('pending' as const),
    outcome: end.outcome,
    startedAt: end.startedAt,
    endedAt: end.endedAt,
    durationSecs: end.durationSecs,
    error: boundedText(end.error),
    conversationId: end.conversationId,
    nextAttemptAt: end.retryAt,
  };
}

/** A recipient query's filters (contract "Recipient queries"); every one given must hold. */
export interface RecipientFilter {
  status?: RecipientStatus;
  outcome?: CallOutcome;
  /** `+1415…`: the phone starts with it. */
  phonePrefix?: string;
  /** `1234`: the phone ends with these digits. */
  phoneSuffix?: string;
}

export type DynamicVarValue = string | number | boolean;
export type DynamicVars = Record<string, DynamicVarValue>;

export interface Recipient {
  id: string;
  batchId: string;
  workspaceId: string;
  index: number;
  phone: string;
  dynamicVars: DynamicVars;
  status: RecipientStatus;
  outcome: CallOutcome | null;
  attempts: number;
  conversationId: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationSecs: number | null;
  error: string | null;
  skipReason: SkipReason | null;
  /** When a waiting recipient is next due (a retry, its calling window opening); null otherwise. */
  nextAttemptAt: string | null;
  /**
   * The IANA zones its calling window and local times use (resolved once, at create): one, several
   * (a number whose area spans zones: a call starts only when all are open), or `UTC` when nothing
   * resolved and the batch has no window.
   */
  timezones: string[];
  attemptHistory: Attempt[];
}

/** Who a recipient is, as a create names it; the rest is how every recipient starts. */
export type NewRecipient = Pick<
  Recipient,
  'id' | 'batchId' | 'workspaceId' | 'index' | 'phone' | 'dynamicVars'
> &
  Partial<Pick<Recipient, 'timezones' | 'status' | 'skipReason'>>;

/** A recipient as a create stores it: pending, never dialed. */
export function newRecipient(fields: NewRecipient): Recipient {
  return {
    status: 'pending',
    skipReason: null,
    timezones: ['UTC'],
    ...fields,
    nextAttemptAt: null,
    attemptHistory: [],
    outcome: null,
    attempts: 0,
    conversationId: null,
    startedAt: null,
    endedAt: null,
    durationSecs: null,
    error: null,
  };
}

export type RecipientEvent = 'dial' | 'end' | 'abandon' | 'skip';

const TRANSITIONS: Record<
  RecipientEvent,
  { from: readonly RecipientStatus[]; to: readonly RecipientStatus[] }
> = {
  // The dialer claims the recipient before placing the call.
  dial: { from: ['pending'], to: ['dialing'] },
  // The provider reports how the call ended; a retried attempt waits as pending again.
  end: { from: ['dialing'], to: ['completed', 'failed', 'pending'] },
  // The call could not be placed, or the batch failed before it was: no call ever connected.
  abandon: { from: ['pending'], to: ['failed'] },
  // It will never be dialed (cancel, stop, suppression, duplicate, no calling window).
  skip: { from: ['pending'], to: ['skipped'] },
};

export function recipientTransition(event: RecipientEvent) {
  return TRANSITIONS[event];
}

export function canRecipientApply(status: RecipientStatus, event: RecipientEvent): boolean {
  return TRANSITIONS[event].from.includes(status);
}

export function isTerminalRecipientStatus(status: RecipientStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'skipped';
}

/** Connected calls complete; everything else fails (contract "Detail"). */
export function statusForOutcome(outcome: CallOutcome): 'completed' | 'failed' {
  return outcome === 'answered' || outcome === 'voicemail' ? 'completed' : 'failed';
}
