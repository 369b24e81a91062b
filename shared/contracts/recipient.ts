import type { FieldIssue } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';
import { normalizeE164 } from '../domain/phone.ts';
import type { DynamicVarValue, DynamicVars } from '../domain/recipient.ts';
import { checkRecipientTimezone } from './campaign.ts';
import { joinPath } from './common.ts';

/** A recipient as the create use case receives it: a canonical E.164 number and its variables. */
export interface RecipientInput {
  phone: string;
  dynamicVars: DynamicVars;
  /** Where it came from, for errors found later (`recipients[3]`, `csv_file:line 7`). */
  path?: string;
}

/** The variable that names a recipient's own time zone (contract "Calling windows"). */
export const TIMEZONE_VAR = 'timezone';

/**
 * A recipient's `timezone` (a JSON field or a CSV column: either way a variable too) must be an IANA
 * zone name when given; empty means not given. Why not, or null when fine.
 */
export function checkTimezoneVar(vars: ReadonlyMap<string, DynamicVarValue> | DynamicVars): string | null {
  const value = vars instanceof Map ? vars.get(TIMEZONE_VAR) : (vars as DynamicVars)[TIMEZONE_VAR];
  if (value === undefined || value === '') return null;
  const check = checkRecipientTimezone(value);
  return check.ok ? null : check.message;
}

export type RecipientCheck = { ok: true; value: RecipientInput } | { ok: false; issues: FieldIssue[] };

// `__proto__` as an own key survives JSON.parse but turns into a prototype change the moment some
// later code copies the variables with `obj[key] = …`; refusing it is cheaper than auditing every copy.
const RESERVED_KEYS = new Set(['__proto__']);

/** A string holding a lone UTF-16 surrogate (`"\ud800"` in JSON) has no UTF-8 form to store. */
export function isWellFormedText(value: string): boolean {
  return !/\p{Cs}/u.test(value);
}

/** Why a variable name is unusable, or null when it is fine. */
export function checkVarKey(key: string): string | null {
  if (key.length === 0) return 'variable names must not be empty';
  if (!isWellFormedText(key)) return 'variable names must be valid Unicode text';
  if (key.length > LIMITS.dynamicVarKeyMaxLength) {
    return `variable names must be at most ${LIMITS.dynamicVarKeyMaxLength} characters long`;
  }
  if (key.includes('{') || key.includes('}')) return 'variable names must not contain { or }';
  if (RESERVED_KEYS.has(key)) return 'is a reserved name';
  return null;
}

/**
 * Why a number cannot be a variable, or null when it is fine (docs/limits.md). The message never
 * holds the value: it may be an account number.
 */
export function checkVarNumber(value: number): string | null {
  const { maxMagnitude, minNonZeroMagnitude } = LIMITS.dynamicVarNumber;
  const magnitude = Math.abs(value);
  if (!Number.isFinite(value)) return 'must be a finite number';
  // Every double beyond 2^53 is an integer, so this also covers 1e200.
  if (magnitude > maxMagnitude) {
    return 'must be an integer within ±9,007,199,254,740,991 (send longer numbers, like account numbers, as strings)';
  }
  if (magnitude !== 0 && magnitude < minNonZeroMagnitude) {
    return 'is too small to store (non-zero numbers must be at least 1e-130 in magnitude)';
  }
  return null;
}

/** Why a variable value is unusable, or null when it is fine. */
export function checkVarValue(value: unknown): string | null {
  if (typeof value === 'string') {
    if (value.length > LIMITS.dynamicVarValueMaxLength) {
      return `must be at most ${LIMITS.dynamicVarValueMaxLength.toLocaleString('en-US')} characters long`;
    }
    return isWellFormedText(value) ? null : 'must be valid Unicode text (it holds a lone surrogate)';
  }
  if (typeof value === 'number') return checkVarNumber(value);
  if (typeof value === 'boolean') return null;
  return 'must be a string, number or boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates one recipient of a JSON create request (contract "Create"): `phone` in E.164 (stored in
 * its canonical form), optional `dynamic_vars`, and any other field of the recipient as a variable too.
 * A key given both ways is refused rather than silently picking one. Every issue is reported, each
 * with its full path (`recipients[3].dynamic_vars.plan`). `dynamic_vars: null` counts as absent.
 */
export function validateRecipient(raw: unknown, path: string): RecipientCheck {
  if (!isPlainObject(raw)) {
    return { ok: false, issues: [{ path, message: 'must be an object with a phone field' }] };
  }
  const issues: FieldIssue[] = [];
  const vars = new Map<string, DynamicVarValue>();

  let phone: string | null = null;
  const rawPhone = raw['phone'];
  const phonePath = joinPath(path, 'phone');
  if (rawPhone === undefined || rawPhone === null) {
    issues.push({ path: phonePath, message: 'is required' });
  } else if (typeof rawPhone !== 'string') {
    issues.push({ path: phonePath, message: 'must be a string' });
  } else {
    const check = normalizeE164(rawPhone);
    if (check.ok) phone = check.e164;
    else issues.push({ path: phonePath, message: check.message });
  }

  const addVar = (key: string, value: unknown, varPath: string): void => {
    const keyProblem = checkVarKey(key);
    if (keyProblem !== null) {
      issues.push({ path: varPath, message: keyProblem });
      return;
    }
    const valueProblem = checkVarValue(value);
    if (valueProblem !== null) {
      issues.push({ path: varPath, message: valueProblem });
      return;
    }
    vars.set(key, value as DynamicVarValue);
  };

  const declared = raw['dynamic_vars'];
  const dynamicVarsPath = joinPath(path, 'dynamic_vars');
  if (declared !== undefined && declared !== null) {
    if (!isPlainObject(declared)) {
      issues.push({ path: dynamicVarsPath, message: 'must be an object' });
    } else {
      for (const [key, value] of Object.entries(declared)) addVar(key, value, joinPath(dynamicVarsPath, key));
    }
  }

  for (const [key, value] of Object.entries(raw)) {
    if (key === 'phone' || key === 'dynamic_vars') continue;
    const varPath = joinPath(path, key);
    if (isPlainObject(declared) && Object.hasOwn(declared, key)) {
      issues.push({ path: varPath, message: 'is also given in dynamic_vars; give each variable once' });
      continue;
    }
    addVar(key, value, varPath);
  }

  if (vars.size > LIMITS.dynamicVarsPerRecipient) {
    issues.push({
      path: dynamicVarsPath,
      message: `must hold at most ${LIMITS.dynamicVarsPerRecipient} variables (this recipient has ${vars.size})`,
    });
  }

  const zoneProblem = checkTimezoneVar(vars);
  if (zoneProblem !== null) issues.push({ path: joinPath(path, TIMEZONE_VAR), message: zoneProblem });

  if (issues.length > 0 || phone === null) return { ok: false, issues };
  // Object.fromEntries defines own data properties, so no key can reach a prototype.
  return { ok: true, value: { phone, dynamicVars: Object.fromEntries(vars), path } };
}
