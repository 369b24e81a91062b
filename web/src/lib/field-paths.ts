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
