import { describe, expect, it } from 'vitest';
import {
  CALL_OUTCOMES,
  canRecipientApply,
  isTerminalRecipientStatus,
  RECIPIENT_STATUSES,
  recipientTransition,
  statusForOutcome,
  type RecipientEvent,
  type RecipientStatus,
} from '#shared/domain/recipient.ts';

const EXPECTED: Record<RecipientEvent, Partial<Record<RecipientStatus, readonly RecipientStatus[]>>> = {
  dial: { pending: ['dialing'] },
  end: { dialing: ['completed', 'failed', 'pending'] },
  abandon: { pending: ['failed'] },
  skip: { pending: ['skipped'] },
};

describe('recipient state machine', () => {
  for (const event of Object.keys(EXPECTED) as RecipientEvent[]) {
    for (const status of RECIPIENT_STATUSES) {
      const targets = EXPECTED[event][status];
      it(`${event} from ${status} ${targets ? `→ ${targets.join('|')}` : 'is refused'}`, () => {
        expect(canRecipientApply(status, event)).toBe(targets !== undefined);
        if (targets) expect(recipientTransition(event).to).toEqual(targets);
      });
    }
  }

  it('completed, failed and skipped are terminal', () => {
    expect(RECIPIENT_STATUSES.filter(isTerminalRecipientStatus)).toEqual(['completed', 'failed', 'skipped']);
  });

  it('a connected call completes; every other outcome fails', () => {
    expect(Object.fromEntries(CALL_OUTCOMES.map((o) => [o, statusForOutcome(o)]))).toEqual({
      answered: 'completed',
      voicemail: 'completed',
      no_answer: 'failed',
      busy: 'failed',
      failed: 'failed',
      canceled: 'failed',
    });
  });
});
