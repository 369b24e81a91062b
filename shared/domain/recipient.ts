/**
 * A recipient and its lifecycle (reference: pending → dialing → completed | failed).
 * A call that connected (a person or a voicemail answered) ends `completed`; one that never connected
 * ends `failed` with its outcome and an error. A recipient of a batch that fails before dialing it
 * ends `failed` with outcome `canceled`.
 */

export const RECIPIENT_STATUSES = ['pending', 'dialing', 'completed', 'failed'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export const CALL_OUTCOMES = ['answered', 'voicemail', 'no_answer', 'busy', 'failed', 'canceled'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

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
}

/** Who a recipient is, as a create names it; the rest is how every recipient starts. */
export type NewRecipient = Pick<
  Recipient,
  'id' | 'batchId' | 'workspaceId' | 'index' | 'phone' | 'dynamicVars'
>;

/** A recipient as a create stores it: pending, never dialed. */
export function newRecipient(fields: NewRecipient): Recipient {
  return {
    ...fields,
    status: 'pending',
    outcome: null,
    attempts: 0,
    conversationId: null,
    startedAt: null,
    endedAt: null,
    durationSecs: null,
    error: null,
  };
}

export type RecipientEvent = 'dial' | 'end' | 'abandon';

const TRANSITIONS: Record<
  RecipientEvent,
  { from: readonly RecipientStatus[]; to: readonly RecipientStatus[] }
> = {
  // The dialer claims the recipient before placing the call.
  dial: { from: ['pending'], to: ['dialing'] },
  // The provider reports how the call ended.
  end: { from: ['dialing'], to: ['completed', 'failed'] },
  // The call could not be placed, or the batch failed before it was: no call ever connected.
  abandon: { from: ['pending'], to: ['failed'] },
};

export function recipientTransition(event: RecipientEvent) {
  return TRANSITIONS[event];
}

export function canRecipientApply(status: RecipientStatus, event: RecipientEvent): boolean {
  return TRANSITIONS[event].from.includes(status);
}

export function isTerminalRecipientStatus(status: RecipientStatus): boolean {
  return status === 'completed' || status === 'failed';
}

/** Connected calls complete; everything else fails (contract "Detail"). */
export function statusForOutcome(outcome: CallOutcome): 'completed' | 'failed' {
  return outcome === 'answered' || outcome === 'voicemail' ? 'completed' : 'failed';
}
