import { describe, expect, it } from 'vitest';
import type { AgentObject } from '#shared/contracts/agent.ts';
import type { BatchObject } from '#shared/contracts/batch-objects.ts';
import type { PhoneNumberObject } from '#shared/contracts/phone-number.ts';
import { formFields } from '../../web/src/api/csv-batch-sender.ts';
import type { CsvBatchSender } from '../../web/src/api/csv-batch-sender.ts';
import type { CreateBatchJsonBody } from '../../web/src/api/types.ts';
import { controlsFor, isLive, outcomeBreakdown, progressOf } from '../../web/src/lib/batch-stats.ts';
import {
  buildCallingWindow,
  buildRetry,
  formatDays,
  formatLocalStarted,
  formatWindow,
  guardrailsText,
  pauseText,
  plainCampaignIssue,
  retryText,
  skipReasonText,
  waitingText,
} from '../../web/src/lib/campaign.ts';
import { createNewBatchState } from '../../web/src/pages/batch-new/form-state.ts';
import {
  apiErrorFields,
  prepareSubmission,
  requestKeys,
  type Senders,
} from '../../web/src/pages/batch-new/submission.ts';
import { ApiError } from '../../web/src/api/api-error.ts';

/** The campaign controls' words and request fields, apart from the DOM. */

const NOW = new Date('2026-06-01T12:00:00.000Z');

describe('campaign words', () => {
  it('says why a batch is paused and what resolves it', () => {
    expect(pauseText('user')).toEqual({ why: 'Paused by you', fix: 'Resume' });
    expect(pauseText('failure_rate').why).toContain('too many calls failed');
    expect(pauseText(null).fix).toBe('Resume');
  });

  it('puts skip reasons in words', () => {
    expect(skipReasonText('batch_stopped')).toBe('the batch was stopped');
    expect(skipReasonText('no_calling_window')).toBe('no calling window within 30 days');
  });

  it('tells a retry from a wait for the calling window', () => {
    const fmt = (iso: string) => `<${iso}>`;
    const at = '2026-06-01T13:00:00.000Z';
    expect(waitingText({ status: 'pending', attempts: 1, next_attempt_at: at }, fmt)).toBe(
      `retry at <${at}>`,
    );
    expect(waitingText({ status: 'pending', attempts: 0, next_attempt_at: at }, fmt)).toBe(
      `waits for its calling window until <${at}>`,
    );
    expect(waitingText({ status: 'pending', attempts: 0, next_attempt_at: null }, fmt)).toBeNull();
    expect(waitingText({ status: 'dialing', attempts: 1, next_attempt_at: at }, fmt)).toBeNull();
  });

  it('shows an attempt at the recipient’s own wall-clock time', () => {
    expect(formatLocalStarted('2026-12-07T05:13:09-06:00', 'America/Chicago')).toBe(
      '2026-12-07 05:13 America/Chicago (UTC−06:00)',
    );
    expect(formatLocalStarted('2026-12-07T11:13:09.5Z', 'UTC')).toBe('2026-12-07 11:13 UTC (UTC+00:00)');
  });

  it('formats days, windows and retry policies', () => {
    expect(formatDays(['fri', 'mon', 'tue', 'wed'])).toBe('Mon–Wed, Fri');
    expect(formatDays(['sat', 'sun'])).toBe('Sat, Sun');
    expect(
      formatWindow({
        timezone: 'recipient',
        default_timezone: 'America/Chicago',
        hours: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '20:00' },
          { days: ['sat'], start: '10:00', end: '14:00' },
        ],
        exclude_dates: ['2026-12-25'],
      }),
    ).toBe(
      "Mon–Fri 09:00–20:00; Sat 10:00–14:00, each recipient's time zone (else America/Chicago); not on 2026-12-25",
    );
    expect(retryText({ max_attempts: 1, rules: {} })).toBe('No retries');
    expect(
      retryText({
        max_attempts: 3,
        rules: { no_answer: { delay_seconds: 7200 }, busy: { delay_seconds: 900 } },
      }),
    ).toBe('Up to 3 calls: no answer after 2 h, busy after 15 min');
  });

  it('counts skipped recipients apart, offers the right controls and keeps polling paused batches', () => {
    const r = (status: string, outcome: string | null) => ({ status, outcome }) as never;
    const breakdown = outcomeBreakdown([
      r('skipped', 'no_answer'),
      r('failed', 'busy'),
      r('completed', 'answered'),
    ]);
    expect(breakdown.find((b) => b.outcome === 'skipped')?.count).toBe(1);
    expect(breakdown.find((b) => b.outcome === 'no_answer')?.count).toBe(0);
    expect(breakdown.find((b) => b.outcome === 'busy')?.count).toBe(1);
    expect(
      progressOf({
        total_recipients: 4,
        counts: { pending: 1, dialing: 0, completed: 1, failed: 1, skipped: 1 },
      }),
    ).toEqual({ done: 3, total: 4 });
    expect(controlsFor('running')).toEqual({ pause: true, resume: false, stop: true });
    expect(controlsFor('paused')).toEqual({ pause: false, resume: true, stop: true });
    expect(controlsFor('stopping')).toEqual({ pause: false, resume: false, stop: false });
    expect(isLive('paused') && isLive('stopping')).toBe(true);
  });
});

describe('retry and calling window request fields', () => {
  it('turns minutes into delay_seconds and leaves empty outcomes out', () => {
    expect(
      buildRetry({
        maxAttempts: '2',
        delayMinutes: { no_answer: '1', busy: '', voicemail: '90', failed: ' ' },
      }),
    ).toEqual({
      max_attempts: 2,
      rules: { no_answer: { delay_seconds: 60 }, voicemail: { delay_seconds: 5400 } },
    });
    expect(
      buildRetry({
        maxAttempts: 'x',
        delayMinutes: { no_answer: 'soon', busy: '', voicemail: '', failed: '' },
      }),
    ).toEqual({ max_attempts: 0, rules: { no_answer: { delay_seconds: -1 } } });
  });

  it('builds a calling window with days in calendar order', () => {
    expect(
      buildCallingWindow({
        timezone: 'Europe/Paris',
        defaultTimezone: '',
        hours: [{ key: '1', days: ['fri', 'mon'], start: '09:00', end: '17:00' }],
        excludeDates: ['2026-12-25', ''],
      }),
    ).toEqual({
      timezone: 'Europe/Paris',
      default_timezone: null,
      hours: [{ days: ['mon', 'fri'], start: '09:00', end: '17:00' }],
      exclude_dates: ['2026-12-25'],
    });
  });

  it('words delay and day issues for the form', () => {
    expect(
      plainCampaignIssue({ path: 'retry.rules.busy.delay_seconds', message: 'must be at least 60' }),
    ).toEqual({
      path: 'retry.rules.busy.delay_seconds',
      message: 'must be a number of minutes from 1 to 10,080 (7 days)',
    });
    expect(plainCampaignIssue({ path: 'calling_window.hours[1].days', message: 'too small' }).message).toBe(
      'tick at least one day, each once',
    );
    const end = { path: 'calling_window.hours[0].end', message: 'must be after start' };
    expect(plainCampaignIssue(end)).toBe(end);
    const fields = apiErrorFields(
      new ApiError(400, 'validation_error', 'invalid', [
        { path: 'retry.rules.no_answer.delay_seconds', message: 'x' },
      ]),
    );
    expect(fields[0]?.message).toContain('minutes');
  });

  it('sends multipart objects as JSON text', () => {
    expect(
      formFields({
        name: 'n',
        agent_id: 'a',
        max_concurrent_calls: 2,
        retry: { max_attempts: 2, rules: {} },
      }),
    ).toEqual({
      name: 'n',
      agent_id: 'a',
      max_concurrent_calls: '2',
      retry: '{"max_attempts":2,"rules":{}}',
    });
  });
});

describe('new batch submission with campaign sections', () => {
  const agent = { id: 'agent_a', prompt: 'Hi', phone_number_id: 'pn' } as AgentObject;
  const number = { id: 'pn', outbound: true, phone_number: '+14155550100', label: null } as PhoneNumberObject;

  function filled() {
    const state = createNewBatchState([agent], [number]);
    state.name.value = 'Campaign';
    state.agentId.value = 'agent_a';
    state.mode.value = 'manual';
    state.rows.value = [{ key: 'r', phone: '+14155550005', vars: {} }];
    return state;
  }

  function senders() {
    const sent: CreateBatchJsonBody[] = [];
    const api = {
      createBatchJson: async (body: CreateBatchJsonBody) => {
        sent.push(body);
        return { id: 'b', status: 'pending' } as BatchObject;
      },
    };
    const s: Senders = { api, csv: {} as CsvBatchSender, keyFor: requestKeys(() => 'k') };
    return { s, sent };
  }

  it('adds retry and calling_window only when their sections are on', async () => {
    const state = filled();
    const { s, sent } = senders();
    await prepareSubmission(state, s, NOW).send(() => undefined);
    expect(sent[0]).not.toHaveProperty('retry');
    expect(sent[0]).not.toHaveProperty('calling_window');

    state.campaign.retryOn.value = true;
    state.campaign.maxAttempts.value = '2';
    state.campaign.delayMinutes.no_answer.value = '1';
    state.campaign.windowOn.value = true;
    const submission = prepareSubmission(state, s, NOW);
    expect(submission.issues).toEqual([]);
    await submission.send(() => undefined);
    expect(sent[1]).toMatchObject({
      retry: { max_attempts: 2, rules: { no_answer: { delay_seconds: 60 } } },
      calling_window: {
        timezone: 'recipient',
        hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '20:00' }],
      },
    });
  });

  it('names the bad inputs by their paths, in the form’s words', () => {
    const state = filled();
    state.campaign.retryOn.value = true;
    state.campaign.maxAttempts.value = '11';
    state.campaign.delayMinutes.busy.value = '0.5';
    state.campaign.windowOn.value = true;
    const [range] = state.campaign.hours.value;
    if (range === undefined) throw new Error('one range to start with');
    state.campaign.hours.value = [{ ...range, start: '18:00', end: '09:00', days: [] }];
    const issues = prepareSubmission(state, senders().s, NOW).issues;
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['retry.max_attempts']).toBe('must be a whole number from 1 to 10');
    expect(byPath['retry.rules.busy.delay_seconds']).toContain('minutes');
    expect(byPath['calling_window.hours[0].end']).toContain('must be after start');
    expect(byPath['calling_window.hours[0].days']).toBe('tick at least one day, each once');
  });

  it('adds guardrails (percent as a fraction) and a duplicates choice other than the default', async () => {
    const state = filled();
    const { s, sent } = senders();
    state.campaign.duplicates.value = 'allow';
    await prepareSubmission(state, s, NOW).send(() => undefined);
    expect(sent[0]).not.toHaveProperty('guardrails');
    expect(sent[0]).not.toHaveProperty('duplicates');

    state.campaign.guardOn.value = true;
    state.campaign.failurePercent.value = '25';
    state.campaign.minCalls.value = '8';
    state.campaign.maxCallMinutes.value = '12.5';
    state.campaign.duplicates.value = 'skip';
    const submission = prepareSubmission(state, s, NOW);
    expect(submission.issues).toEqual([]);
    await submission.send(() => undefined);
    expect(sent[1]).toMatchObject({
      guardrails: { max_failure_rate: 0.25, min_calls: 8, max_call_minutes: 12.5 },
      duplicates: 'skip',
    });

    // An empty field is no limit of that kind; an out-of-range share is named in percent.
    state.campaign.failurePercent.value = '';
    state.campaign.minCalls.value = '';
    state.campaign.maxCallMinutes.value = '30';
    await prepareSubmission(state, s, NOW).send(() => undefined);
    expect(sent[2]?.guardrails).toEqual({ max_call_minutes: 30 });
    state.campaign.failurePercent.value = '150';
    const issues = prepareSubmission(state, s, NOW).issues;
    expect(issues).toContainEqual({
      path: 'guardrails.max_failure_rate',
      message: 'must be a percentage above 0 and at most 100',
    });
  });

  it('puts guardrails in words', () => {
    expect(guardrailsText({ max_failure_rate: 0.5, min_calls: 10, max_call_minutes: 500 })).toBe(
      'Pause at 50 % failed of the last 10 calls; cap 500 call minutes',
    );
    expect(guardrailsText({ max_failure_rate: 0.25, min_calls: 1, max_call_minutes: null })).toBe(
      'Pause at 25 % failed of the last call',
    );
    expect(guardrailsText({ max_failure_rate: null, min_calls: 10, max_call_minutes: 1.5 })).toBe(
      'Cap 1.5 call minutes',
    );
  });
});
