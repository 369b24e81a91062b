/**
 * Where an API error belongs in a form. `fields[].path` is a JSON path (`recipients[3].phone`,
 * `recipients[3].dynamic_vars.plan`, `recipients[3].plan`) or a CSV line (`csv_file:line 7`); a form
 * marks its controls with `data-path` and shows each issue at the most specific path it has.
 */

const CSV_LINE = /^csv_file:line (\d+)$/;
const RECIPIENT_VAR = /^(recipients\[\d+\])\.(?!phone$|dynamic_vars(?:\.|$))(.+)$/;

/** The paths to look for, most specific first. */
export function candidatePaths(path: string): string[] {
  if (CSV_LINE.test(path)) return [path, 'csv_file'];
  // A recipient's extra field is one of its variables, whichever way the request gave it.
  const asVar = RECIPIENT_VAR.exec(path);
  const normalized = asVar === null ? path : `${asVar[1]}.dynamic_vars.${asVar[2]}`;
  const out: string[] = [];
  let current = normalized;
  for (;;) {
    out.push(current);
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    if (cut <= 0) break;
    current = current.slice(0, cut);
  }
  return out;
}

export function csvLineOf(path: string): number | null {
  const m = CSV_LINE.exec(path);
  return m === null ? null : Number(m[1]);
}

/** The new-batch form's fields by their request names, as its labels call them. */
const BATCH_FIELD_NAMES: Record<string, string> = {
  name: 'Name',
  agent_id: 'Agent',
  phone_number_id: 'Caller ID',
  scheduled_at: 'Start time',
  max_concurrent_calls: 'Max concurrent calls',
  ringing_timeout_ms: 'Ringing timeout',
  csv_file: 'CSV file',
  csv_upload_id: 'CSV file',
  recipients: 'Recipients',
  duplicates: 'Duplicates',
  allow_missing_variables: 'Missing variables',
  retry: 'Retries',
  'retry.max_attempts': 'Retries, max attempts',
  calling_window: 'Calling window',
  'calling_window.timezone': 'Calling window, time zone',
  'calling_window.default_timezone': 'Calling window, default time zone',
  'calling_window.hours': 'Calling window, hours',
  'calling_window.exclude_dates': 'Calling window, days without calls',
  guardrails: 'Guardrails',
  'guardrails.max_failure_rate': 'Guardrails, failed calls (%)',
  'guardrails.min_calls': 'Guardrails, among the last (calls)',
  'guardrails.max_call_minutes': 'Guardrails, spend cap',
};

const ROW = /^recipients\[(\d+)\](?:\.(.+))?$/;
const RETRY_RULE = /^retry\.rules\.(\w+)(?:\.delay_seconds)?$/;
const WINDOW_RANGE = /^calling_window\.hours\[(\d+)\](?:\.(\w+))?/;
const EXCLUDED = /^calling_window\.exclude_dates\[(\d+)\]$/;

/**
 * An issue's path as a person reads it: `recipients[1].phone` → `row 2, phone`,
 * `recipients[1].dynamic_vars.plan` → `row 2, plan`, `csv_file:line 7` → `CSV line 7`,
 * `retry.rules.busy.delay_seconds` → `Retries, busy`. Rows count from 1, as a person counts them.
 * A path the form does not know is shown as it is, so nothing is hidden.
 */
export function fieldLabel(path: string): string {
  const line = csvLineOf(path);
  if (line !== null) return `CSV line ${line}`;
  const row = ROW.exec(path);
  if (row !== null) {
    const n = Number(row[1]) + 1;
    const rest = row[2];
    if (rest === undefined) return `row ${n}`;
    const variable = rest.replace(/^dynamic_vars\.?/, '');
    return variable === '' ? `row ${n}, variables` : `row ${n}, ${variable}`;
  }
  const named = BATCH_FIELD_NAMES[path];
  if (named !== undefined) return named;
  const rule = RETRY_RULE.exec(path);
  if (rule !== null) return `Retries, ${(rule[1] ?? '').replace(/_/g, ' ')}`;
  const range = WINDOW_RANGE.exec(path);
  if (range !== null)
    return `Calling window, range ${Number(range[1]) + 1}${range[2] === undefined ? '' : `, ${range[2]}`}`;
  const excluded = EXCLUDED.exec(path);
  if (excluded !== null) return `Calling window, day without calls ${Number(excluded[1]) + 1}`;
  return path;
}

/**
 * "row 2, phone: must be in E.164 format". A CSV line's messages already start with their column
 * (`phone: …`), which joins the line's label rather than following a second colon.
 */
export function issueText(issue: { path: string; message: string }): string {
  if (issue.path === '') return issue.message;
  const label = fieldLabel(issue.path);
  const column = csvLineOf(issue.path) === null ? null : /^([^:\s][^:]*): (.*)$/s.exec(issue.message);
  return column === null ? `${label}: ${issue.message}` : `${label}, ${column[1]}: ${column[2]}`;
}
