import type { AgentObject } from '../../../../shared/contracts/agent.ts';
import type { PhoneNumberObject } from '../../../../shared/contracts/phone-number.ts';
// signals-core, not @preact/signals: this module knows nothing of Preact or the DOM (the unit tests
// run it under Node); components that read these signals re-render all the same.
import { computed, signal } from '@preact/signals-core';
import type { CsvPreview } from '../../lib/csv-preview.ts';
import { createCampaignState } from './campaign-state.ts';
import { agentPlaceholders, missingPlaceholders } from '../../lib/sample-csv.ts';
import {
  checkLocalSchedule,
  defaultScheduleTime,
  localDateValue,
  localTimeValue,
} from '../../lib/schedule.ts';

/**
 * Everything the new-batch form holds, as signals, plus what follows from it (the chosen agent,
 * the placeholder check, the schedule check). The panels read and write it; submission.ts turns it
 * into a request. Nothing here touches the DOM, so a new section (retry, calling window, …) is one
 * more group of signals and one more component.
 */

/** A recipient typed in by hand. Its values are plain fields written on each keystroke. */
export interface ManualRow {
  key: string;
  phone: string;
  vars: Record<string, string>;
}

export type RecipientMode = 'csv' | 'manual';

/** A typed row with anything in it; blank rows are not sent (nor counted in the request's indexes). */
export function isFilledRow(r: ManualRow): boolean {
  return r.phone.trim() !== '' || Object.values(r.vars).some((v) => v.trim() !== '');
}

/** The upload's progress while a CSV goes to S3 (null: none under way). */
export interface UploadProgress {
  fileName: string;
  percent: number;
  total: number;
}

export function createNewBatchState(agents: AgentObject[], numbers: PhoneNumberObject[], now = new Date()) {
  const numberById = new Map(numbers.map((n) => [n.id, n]));
  let rowSeq = 0;
  const newRow = (): ManualRow => ({ key: String(++rowSeq), phone: '', vars: {} });
  const suggestion = defaultScheduleTime(now);

  const state = {
    agents,
    outboundNumbers: numbers.filter((n) => n.outbound),
    name: signal(''),
    agentId: signal(''),
    callerId: signal(''),
    mode: signal<RecipientMode>('csv'),
    /** The chosen file and its check; `version` counts choices, so each one gets a fresh preview. */
    csv: signal<{ file: File; preview: CsvPreview; version: number } | null>(null),
    /** The manual table's variable columns (the agent's placeholders are added when it is chosen). */
    columns: signal<string[]>([]),
    rows: signal<ManualRow[]>([newRow()]),
    /**
     * Counts keystrokes in the typed rows, which are written in place (re-rendering the table on each
     * one would cost the focus). Nothing renders it: the live checks read it to run again.
     */
    rowEdits: signal(0),
    newRow,
    scheduled: signal(false),
    date: signal(localDateValue(suggestion)),
    time: signal(localTimeValue(suggestion)),
    maxConcurrent: signal(''),
    ringingSeconds: signal(''),
    busy: signal(false),
    /** The submit button's text while busy ("Uploading…", "Starting…"). */
    busyLabel: signal<string | null>(null),
    upload: signal<UploadProgress | null>(null),
    /** The optional Retries and Calling window sections. */
    campaign: createCampaignState(),

    /** The outbound number an agent calls from, if it has one. */
    agentNumber(agent: AgentObject | undefined): PhoneNumberObject | undefined {
      const bound = agent?.phone_number_id == null ? undefined : numberById.get(agent.phone_number_id);
      return bound?.outbound === true ? bound : undefined;
    },
  };

  const selectedAgent = computed(() => agents.find((a) => a.id === state.agentId.value));
  /** The recipients' variable columns, or null while no CSV is chosen. */
  const recipientColumns = computed((): string[] | null => {
    if (state.mode.value === 'manual') return state.columns.value;
    return state.csv.value?.preview.header?.filter((c) => c !== 'phone') ?? null;
  });
  const placeholderProblem = computed((): string | null => {
    const agent = selectedAgent.value;
    const have = recipientColumns.value;
    if (agent === undefined || have === null) return null;
    const missing = missingPlaceholders(agentPlaceholders(agent), have);
    if (missing.length === 0) return null;
    const list = missing.map((m) => `{{${m}}}`).join(', ');
    return `the agent's prompt uses ${list}, but the recipients have no ${missing.length === 1 ? 'column' : 'columns'} for ${missing.length === 1 ? 'it' : 'them'}`;
  });
  const scheduleCheck = computed(() =>
    state.scheduled.value ? checkLocalSchedule(state.date.value, state.time.value, new Date()) : null,
  );

  return { ...state, selectedAgent, recipientColumns, placeholderProblem, scheduleCheck };
}

export type NewBatchState = ReturnType<typeof createNewBatchState>;

/** Choosing an agent adds a manual column for each of its placeholders. */
export function chooseAgent(state: NewBatchState, agentId: string): void {
  state.agentId.value = agentId;
  const agent = state.selectedAgent.value;
  if (agent === undefined) return;
  const missing = agentPlaceholders(agent).filter((p) => !state.columns.value.includes(p));
  if (missing.length > 0) state.columns.value = [...state.columns.value, ...missing];
}
