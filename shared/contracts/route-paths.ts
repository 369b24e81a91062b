/**
 * The route table's schema-free half: every route of the public API by id, with its method, its path
 * (API Gateway's `{param}` syntax) and how it authenticates. It imports nothing, so the dashboard can
 * build its URLs from it without bundling a schema. The other half, `routes.ts`, gives each of these
 * ids its request and response schemas; `infra/wiring.ts` (which function serves which route),
 * `shared/http/api-routes.ts` (one handler per id) and `web/src/api/client.ts` are derived from both.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * `apiKey`: a workspace's API key, checked by the function serving the route (a hashed lookup, the
 * request then scoped to that key's workspace; anything else is a 401: shared/http/authenticate.ts).
 * `provider`: a telephony provider's callback, authenticated by the provider's signature (no API key).
 * `none`: open.
 */
export type RouteAuth = 'apiKey' | 'provider' | 'none';

/**
 * The function that serves a route (infra/wiring.ts derives its routes from this field). The public
 * API is split by route group, so each function bundles and is granted only what its routes use:
 * `apiCreate` reads and plans new batches (JSON, multipart CSV, phone and time-zone data),
 * `apiBatches` everything about existing batches (reads, controls, results, exports, transcripts,
 * webhook deliveries, CSV upload tickets), `apiSettings` the workspace's configuration (agents,
 * phone numbers) and the API description, `apiSuppressions` the suppression list (with its CSV
 * import). `events` streams live progress, `providerEvents` takes the providers' callbacks.
 */
export type RouteFunction = ApiFunction | 'events' | 'providerEvents';

/** The functions serving the API-key routes of the public API (the router's, shared/http/). */
export type ApiFunction = 'apiCreate' | 'apiBatches' | 'apiSettings' | 'apiSuppressions';

export interface RoutePath {
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth: RouteAuth;
  readonly function: RouteFunction;
}

const apiKey = <M extends HttpMethod, P extends string, F extends RouteFunction>(method: M, path: P, fn: F) =>
  ({ method, path, auth: 'apiKey', function: fn }) as const;

export const ROUTE_PATHS = {
  // Phone numbers
  createPhoneNumber: apiKey('POST', '/v1/phone-numbers', 'apiSettings'),
  listPhoneNumbers: apiKey('GET', '/v1/phone-numbers', 'apiSettings'),
  getPhoneNumber: apiKey('GET', '/v1/phone-numbers/{id}', 'apiSettings'),
  deletePhoneNumber: apiKey('DELETE', '/v1/phone-numbers/{id}', 'apiSettings'),
  // Agents
  createAgent: apiKey('POST', '/v1/agents', 'apiSettings'),
  listAgents: apiKey('GET', '/v1/agents', 'apiSettings'),
  getAgent: apiKey('GET', '/v1/agents/{id}', 'apiSettings'),
  updateAgent: apiKey('PATCH', '/v1/agents/{id}', 'apiSettings'),
  deleteAgent: apiKey('DELETE', '/v1/agents/{id}', 'apiSettings'),
  rotateWebhookSecret: apiKey('POST', '/v1/agents/{id}/webhook-secret', 'apiSettings'),
  // Batch calls
  createUpload: apiKey('POST', '/v1/uploads', 'apiBatches'),
  createBatch: apiKey('POST', '/v1/agents/batch-calls', 'apiCreate'),
  preflightBatch: apiKey('POST', '/v1/agents/batch-calls/preflight', 'apiCreate'),
  listBatches: apiKey('GET', '/v1/agents/batch-calls', 'apiBatches'),
  getBatch: apiKey('GET', '/v1/agents/batch-calls/{id}', 'apiBatches'),
  editBatch: apiKey('PATCH', '/v1/agents/batch-calls/{id}', 'apiBatches'),
  cancelBatch: apiKey('POST', '/v1/agents/batch-calls/{id}/cancel', 'apiBatches'),
  pauseBatch: apiKey('POST', '/v1/agents/batch-calls/{id}/pause', 'apiBatches'),
  resumeBatch: apiKey('POST', '/v1/agents/batch-calls/{id}/resume', 'apiBatches'),
  stopBatch: apiKey('POST', '/v1/agents/batch-calls/{id}/stop', 'apiBatches'),
  listRecipients: apiKey('GET', '/v1/agents/batch-calls/{id}/recipients', 'apiBatches'),
  getRecipient: apiKey('GET', '/v1/agents/batch-calls/{id}/recipients/{recipientId}', 'apiBatches'),
  exportBatch: apiKey('GET', '/v1/agents/batch-calls/{id}/export', 'apiBatches'),
  getConversation: apiKey(
    'GET',
    '/v1/agents/batch-calls/{id}/recipients/{recipientId}/conversation',
    'apiBatches',
  ),
  listWebhookDeliveries: apiKey('GET', '/v1/agents/batch-calls/{id}/webhook-deliveries', 'apiBatches'),
  // Live progress as Server-Sent Events (contract, "Live progress"): a stream, which API Gateway
  // cannot carry, so in AWS its function has a URL of its own (docs/live-progress.md).
  batchEvents: apiKey('GET', '/v1/agents/batch-calls/{id}/events', 'events'),
  redeliverWebhook: apiKey('POST', '/v1/webhook-deliveries/{id}/redeliver', 'apiBatches'),
  // Suppression list
  createSuppression: apiKey('POST', '/v1/suppressions', 'apiSuppressions'),
  listSuppressions: apiKey('GET', '/v1/suppressions', 'apiSuppressions'),
  getSuppression: apiKey('GET', '/v1/suppressions/{id}', 'apiSuppressions'),
  deleteSuppression: apiKey('DELETE', '/v1/suppressions/{id}', 'apiSuppressions'),
  // Providers authenticate by their signature, not by API key (contract, "Telephony providers").
  providerEvents: {
    method: 'POST',
    path: '/v1/telephony/{provider}/events',
    auth: 'provider',
    function: 'providerEvents',
  },
  // The API description, open like any published document (contract, "API description").
  getOpenApi: { method: 'GET', path: '/v1/openapi.json', auth: 'none', function: 'apiSettings' },
} as const satisfies Record<string, RoutePath>;

export type RouteId = keyof typeof ROUTE_PATHS;

/** The ids of the routes that authenticate with `auth` (e.g. `RouteIdWithAuth<'apiKey'>`). */
export type RouteIdWithAuth<A extends RouteAuth> = {
  [Id in RouteId]: (typeof ROUTE_PATHS)[Id]['auth'] extends A ? Id : never;
}[RouteId];

/** The ids of the routes function `F` serves (e.g. `RouteIdServedBy<'apiCreate'>`). */
export type RouteIdServedBy<F extends RouteFunction> = {
  [Id in RouteId]: (typeof ROUTE_PATHS)[Id]['function'] extends F ? Id : never;
}[RouteId];

/** Every id, in table order. */
export const ROUTE_IDS = Object.keys(ROUTE_PATHS) as RouteId[];

/** `'/v1/a/{id}/b/{recipientId}'` → `'id' | 'recipientId'`. */
type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParamNames<Rest>
  : never;

/** The path parameters a route's path names, all required strings. */
export type PathParams<Id extends RouteId> = { [N in ParamNames<(typeof ROUTE_PATHS)[Id]['path']>]: string };

/** API Gateway's route key, `POST /v1/agents/batch-calls`. */
export function routeKeyOf(route: Pick<RoutePath, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** The route key of a route id. */
export function routeKey(id: RouteId): string {
  return routeKeyOf(ROUTE_PATHS[id]);
}

/** A route's concrete path, each `{param}` filled in URL-encoded: `pathOf('getBatch', {id})`. */
export function pathOf<Id extends RouteId>(id: Id, params: PathParams<Id>): string {
  const values = params as Record<string, string | undefined>;
  return ROUTE_PATHS[id].path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${id}: path parameter ${name} is missing`);
    return encodeURIComponent(value);
  });
}
