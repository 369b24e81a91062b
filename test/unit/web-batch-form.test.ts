import { describe, expect, it } from 'vitest';
import type { AgentObject } from '#shared/contracts/agent.ts';
import type { BatchObject } from '#shared/contracts/batch-objects.ts';
import type { PhoneNumberObject } from '#shared/contracts/phone-number.ts';
import type { CsvBatchSender } from '../../web/src/api/csv-batch-sender.ts';
import type { CreateBatchJsonBody } from '../../web/src/api/types.ts';
import { previewRecipientsCsv } from '../../web/src/lib/csv-preview.ts';
import { localDateValue } from '../../web/src/lib/schedule.ts';
import { chooseAgent, createNewBatchState } from '../../web/src/pages/batch-new/form-state.ts';
import { prepareSubmission, requestKeys, type Senders } from '../../web/src/pages/batch-new/submission.ts';

/**
 * The new-batch form's state and rules apart from the DOM: what choosing an agent does to the typed
 * columns, the placeholder check, and the request (or the issues) a submit makes.
 */

const number = (id: string, outbound: boolean): PhoneNumberObject => ({
  id,
  phone_number: '+14155550100',
  label: null,
  provider: 'simulated',
  outbound,
  calls_per_second: 1,
  credentials: null,
  created_at: '2026-01-01T00:00:00.000Z',
});

const agent = (id: string, phoneNumberId: string | null): AgentObject => ({
  id,
  name: `Agent ${id}`,
  prompt: 'Hi {{first_name}}, about {{appointment_date}}',
  first_message: null,
  phone_number_id: phoneNumberId,
  telephony: {},
  webhook_url: null,
  webhook_events: [],
  evaluation_criteria: [],
  data_collection: [],
  opt_out_data_collection_id: null,
  max_concurrent_calls: 2,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;

function newState() {
  return createNewBatchState(
    [agent('agent_a', 'pn_out'), agent('agent_b', 'pn_in')],
    [number('pn_out', true), number('pn_in', false)],
  );
}

/** Senders that record the JSON creates instead of sending them. */
function recordingSenders() {
  const sent: Array<{ body: CreateBatchJsonBody; key: string }> = [];
  let n = 0;
  const api = {
    createBatchJson: async (body: CreateBatchJsonBody, key: string) => {
      sent.push({ body, key });
      return { id: 'batch_1', status: 'pending' } as BatchObject;
    },
  };
  const senders: Senders = { api, csv: {} as CsvBatchSender, keyFor: requestKeys(() => `key-${++n}`) };
  return { senders, sent };
}

describe('new batch form state', () => {
  it('adds a manual column for each placeholder of the chosen agent, once', () => {
    const state = newState();
    state.columns.value = ['first_name'];
    chooseAgent(state, 'agent_a');
    expect(state.columns.value).toEqual(['first_name', 'appointment_date']);
    chooseAgent(state, 'agent_a');
    expect(state.columns.value).toEqual(['first_name', 'appointment_date']);
  });

  it('names the placeholders the recipients have no column for, in either mode', () => {
    const state = newState();
    state.agentId.value = 'agent_a';
    // No CSV chosen yet: nothing to check against.
    expect(state.recipientColumns.value).toBeNull();
    expect(state.placeholderProblem.value).toBeNull();
    const file = new File(['phone,first_name\n+14155551234,Alice\n'], 'r.csv');
    state.csv.value = {
      file,
      preview: previewRecipientsCsv(new TextEncoder().encode('phone,first_name\n+14155551234,Alice\n')),
      version: 1,
    };
    expect(state.placeholderProblem.value).toContain('{{appointment_date}}');
    state.mode.value = 'manual';
    state.columns.value = ['first_name', 'appointment_date'];
    expect(state.placeholderProblem.value).toBeNull();
  });
});

describe('new batch submission', () => {
  it('refuses an empty form with the API rules, a missing outbound number and no CSV', () => {
    const state = newState();
    state.agentId.value = 'agent_b'; // bound to a number that cannot call out
    const { senders } = recordingSenders();
    const paths = prepareSubmission(state, senders, NOW).issues.map((i) => i.path);
    expect(paths).toContain('name');
    expect(paths).toContain('agent_id');
    expect(paths).toContain('csv_file');
  });

  it('sends typed rows as recipients, skipping blank rows, under one key per distinct request', async () => {
    const state = newState();
    state.name.value = 'Reminders';
    chooseAgent(state, 'agent_a');
    state.mode.value = 'manual';
    state.maxConcurrent.value = '1';
    state.ringingSeconds.value = '30';
    const [first] = state.rows.value;
    if (first === undefined) throw new Error('the form starts with one row');
    first.phone = '+14155551234';
    first.vars = { first_name: 'Alice', appointment_date: 'May 5th' };
    state.rows.value = [...state.rows.value, state.newRow()];
    const { senders, sent } = recordingSenders();

    const submission = prepareSubmission(state, senders, NOW);
    expect(submission.issues).toEqual([]);
    expect(submission.startingLabel).toBe('Starting…');
    await submission.send(() => undefined);
    // A retry of the same input is the same request: same key. A change is a new one.
    await prepareSubmission(state, senders, NOW).send(() => undefined);
    state.name.value = 'Reminders 2';
    await prepareSubmission(state, senders, NOW).send(() => undefined);

    expect(sent[0]?.body).toEqual({
      name: 'Reminders',
      agent_id: 'agent_a',
      max_concurrent_calls: 1,
      ringing_timeout_ms: 30_000,
      recipients: [
        { phone: '+14155551234', dynamic_vars: { first_name: 'Alice', appointment_date: 'May 5th' } },
      ],
    });
    expect(sent.map((s) => s.key)).toEqual(['key-1', 'key-1', 'key-2']);
  });

  it('checks a scheduled time at submit, not when it was typed', () => {
    const state = newState();
    state.scheduled.value = true;
    state.date.value = localDateValue(new Date(Date.now() + DAY));
    state.time.value = '10:00';
    // Fine while the form is filled in…
    expect(state.scheduleCheck.value?.ok).toBe(true);
    // …but a submit three days later finds it in the past.
    const { senders } = recordingSenders();
    const issues = prepareSubmission(state, senders, new Date(Date.now() + 3 * DAY)).issues;
    expect(issues.map((i) => i.path)).toContain('scheduled_at');
  });
});
