import { describe, expect, it } from 'vitest';
import type { RecipientObject } from '#shared/contracts/batch-objects.ts';
import { isCancellable, isLive, outcomeBreakdown, pickUpRate } from '../../web/src/lib/batch-stats.ts';
import { candidatePaths, fieldLabel, issueText } from '../../web/src/lib/field-paths.ts';
import { agentPlaceholders, missingPlaceholders, sampleCsv } from '../../web/src/lib/sample-csv.ts';
import { checkLocalSchedule, scheduleDateBounds } from '../../web/src/lib/schedule.ts';
import { previewRecipientsCsv, previewIssues } from '../../web/src/lib/csv-preview.ts';

/** The dashboard's own rules, apart from the DOM: sample CSV, schedule window, error placement, figures. */

describe('Download sample', () => {
  const agent = {
    prompt: 'Hi {{first_name}}, about {{ appointment_date }} and {{first_name}} again',
    first_message: 'Hello {{first_name}}, your code is {{code, "x"}}',
  };

  it('has a phone column and one column per placeholder of the prompt and first message', () => {
    expect(agentPlaceholders(agent)).toEqual(['first_name', 'appointment_date', 'code, "x"']);
    const csv = sampleCsv(agentPlaceholders(agent));
    expect(csv.split('\r\n')[0]).toBe('phone,first_name,appointment_date,"code, ""x"""');
  });

  it('is a file the API accepts as it is, with every placeholder covered', () => {
    const csv = sampleCsv(agentPlaceholders(agent));
    const preview = previewRecipientsCsv(new TextEncoder().encode(csv));
    expect(previewIssues(preview)).toEqual([]);
    expect(preview.recipients).toHaveLength(1);
    expect(missingPlaceholders(agentPlaceholders(agent), preview.header ?? [])).toEqual([]);
  });

  it('names the placeholders that no column fills', () => {
    expect(missingPlaceholders(['first_name', 'plan'], ['phone', 'first_name'])).toEqual(['plan']);
  });
});

describe('Schedule for later', () => {
  // process.env.TZ is UTC under vitest here unless set; the rule is zone-independent: local wall time in,
  // UTC instant out, checked like the API checks scheduled_at.
  const now = new Date(2026, 10, 29, 12, 0, 0);
  const day = (d: Date) =>
    `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

  it('turns a local date and time into the UTC instant', () => {
    const check = checkLocalSchedule('2026-11-30', '09:30', now);
    expect(check).toEqual({ ok: true, iso: new Date(2026, 10, 30, 9, 30).toISOString() });
  });

  it('refuses the past and more than 30 days ahead, with the API’s words', () => {
    expect(checkLocalSchedule('2026-11-29', '11:59', now)).toEqual({
      ok: false,
      message: 'must be in the future',
    });
    expect(checkLocalSchedule(day(new Date(2026, 11, 30)), '12:01', now)).toEqual({
      ok: false,
      message: 'must be at most 30 days ahead',
    });
    expect(checkLocalSchedule('', '10:00', now)).toEqual({ ok: false, message: 'pick a date' });
  });

  it('offers dates from today to 30 days ahead', () => {
    expect(scheduleDateBounds(now)).toEqual({ min: '2026-11-29', max: '2026-12-29' });
  });
});

describe('issue paths in words', () => {
  it('names rows from 1 and fields by their labels, never by internal paths', () => {
    expect(fieldLabel('recipients[1].phone')).toBe('row 2, phone');
    expect(fieldLabel('recipients[0].dynamic_vars.plan')).toBe('row 1, plan');
    expect(fieldLabel('recipients[4].plan')).toBe('row 5, plan');
    expect(fieldLabel('recipients[2].dynamic_vars')).toBe('row 3, variables');
    expect(fieldLabel('recipients[9]')).toBe('row 10');
    expect(fieldLabel('csv_file:line 7')).toBe('CSV line 7');
    expect(fieldLabel('agent_id')).toBe('Agent');
    expect(fieldLabel('retry.rules.no_answer.delay_seconds')).toBe('Retries, no answer');
    expect(fieldLabel('calling_window.hours[0].end')).toBe('Calling window, range 1, end');
    expect(fieldLabel('guardrails.max_call_minutes')).toBe('Guardrails, spend cap');
    expect(fieldLabel('something_new')).toBe('something_new');
  });

  it('joins a CSV line’s column to the line rather than repeating a colon', () => {
    expect(issueText({ path: 'csv_file:line 3', message: 'phone: must be in E.164 format' })).toBe(
      'CSV line 3, phone: must be in E.164 format',
    );
    expect(issueText({ path: 'recipients[1].phone', message: 'must be in E.164 format' })).toBe(
      'row 2, phone: must be in E.164 format',
    );
    expect(issueText({ path: '', message: 'the body must be a JSON object' })).toBe(
      'the body must be a JSON object',
    );
  });
});

describe('API errors next to their field', () => {
  it('tries the most specific path first, then its parents', () => {
    expect(candidatePaths('recipients[3].phone')).toEqual([
      'recipients[3].phone',
      'recipients[3]',
      'recipients',
    ]);
    expect(candidatePaths('evaluation_criteria[1].id')).toEqual([
      'evaluation_criteria[1].id',
      'evaluation_criteria[1]',
      'evaluation_criteria',
    ]);
  });

  it('reads a recipient field given beside phone as one of its variables', () => {
    expect(candidatePaths('recipients[0].plan')[0]).toBe('recipients[0].dynamic_vars.plan');
    expect(candidatePaths('recipients[0].dynamic_vars.plan')[0]).toBe('recipients[0].dynamic_vars.plan');
  });

  it('puts a CSV line error on that line of the preview, else on the file', () => {
    expect(candidatePaths('csv_file:line 7')).toEqual(['csv_file:line 7', 'csv_file']);
  });
});

describe('Batch figures', () => {
  const recipient = (outcome: RecipientObject['outcome']): RecipientObject => ({
    id: 'rcp_x',
    index: 0,
    phone: '+14155551234',
    dynamic_vars: {},
    status:
      outcome === null
        ? 'pending'
        : outcome === 'answered' || outcome === 'voicemail'
          ? 'completed'
          : 'failed',
    outcome,
    attempts: outcome === null ? 0 : 1,
    conversation_id: null,
    started_at: null,
    ended_at: null,
    duration_secs: null,
    error: null,
    skip_reason: null,
    next_attempt_at: null,
    timezone: 'UTC',
  });

  it('counts the pick-up rate as answered of calls actually placed', () => {
    const all = ['answered', 'answered', 'voicemail', 'no_answer', 'canceled', null] as const;
    expect(pickUpRate(all.map(recipient))).toEqual({ answered: 2, dialed: 4 });
    expect(outcomeBreakdown(all.map(recipient))).toEqual([
      { outcome: 'answered', count: 2 },
      { outcome: 'voicemail', count: 1 },
      { outcome: 'no_answer', count: 1 },
      { outcome: 'busy', count: 0 },
      { outcome: 'failed', count: 0 },
      { outcome: 'canceled', count: 1 },
      { outcome: 'skipped', count: 0 },
    ]);
  });

  it('polls while a batch can still change and offers Cancel only before it dials', () => {
    expect(
      ['pending', 'scheduled', 'running', 'paused', 'stopping', 'completed', 'failed', 'cancelled'].filter(
        (s) => isLive(s as never),
      ),
    ).toEqual(['pending', 'scheduled', 'running', 'paused', 'stopping']);
    expect(['pending', 'scheduled', 'running', 'completed'].filter((s) => isCancellable(s as never))).toEqual(
      ['pending', 'scheduled'],
    );
  });
});
