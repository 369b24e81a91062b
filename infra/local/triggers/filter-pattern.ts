import type { FilterPattern } from '../../wiring.ts';

/**
 * Lambda event filtering (the EventBridge pattern syntax) for the local event source mappings, in the
 * subset infra/wiring.ts uses: nested objects and lists of allowed values (strings, numbers, booleans,
 * null), matched exactly. A field holding an array matches when any of its elements does, as in
 * EventBridge. Content-filter operators (`prefix`, `exists`, `anything-but`, `numeric`, …) are refused
 * when the pattern is compiled, not silently ignored: a wiring that starts using one gets an error
 * here, and the operator's semantics then, with tests.
 */

export class FilterPatternError extends Error {
  constructor(path: string, message: string) {
    super(`Filter pattern${path ? ` at ${path}` : ''}: ${message}`);
    this.name = 'FilterPatternError';
  }
}

type Scalar = string | number | boolean | null;

type Node = { kind: 'object'; fields: Map<string, Node> } | { kind: 'leaf'; values: Scalar[] };

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function compileValue(rule: unknown, path: string): Scalar {
  if (isScalar(rule)) return rule;
  if (typeof rule === 'object' && !Array.isArray(rule)) {
    const operators = Object.keys(rule).map((key) => `"${key}"`);
    throw new FilterPatternError(
      path,
      `unsupported operator ${operators.join(', ') || '{}'}: only lists of exact values are supported`,
    );
  }
  throw new FilterPatternError(path, 'a list holds values (strings, numbers, booleans or null)');
}

function compileNode(pattern: unknown, path: string): Node {
  if (Array.isArray(pattern)) {
    if (pattern.length === 0)
      throw new FilterPatternError(path, 'a list of allowed values must not be empty');
    return { kind: 'leaf', values: pattern.map((rule, i) => compileValue(rule, `${path}[${i}]`)) };
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

function leafMatches(allowed: Scalar[], value: unknown): boolean {
  if (value === undefined) return false;
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.some((v) => allowed.some((a) => v === a));
}

function nodeMatches(node: Node, value: unknown): boolean {
  if (node.kind === 'leaf') return leafMatches(node.values, value);
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
