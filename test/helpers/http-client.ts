import { compileRoutes, matchRoute } from '#infra/local/gateway/route-match.ts';
import { ROUTES, routeKey } from '#infra/wiring.ts';
import { ROUTE_IDS, routeKey as routeKeyOfId, type RouteId } from '#shared/contracts/route-paths.ts';
import { ROUTE_TABLE, type ResponseSchemas } from '#shared/contracts/routes.ts';
import { z } from 'zod';
import { BatchCallsClient } from '#shared/client/api-client.ts';
import { fetchTransport, type Transport } from '#shared/client/transport.ts';
import { expectDocumentedResponse } from './openapi-check.ts';

/** An answer as the integration tests read it: JSON parsed, the text kept. */
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
  const responses = ROUTE_TABLE[id].responses as ResponseSchemas;
  if (!Object.hasOwn(responses, status)) {
    throw new Error(`${id} answered ${status}, a status the route table does not declare for it: ${text}`);
  }
  const schema = responses[status];
  if (schema === null || schema === undefined) {
    if (text !== '') throw new Error(`${id} answered ${status} with a body, where the route table has none`);
    return;
  }
  // A non-JSON answer (a CSV export, an event stream) is checked as its text.
  const result = schema instanceof z.ZodType ? schema.safeParse(body) : schema.schema.safeParse(text);
  if (!result.success) {
    throw new Error(
      `${id} answered ${status} with a body that does not match the route table:\n${z.prettifyError(result.error)}`,
    );
  }
}

/**
 * The integration tests' client, built on the typed client (shared/client/api-client.ts): `api` makes
 * typed calls by route id; `request`/`get`/`post`/… send anything by path (a malformed body, another
 * key, no key) for the tests of refusals. With `checkContract`, every answer either way is checked.
 */
export function client(baseUrl: string, apiKey: string, clientOptions: ClientOptions = {}) {
  const send = fetchTransport();
  const transport: Transport = async (req) => {
    const res = await send(req);
    if (clientOptions.checkContract) {
      const id = routeIdOf(req.method, req.url);
      if (id !== null) {
        let parsed: unknown;
        try {
          parsed = res.text ? JSON.parse(res.text) : undefined;
        } catch {
          // Not JSON: checked as text.
        }
        expectRouteResponse(id, res.status, parsed, res.text);
        expectDocumentedResponse(id, res.status, parsed, res.text);
      }
    }
    return res;
  };
  const api = new BatchCallsClient({ baseUrl, apiKey, transport });

  async function request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<TestResponse<T>> {
    const answer = await api.request(method, path, {
      ...(options.rawBody !== undefined ? { body: options.rawBody } : { json: options.body }),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.token !== undefined ? { apiKey: options.token } : {}),
    });
    return {
      status: answer.status,
      headers: answer.headers as Headers,
      body: answer.body as T,
      text: answer.text,
    };
  }
  return {
    api,
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
