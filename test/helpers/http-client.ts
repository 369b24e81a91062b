import { compileRoutes, matchRoute } from '#infra/local/gateway/route-match.ts';
import { ROUTES, routeKey } from '#infra/wiring.ts';
import { ROUTE_IDS, routeKey as routeKeyOfId, type RouteId } from '#shared/contracts/route-paths.ts';
import { ROUTE_TABLE } from '#shared/contracts/routes.ts';
import { z } from 'zod';
import { expectDocumentedResponse } from './openapi-check.ts';

/** A small fetch wrapper for integration tests: JSON by default, raw bodies when given. */
export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  rawBody?: string | Buffer | FormData;
  headers?: Record<string, string>;
  token?: string | null;
}

export interface ClientOptions {
  /**
   * Checks every answer against the route table (shared/contracts/routes.ts): its status must be one
   * the route declares, and its body must parse with that status's schema (strict for the resource
   * objects, so a stray or missing field fails the request); and against the OpenAPI document the
   * service publishes, with a JSON Schema validator (openapi-check.ts). Paths that are no route are
   * not checked.
   */
  checkContract?: boolean;
}

const compiledRoutes = compileRoutes(ROUTES);
const idByRouteKey = new Map(ROUTE_IDS.map((id) => [routeKeyOfId(id), id]));

/** The route id a request goes to, or null when it is no route of the table. */
export function routeIdOf(method: string, path: string): RouteId | null {
  let match;
  try {
    match = matchRoute(compiledRoutes, method, new URL(path, 'http://test.invalid').pathname);
  } catch {
    return null; // a malformed path (the gateway's own 400)
  }
  return match ? (idByRouteKey.get(routeKey(match.route)) ?? null) : null;
}

/** Throws when an answer is not what the route table says route `id` answers with `status`. */
export function expectRouteResponse(id: RouteId, status: number, body: unknown, text = ''): void {
  const responses = ROUTE_TABLE[id].responses as Partial<Record<number, z.ZodType | null>>;
  if (!Object.hasOwn(responses, status)) {
    throw new Error(`${id} answered ${status}, a status the route table does not declare for it: ${text}`);
  }
  const schema = responses[status];
  if (schema === null || schema === undefined) {
    if (text !== '') throw new Error(`${id} answered ${status} with a body, where the route table has none`);
    return;
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new Error(
      `${id} answered ${status} with a body that does not match the route table:\n${z.prettifyError(result.error)}`,
    );
  }
}

export function client(baseUrl: string, apiKey: string, clientOptions: ClientOptions = {}) {
  async function request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? apiKey : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: RequestInit['body'];
    if (options.rawBody !== undefined) body = options.rawBody as RequestInit['body'];
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a static page, an empty 204): the test reads `text` instead.
    }
    if (clientOptions.checkContract) {
      const id = routeIdOf(method, path);
      if (id !== null) {
        expectRouteResponse(id, res.status, parsed, text);
        expectDocumentedResponse(id, res.status, parsed, text);
      }
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
  return {
    request,
    get: <T = any>(path: string, o?: RequestOptions) => request<T>('GET', path, o),
    post: <T = any>(path: string, body?: unknown, o?: RequestOptions) =>
      request<T>('POST', path, { ...o, body }),
    patch: <T = any>(path: string, body?: unknown, o?: RequestOptions) =>
      request<T>('PATCH', path, { ...o, body }),
    del: <T = any>(path: string, o?: RequestOptions) => request<T>('DELETE', path, o),
  };
}

export type TestClient = ReturnType<typeof client>;
