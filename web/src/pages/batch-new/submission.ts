import { validateCreateBatchFields, validateCreateBatchJson } from '../../../../shared/contracts/batch.ts';
import { type FieldIssue, ValidationError } from '../../../../shared/domain/errors.ts';
import { ApiError, errorMessage } from '../../api/api-error.ts';
import {
  type CsvBatchApi,
  type CsvBatchSender,
  type CsvSendPhase,
  formFields,
} from '../../api/csv-batch-sender.ts';
import type {
  CreateBatchBase,
  CreateBatchCsvFields,
  CreateBatchJsonBody,
  PreflightReport,
} from '../../api/types.ts';
import { plainCampaignIssue } from '../../lib/campaign.ts';
import { problemsTitle } from '../../lib/format.ts';
import { previewIssues } from '../../lib/csv-preview.ts';
import { checkLocalSchedule } from '../../lib/schedule.ts';
import { isFilledRow, type NewBatchState } from './form-state.ts';

/**
 * Turns the form's state into a create request: every rule the API applies runs here first, with
 * the same messages, and the answer is either the issues to show or the way to send it.
 */

export interface Submission {
  issues: FieldIssue[];
  /** "Starting…" or "Scheduling…", for the submit button while the create is on its way. */
  startingLabel: string;
  send: (onPhase: (phase: CsvSendPhase) => void) => Promise<{ id: string; status: string }>;
  /**
   * The same request to preflight (it stores nothing); null until there is something to check (an
   * agent and some recipients).
   */
  preflight: ((api: PreflightApi, signal: AbortSignal) => Promise<PreflightReport>) | null;
}

export interface PreflightApi {
  preflightBatchJson(body: CreateBatchJsonBody, signal?: AbortSignal): Promise<PreflightReport>;
  preflightBatchCsv(fields: CreateBatchCsvFields, file: File, signal?: AbortSignal): Promise<PreflightReport>;
}

export interface Senders {
  api: Pick<CsvBatchApi, 'createBatchJson'>;
  csv: CsvBatchSender;
  /** The Idempotency-Key for a request (the same for a retry of the same request). */
  keyFor(fingerprint: string): string;
}

export function prepareSubmission(state: NewBatchState, senders: Senders, now: Date): Submission {
  const issues: FieldIssue[] = [];
  let scheduledAt: string | undefined;
  if (state.scheduled.value) {
    // Checked at this moment, not when the time was typed: the form may have been left open.
    const check = checkLocalSchedule(state.date.value, state.time.value, now);
    if (check.ok) scheduledAt = check.iso;
    else issues.push({ path: 'scheduled_at', message: check.message });
  }
  const agent = state.selectedAgent.value;
  if (agent !== undefined && state.callerId.value === '' && state.agentNumber(agent) === undefined) {
    issues.push({
      path: 'agent_id',
      message: 'has no outbound number: bind one to the agent, or choose a caller ID',
    });
  }
  const placeholderIssue = state.placeholderProblem.value;
  // Allowed missing variables are the user's choice, made after preflight showed the rows.
  if (placeholderIssue !== null && !state.campaign.allowMissing.value)
    issues.push({ path: state.mode.value === 'csv' ? 'csv_file' : 'recipients', message: placeholderIssue });

  const base: CreateBatchBase = {
    name: state.name.value,
    agent_id: state.agentId.value,
    ...(state.callerId.value === '' ? {} : { phone_number_id: state.callerId.value }),
    ...(scheduledAt === undefined ? {} : { scheduled_at: scheduledAt }),
    ...state.campaign.fields(),
  };
  const maxConcurrent = numberField(state.maxConcurrent.value, 1);
  const ringingMs = numberField(state.ringingSeconds.value, 1000);
  const numbers = {
    ...(maxConcurrent === undefined ? {} : { max_concurrent_calls: maxConcurrent }),
    ...(ringingMs === undefined ? {} : { ringing_timeout_ms: ringingMs }),
  };
  const startingLabel = scheduledAt === undefined ? 'Starting…' : 'Scheduling…';

  if (state.mode.value === 'csv') {
    const body: CreateBatchBase = { ...base, ...numbers };
    // The same rules as the API's, for any way the file is sent (upload or multipart).
    issues.push(...rulesIssues(() => validateCreateBatchFields(formFields(body), now)));
    const csv = state.csv.value;
    if (csv === null) issues.push({ path: 'csv_file', message: 'choose a CSV file' });
    else issues.push(...previewIssues(csv.preview));
    return {
      issues: dedupe(issues),
      startingLabel,
      send: (onPhase) => {
        if (csv === null) throw new Error('unreachable: no file');
        return senders.csv.send(body, csv.file, onPhase);
      },
      preflight:
        csv === null || agent === undefined
          ? null
          : (api, signal) => api.preflightBatchCsv(formFields(body), csv.file, signal),
    };
  }
  const columns = state.columns.value;
  void state.rowEdits.value; // read, so a live check runs again on each keystroke in a row
  const recipients = state.rows.value.filter(isFilledRow).map((r) => ({
    phone: r.phone,
    dynamic_vars: Object.fromEntries(columns.map((c) => [c, r.vars[c] ?? ''])),
  }));
  const body: CreateBatchJsonBody = { ...base, ...numbers, recipients };
  issues.push(...rulesIssues(() => validateCreateBatchJson(body, now)));
  const fingerprint = JSON.stringify(body);
  return {
    issues: dedupe(issues),
    startingLabel,
    send: () => senders.api.createBatchJson(body, senders.keyFor(fingerprint)),
    preflight:
      recipients.length === 0 || agent === undefined
        ? null
        : (api, signal) => api.preflightBatchJson(body, signal),
  };
}

/**
 * The Idempotency-Key follows the request: a retry of the same input (after a network error) is the
 * same key, so it can never start a batch twice; any change makes a new request and a new key.
 */
export function requestKeys(
  newKey: () => string = () => crypto.randomUUID(),
): (fingerprint: string) => string {
  let last: { fingerprint: string; key: string } | null = null;
  return (fingerprint) => {
    if (last?.fingerprint !== fingerprint) last = { fingerprint, key: newKey() };
    return last.key;
  };
}

/** Form text as the API's number fields; an unreadable value is passed on so the rules name it. */
function numberField(value: string, scale: number): number | undefined {
  const raw = value.trim();
  return raw === '' ? undefined : Math.round(Number(raw) * scale);
}

/** Runs one of the contracts' validators and answers its issues (none when it passes). */
function rulesIssues(run: () => unknown): FieldIssue[] {
  try {
    run();
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
}

/** Without repeats, and the retry and calling-window messages in the form's words. */
function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.map(plainCampaignIssue).filter((i) => {
    const key = `${i.path}\n${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function apiErrorTitle(error: unknown): string {
  if (error instanceof ApiError && error.fields.length > 0)
    return problemsTitle('The service refused the batch', error.fields.length);
  return `The batch was not created: ${errorMessage(error)}`;
}

/** The API's field list, or the field an error code implies when it gives none. */
export function apiErrorFields(error: unknown): FieldIssue[] {
  if (!(error instanceof ApiError)) return [];
  // The upload is the form's CSV file: its problems belong next to that field.
  if (error.fields.length > 0)
    return error.fields.map((f) =>
      f.path === 'csv_upload_id' ? { ...f, path: 'csv_file' } : plainCampaignIssue(f),
    );
  switch (error.code) {
    case 'agent_not_found':
      return [{ path: 'agent_id', message: error.message }];
    case 'phone_number_not_found':
      return [{ path: 'phone_number_id', message: error.message }];
    case 'payload_too_large':
      return [{ path: 'csv_file', message: error.message }];
    default:
      return [];
  }
}
