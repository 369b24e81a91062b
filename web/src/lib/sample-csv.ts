import { placeholdersOf } from '../../../shared/domain/placeholders.ts';
import { PHONE_COLUMN } from '../../../shared/contracts/csv-rules.ts';

/** The `{{placeholders}}` an agent's calls need: those of its prompt, then new ones of its first message. */
export function agentPlaceholders(agent: { prompt: string; first_message: string | null }): string[] {
  return [...new Set([...placeholdersOf(agent.prompt), ...placeholdersOf(agent.first_message ?? '')])];
}

/** RFC 4180: quote a cell that holds a comma, a quote, a line break or edge spaces. */
export function csvCell(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',');
}

/**
 * The "Download sample" template: a `phone` column, one column per placeholder, and one example row
 * to overwrite (a number in the fictional 555-01xx range, and each column's name as its value).
 */
export function sampleCsv(placeholders: readonly string[]): string {
  const header = [PHONE_COLUMN, ...placeholders.filter((p) => p !== PHONE_COLUMN)];
  const example = header.map((name) => (name === PHONE_COLUMN ? '+14155550123' : `example ${name}`));
  return `${csvLine(header)}\r\n${csvLine(example)}\r\n`;
}

/** Placeholders the recipients cannot fill: no column (or variable) of that name. */
export function missingPlaceholders(placeholders: readonly string[], columns: readonly string[]): string[] {
  const have = new Set(columns);
  return placeholders.filter((p) => !have.has(p));
}
