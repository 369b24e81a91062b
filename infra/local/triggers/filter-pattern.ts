import type { FilterPattern } from '../../wiring.ts';

/**
 * Lambda event filtering (the EventBridge pattern syntax) for the local event source mappings.
 * Supported: nested objects, arrays of allowed values (strings, numbers, booleans, null), and the
 * operators `exists`, `prefix`, `suffix`, `anything-but` (a value, a list, or `{prefix}`) and
 * `numeric`. A field holding an array matches when any of its elements does, as in EventBridge.
 * Anything else is refused when the pattern is compiled, not silently ignored.
 */

export class FilterPatternError extends Error {
  constructor(path: string, message: string) {
    super(`Filter pattern${path ? ` at ${path}` : ''}: ${message}`);
    this.name = 'FilterPatternError';
  }
}

type Scalar = string | number | boolean | null;
type Rule =
  | { kind: 'equals'; value: Scalar }
  | { kind: 'exists'; value: boolean }
  | { kind: 'prefix'; value: string }
  | { kind: 'suffix'; value: string }
  | { kind: 'anything-but'; values: Scalar[] }
  | { kind: 'anything-but-prefix'; value: string }
  | { kind: 'numeric'; checks: Array<{ op: string; bound: number }> };

type Node = { kind: 'object'; fields: Map<string, Node> } | { kind: 'leaf'; rules: Rule[] };

const NUMERIC_OPS = new Set(['<', '<=', '=', '>=', '>']);

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function compileRule(rule: unknown, path: string): Rule {
  if (isScalar(rule)) return { kind: 'equals', value: rule };
  if (typeof rule !== 'object' || Array.isArray(rule)) {
    throw new FilterPatternError(path, 'a rule must be a value or an operator object');
  }
  const entries = Object.entries(rule);
  const [operator, operand] = entries[0] ?? [];
  if (entries.length !== 1 || operator === undefined) {
    throw new FilterPatternError(path, 'an operator object has exactly one key');
  }
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') throw new FilterPatternError(path, '"exists" takes true or false');
      return { kind: 'exists', value: operand };
    case 'prefix':
    case 'suffix':
      if (typeof operand !== 'string') throw new FilterPatternError(path, `"${operator}" takes a string`);
      return { kind: operator, value: operand };
    case 'anything-but': {
      if (typeof operand === 'object' && operand !== null && !Array.isArray(operand)) {
        const prefix = (operand as Record<string, unknown>).prefix;
        if (Object.keys(operand).length !== 1 || typeof prefix !== 'string') {
          throw new FilterPatternError(
            path,
            '"anything-but" takes a value, a list of values or {"prefix": …}',
          );
        }
        return { kind: 'anything-but-prefix', value: prefix };
      }
      const values = Array.isArray(operand) ? operand : [operand];
      if (values.length === 0 || !values.every(isScalar)) {
        throw new FilterPatternError(path, '"anything-but" takes a value, a list of values or {"prefix": …}');
      }
      return { kind: 'anything-but', values };
    }
    case 'numeric': {
      if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
        throw new FilterPatternError(path, '"numeric" takes pairs of operator and number');
      }
      const checks: Array<{ op: string; bound: number }> = [];
      for (let i = 0; i < operand.length; i += 2) {
        const op: unknown = operand[i];
        const bound: unknown = operand[i + 1];
        if (typeof op !== 'string' || !NUMERIC_OPS.has(op) || typeof bound !== 'number') {
          throw new FilterPatternError(
            path,
            '"numeric" takes pairs of operator (<, <=, =, >=, >) and number',
          );
        }
        checks.push({ op, bound });
      }
      return { kind: 'numeric', checks };
    }
    default:
      throw new FilterPatternError(path, `unsupported operator "${operator}"`);
  }
}

function compileNode(pattern: unknown, path: string): Node {
  if (Array.isArray(pattern)) {
    if (pattern.length === 0)
      throw new FilterPatternError(path, 'a list of allowed values must not be empty');
    return { kind: 'leaf', rules: pattern.map((rule, i) => compileRule(rule, `${path}[${i}]`)) };
  }
  if (typeof pattern !== 'object' || pattern === null) {
    throw new FilterPatternError(path, 'values must be in a list, e.g. ["INSERT"]');
  }
  const fields = new Map<string, Node>();
  for (const [key, value] of Object.entries(pattern)) {
    fields.set(key, compileNode(value, path ? `${path}.${key}` : key));
  }
  if (fields.size === 0) throw new FilterPatternError(path, 'an object must name at least one field');
  return { kind: 'object', fields };
}

function ruleMatches(rule: Rule, value: unknown): boolean {
  switch (rule.kind) {
    case 'equals':
      return value === rule.value;
    case 'exists':
      // Handled by the caller: it depends on the field being there, not on one value.
      return false;
    case 'prefix':
      return typeof value === 'string' && value.startsWith(rule.value);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(rule.value);
    case 'anything-but':
      return isScalar(value) && !rule.values.includes(value);
    case 'anything-but-prefix':
      return typeof value === 'string' && !value.startsWith(rule.value);
    case 'numeric':
      return (
        typeof value === 'number' &&
        rule.checks.every(({ op, bound }) => {
          switch (op) {
            case '<':
              return value < bound;
            case '<=':
              return value <= bound;
            case '=':
              return value === bound;
            case '>=':
              return value >= bound;
            default:
              return value > bound;
          }
        })
      );
  }
}

function leafMatches(rules: Rule[], value: unknown): boolean {
  const present = value !== undefined;
  const leaf = present && (isScalar(value) || Array.isArray(value));
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return rules.some((rule) => {
    if (rule.kind === 'exists') return rule.value ? leaf : !present;
    if (!present) return false;
    return values.some((v) => ruleMatches(rule, v));
  });
}

function nodeMatches(node: Node, value: unknown): boolean {
  if (node.kind === 'leaf') return leafMatches(node.rules, value);
  const fields =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  for (const [key, child] of node.fields) {
    if (!nodeMatches(child, Object.hasOwn(fields, key) ? fields[key] : undefined)) return false;
  }
  return true;
}

export type EventFilter = (event: unknown) => boolean;

/** A matcher for one pattern; throws FilterPatternError for a pattern outside the supported syntax. */
export function compileFilterPattern(pattern: FilterPattern): EventFilter {
  const root = compileNode(pattern, '');
  return (event) => nodeMatches(root, event);
}

/** An event passes when it matches any of the patterns; no patterns lets everything through. */
export function compileFilters(patterns: readonly FilterPattern[]): EventFilter {
  const filters = patterns.map(compileFilterPattern);
  if (filters.length === 0) return () => true;
  return (event) => filters.some((filter) => filter(event));
}
