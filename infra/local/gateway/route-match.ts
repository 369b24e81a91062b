import type { RouteSpec } from '../../wiring.ts';

/**
 * API Gateway HTTP API route selection: a route matches when the method is the same and every
 * segment is equal or a `{param}`; among matches, the one with the most literal segments, earliest
 * from the left, wins — so `GET /v1/agents/batch-calls` beats `GET /v1/agents/{id}`.
 */
export interface RouteMatch {
  route: RouteSpec;
  /** URL-decoded, as API Gateway hands them to the function. */
  pathParameters: Record<string, string>;
}

interface CompiledRoute {
  route: RouteSpec;
  segments: Array<{ literal: string } | { param: string }>;
}

export class MalformedPathError extends Error {}

export function compileRoutes(routes: readonly RouteSpec[]): CompiledRoute[] {
  return routes.map((route) => ({
    route,
    segments: splitPath(route.path).map((segment) => {
      const param = /^\{([A-Za-z0-9_]+)\}$/.exec(segment)?.[1];
      return param ? { param } : { literal: segment };
    }),
  }));
}

/** The matched route, or null when the path or method has no route. Throws on a bad %-escape. */
export function matchRoute(compiled: CompiledRoute[], method: string, rawPath: string): RouteMatch | null {
  const segments = splitPath(rawPath);
  let best: { entry: CompiledRoute; score: string } | null = null;
  for (const entry of compiled) {
    if (entry.route.method !== method || entry.segments.length !== segments.length) continue;
    let score = '';
    let matches = true;
    for (const [i, pattern] of entry.segments.entries()) {
      const actual = segments[i] ?? '';
      if ('literal' in pattern) {
        if (pattern.literal !== actual) {
          matches = false;
          break;
        }
        score += '1';
      } else {
        if (actual === '') {
          matches = false;
          break;
        }
        score += '0';
      }
    }
    // Equal-length strings of 0/1 compare as "more literals, further left, wins".
    if (matches && (best === null || score > best.score)) best = { entry, score };
  }
  if (!best) return null;
  const pathParameters: Record<string, string> = {};
  for (const [i, pattern] of best.entry.segments.entries()) {
    if ('param' in pattern) pathParameters[pattern.param] = decodeSegment(segments[i] ?? '');
  }
  return { route: best.entry.route, pathParameters };
}

function splitPath(path: string): string[] {
  return path.split('/').slice(1);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw new MalformedPathError(`Malformed percent-encoding in path segment`, { cause: error });
  }
}
