import type { Conversation } from './conversation.ts';
import type { DynamicVars, Recipient } from './recipient.ts';

/**
 * A batch's results as a file (contract "Results export"): one row per recipient in input order,
 * `phone`, the batch's variable columns in their original order, the result columns, then one
 * `eval.<criterion id>` and one `data.<item id>` column each. CSV cells that a spreadsheet would run
 * as a formula are prefixed with `'`; JSONL keeps every value as it is (a program reads it).
 */

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/** The fixed columns between the variables and the evaluations, in contract order. */
export const RESULT_COLUMNS = [
  'status',
  'outcome',
  'skip_reason',
  'attempts',
  'started_at',
  'ended_at',
  'duration_secs',
  'conversation_id',
  'error',
] as const;

/** What a finished call contributes to its row: the evaluation results and the collected values. */
export type ExportConversation = Pick<Conversation, 'evaluations' | 'dataCollection'>;

export interface ExportInput {
  /** The batch's variable columns as created (empty for a batch stored before they were kept). */
  variableColumns: readonly string[];
  recipients: readonly Recipient[];
  /** The conversation of a recipient's last connected attempt, by recipient id. */
  conversations: ReadonlyMap<string, ExportConversation>;
  /** The agent's criteria and data-collection ids, when the agent still exists. */
  criterionIds: readonly string[];
  dataItemIds: readonly string[];
}

export interface ExportColumns {
  variables: string[];
  criteria: string[];
  dataItems: string[];
}

/** Appends to `into` every id of `ids` it does not hold yet, keeping first-seen order. */
function addNew(into: string[], seen: Set<string>, ids: Iterable<string>): void {
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    into.push(id);
  }
}

/**
 * A JSON batch's variable columns: its recipients' keys in first-seen order. Used at create, and at
 * export for a batch stored before its columns were kept.
 */
export function variableColumnsOf(recipients: readonly { dynamicVars: DynamicVars }[]): string[] {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of recipients) addNew(columns, seen, Object.keys(r.dynamicVars));
  return columns;
}

/**
 * The columns of an export. The variables are the stored order plus any key it lacks; criteria and
 * data items are the agent's, then any id a conversation carries that the agent no longer defines
 * (an agent edited or deleted after the calls), so no result is dropped.
 */
export function exportColumns(input: ExportInput): ExportColumns {
  const variables = [...input.variableColumns];
  addNew(variables, new Set(variables), variableColumnsOf(input.recipients));
  const criteria = [...input.criterionIds];
  const dataItems = [...input.dataItemIds];
  const seenCriteria = new Set(criteria);
  const seenItems = new Set(dataItems);
  for (const c of input.conversations.values()) {
    addNew(
      criteria,
      seenCriteria,
      c.evaluations.map((e) => e.id),
    );
    addNew(dataItems, seenItems, Object.keys(c.dataCollection));
  }
  return { variables, criteria, dataItems };
}

type Scalar = string | number | boolean | null;

/** One recipient's export record, the JSONL line's shape (CSV flattens it). */
export interface ExportRecord {
  phone: string;
  dynamic_vars: Record<string, string | number | boolean>;
  status: Recipient['status'];
  outcome: Recipient['outcome'];
  skip_reason: Recipient['skipReason'];
  attempts: number;
  started_at: string | null;
  ended_at: string | null;
  duration_secs: number | null;
  conversation_id: string | null;
  error: string | null;
  /** Criterion id → result (`success`, `failure`, `unknown`), for every column; null without a result. */
  evaluations: Record<string, string | null>;
  /** Item id → collected value, for every column; null when nothing was collected. */
  data_collection: Record<string, Scalar>;
}

export function exportRecord(
  recipient: Recipient,
  conversation: ExportConversation | undefined,
  columns: ExportColumns,
): ExportRecord {
  const vars: Record<string, string | number | boolean> = {};
  for (const name of columns.variables) {
    const value = recipient.dynamicVars[name];
    if (value !== undefined) vars[name] = value;
  }
  const evaluations: Record<string, string | null> = {};
  for (const id of columns.criteria) {
    evaluations[id] = conversation?.evaluations.find((e) => e.id === id)?.result ?? null;
  }
  const data: Record<string, Scalar> = {};
  for (const id of columns.dataItems) data[id] = conversation?.dataCollection[id]?.value ?? null;
  return {
    phone: recipient.phone,
    dynamic_vars: vars,
    status: recipient.status,
    outcome: recipient.outcome,
    skip_reason: recipient.skipReason,
    attempts: recipient.attempts,
    started_at: recipient.startedAt,
    ended_at: recipient.endedAt,
    duration_secs: recipient.durationSecs,
    conversation_id: recipient.conversationId,
    error: recipient.error,
    evaluations,
    data_collection: data,
  };
}

/** Spreadsheets run a cell starting with one of these as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180 quoting, and quotes around edge spaces too, so a reader that trims keeps them. */
function quoteCsv(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV cell: formula-safe unless `raw` (the phone column, always `+` and digits). */
export function csvCell(value: Scalar | undefined, raw = false): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return quoteCsv(!raw && FORMULA_START.test(text) ? `'${text}` : text);
}

export function csvHeader(columns: ExportColumns): string {
  const names = [
    'phone',
    ...columns.variables,
    ...RESULT_COLUMNS,
    ...columns.criteria.map((id) => `eval.${id}`),
    ...columns.dataItems.map((id) => `data.${id}`),
  ];
  return names.map((name, i) => csvCell(name, i === 0)).join(',');
}

export function csvRow(record: ExportRecord, columns: ExportColumns): string {
  const cells = [
    csvCell(record.phone, true),
    ...columns.variables.map((name) => csvCell(record.dynamic_vars[name])),
    ...RESULT_COLUMNS.map((name) => csvCell(record[name])),
    ...columns.criteria.map((id) => csvCell(record.evaluations[id])),
    ...columns.dataItems.map((id) => csvCell(record.data_collection[id])),
  ];
  return cells.join(',');
}

/**
 * The export's text, line by line (CRLF for CSV as RFC 4180 says; LF for JSONL). A generator, so a
 * caller that can stream (a file write, a streamed answer) never holds the whole file twice.
 */
export function* renderExport(format: ExportFormat, input: ExportInput): Generator<string> {
  const columns = exportColumns(input);
  if (format === 'csv') yield `${csvHeader(columns)}\r\n`;
  for (const recipient of input.recipients) {
    const record = exportRecord(recipient, input.conversations.get(recipient.id), columns);
    yield format === 'csv' ? `${csvRow(record, columns)}\r\n` : `${JSON.stringify(record)}\n`;
  }
}

/** `attachment; filename="…"` with an RFC 6266 `filename*` for names outside ASCII. */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** `appointment-reminders-batch_01J….csv`: the batch's name made safe for a file name. */
export function exportFileName(batch: { id: string; name: string }, format: ExportFormat): string {
  const slug = batch.name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase()
    .slice(0, 60);
  return `${slug ? `${slug}-` : ''}${batch.id}.${format}`;
}
