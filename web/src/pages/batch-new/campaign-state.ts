import { type Signal, signal } from '@preact/signals-core';
import type { DuplicatePolicy } from '../../../../shared/domain/batch.ts';
import type { Weekday } from '../../../../shared/domain/calling-window.ts';
import {
  buildCallingWindow,
  buildGuardrails,
  buildRetry,
  type HoursForm,
  RETRY_OUTCOMES,
  type RetryOutcome,
} from '../../lib/campaign.ts';

/**
 * The new-batch form's optional "Retries", "Calling window", "Guardrails" and "Contact limit" sections and the
 * duplicates choice, as signals (no DOM, like
 * form-state.ts). `fields()` answers what they add to the create request: nothing while a section
 * is off.
 */
export function createCampaignState() {
  let hoursSeq = 0;
  const newRange = (days: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri']): HoursForm => ({
    key: String(++hoursSeq),
    days,
    start: '09:00',
    end: '20:00',
  });
  const state = {
    retryOn: signal(false),
    maxAttempts: signal('3'),
    delayMinutes: Object.fromEntries(RETRY_OUTCOMES.map((o) => [o, signal('')])) as Record<
      RetryOutcome,
      Signal<string>
    >,
    windowOn: signal(false),
    timezone: signal('recipient'),
    defaultTimezone: signal(''),
    hours: signal<HoursForm[]>([newRange()]),
    excludeDates: signal<string[]>([]),
    newRange,
    guardOn: signal(false),
    /** Percent of the last `minCalls` ended calls (the API takes a fraction). */
    failurePercent: signal(''),
    minCalls: signal(''),
    maxCallMinutes: signal(''),
    contactOn: signal(false),
    contactMaxAttempts: signal('2'),
    contactWindowHours: signal('24'),
    duplicates: signal<DuplicatePolicy>('allow'),
    /** Call recipients lacking a placeholder's variable anyway (create refuses them otherwise). */
    allowMissing: signal(false),
  };
  const fields = (): {
    retry?: ReturnType<typeof buildRetry>;
    calling_window?: ReturnType<typeof buildCallingWindow>;
    guardrails?: ReturnType<typeof buildGuardrails>;
    duplicates?: DuplicatePolicy;
    contact_limit?: { max_attempts: number; window_hours: number };
    allow_missing_variables?: true;
  } => ({
    ...(state.retryOn.value
      ? {
          retry: buildRetry({
            maxAttempts: state.maxAttempts.value,
            delayMinutes: Object.fromEntries(
              RETRY_OUTCOMES.map((o) => [o, state.delayMinutes[o].value]),
            ) as Record<RetryOutcome, string>,
          }),
        }
      : {}),
    ...(state.windowOn.value
      ? {
          calling_window: buildCallingWindow({
            timezone: state.timezone.value,
            defaultTimezone: state.defaultTimezone.value,
            hours: state.hours.value,
            excludeDates: state.excludeDates.value,
          }),
        }
      : {}),
    ...(state.guardOn.value
      ? {
          guardrails: buildGuardrails({
            failurePercent: state.failurePercent.value,
            minCalls: state.minCalls.value,
            maxCallMinutes: state.maxCallMinutes.value,
          }),
        }
      : {}),
    ...(state.contactOn.value
      ? {
          // Typed text as numbers; what is not a whole number in range is the API's 400 (and preflight's).
          contact_limit: {
            max_attempts: Number(state.contactMaxAttempts.value),
            window_hours: Number(state.contactWindowHours.value),
          },
        }
      : {}),
    // `allow` is the API's default: the request stays as it was without the choice.
    ...(state.duplicates.value === 'allow' ? {} : { duplicates: state.duplicates.value }),
    ...(state.allowMissing.value ? { allow_missing_variables: true } : {}),
  });
  return { ...state, fields };
}

export type CampaignState = ReturnType<typeof createCampaignState>;

/** Replaces one range of the window (a new object, so the signal tells its readers). */
export function updateRange(state: CampaignState, key: string, change: Partial<HoursForm>): void {
  state.hours.value = state.hours.value.map((r) => (r.key === key ? { ...r, ...change } : r));
}
