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
  const missing = placeholdersOf(template).filter((key) => !Object.hasOwn(vars, key));
  if (missing.length > 0) return { ok: false, missing };
  const text = template.replace(PLACEHOLDER, (whole, key: string) => {
    if (key === '') return whole;
    return String(vars[key]);
  });
  return { ok: true, text };
}
