import type { DynamicVars } from './recipient.ts';

/**
 * `{{key}}` placeholders in an agent's prompt and first message, filled from a recipient's
 * `dynamic_vars`. Spaces inside the braces are ignored (`{{ first_name }}`); a key may hold any
 * character but a brace, which is why variable names may not contain braces.
 */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The distinct keys a template uses, in order of first use. */
export function placeholdersOf(template: string): string[] {
  const keys = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const key = match[1];
    if (key !== undefined && key !== '') keys.add(key);
  }
  return [...keys];
}

/**
 * Fills every placeholder. A key the variables lack is an error listing all missing keys: saying
 * `{{first_name}}` aloud to a customer is worse than not calling. `{{}}` is not a placeholder and is
 * kept as written.
 */
export function renderTemplate(
  template: string,
  vars: DynamicVars,
): { ok: true; text: string } | { ok: false; missing: string[] } {
  const missing = missingKeys(placeholdersOf(template), vars);
  if (missing.length > 0) return { ok: false, missing };
  const text = template.replace(PLACEHOLDER, (whole, key: string) => {
    if (key === '') return whole;
    return String(vars[key]);
  });
  return { ok: true, text };
}

/**
 * The keys of `keys` that `vars` lacks. One rule for dial (which fails such a recipient) and create
 * (which refuses it up front): a key given with an empty value is present, so it renders as empty.
 */
export function missingKeys(keys: readonly string[], vars: DynamicVars): string[] {
  return keys.filter((key) => !Object.hasOwn(vars, key));
}

/** The distinct placeholders of several templates (an agent's prompt and first message), in order. */
export function placeholdersOfAll(templates: readonly (string | null)[]): string[] {
  return [...new Set(templates.flatMap((t) => (t === null ? [] : placeholdersOf(t))))];
}

export interface PlaceholderUse {
  used: string[];
  /** Each used key some rows lack, with those rows' indexes (ascending), in the order of `used`. */
  missing: { name: string; rows: number[] }[];
  /** Variables some row carries that no template uses, in order of first appearance. */
  unused: string[];
}

/**
 * Which placeholders `rows` fill. `checked` tells which rows must fill them (the ones that would be
 * dialed); every row counts toward `unused`. Keys in `ignore` (variables the service itself reads,
 * such as `timezone`) are never unused.
 */
export function placeholderUse(
  used: readonly string[],
  rows: readonly { index: number; vars: DynamicVars; checked: boolean }[],
  ignore: ReadonlySet<string> = new Set(),
): PlaceholderUse {
  const missingRows = new Map<string, number[]>(used.map((key) => [key, []]));
  const usedSet = new Set(used);
  const unused = new Set<string>();
  for (const row of rows) {
    if (row.checked) for (const key of missingKeys(used, row.vars)) missingRows.get(key)?.push(row.index);
    for (const key of Object.keys(row.vars)) if (!usedSet.has(key) && !ignore.has(key)) unused.add(key);
  }
  return {
    used: [...used],
    missing: [...missingRows].filter(([, r]) => r.length > 0).map(([name, r]) => ({ name, rows: r })),
    unused: [...unused],
  };
}
