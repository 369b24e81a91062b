/**
 * The route table's schema-free half: every route of the public API by id, with its method, its path
 * (API Gateway's `{param}` syntax) and how it authenticates. It imports nothing, so the dashboard can
 * build its URLs from it without bundling a schema. The other half, `routes.ts`, gives each of these
 * ids its request and response schemas; `infra/wiring.ts` (which function serves which route),
 * `shared/http/api-routes.ts` (one handler per id) and `web/src/api/client.ts` are derived from both.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * `apiKey`: a workspace's API key, resolved by the Lambda authorizer. `provider`: a telephony
 * provider's callback, authenticated by the provider's signature (no API key). `none`: open.
 * `apiKeyStream`: a workspace's API key too, checked by the function serving the route with the
 * authorizer's code: its answer is a stream, which API Gateway cannot carry, so in AWS it has a
 * Lambda function URL of its own (docs/live-progress.md).
 */
export type RouteAuth = 'apiKey' | 'provider' | 'none' | 'apiKeyStream';

export interface RoutePath {
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth: RouteAuth;
}

const apiKey = <M extends HttpMethod, P extends string>(method: M, path: P) =>
  ({ method, path, auth: 'apiKey' }) as const;

export const ROUTE_PATHS = {
  // Phone numbers
  createPhoneNumber: apiKey('POST', '/v1/phone-numbers'),
  listPhoneNumbers: apiKey('GET', '/v1/phone-numbers'),
  getPhoneNumber: apiKey('GET', '/v1/phone-numbers/{id}'),
  deletePhoneNumber: apiKey('DELETE', '/v1/phone-numbers/{id}'),
  // Agents
  createAgent: apiKey('POST', '/v1/agents'),
  listAgents: apiKey('GET', '/v1/agents'),
  getAgent: apiKey('GET', '/v1/agents/{id}'),
  updateAgent: apiKey('PATCH', '/v1/agents/{id}'),
  deleteAgent: apiKey('DELETE', '/v1/agents/{id}'),
  rotateWebhookSecret: apiKey('POST', '/v1/agents/{id}/webhook-secret'),
  // Batch calls
  createUpload: apiKey('POST', '/v1/uploads'),
  createBatch: apiKey('POST', '/v1/agents/batch-calls'),
  preflightBatch: apiKey('POST', '/v1/agents/batch-calls/preflight'),
  listBatches: apiKey('GET', '/v1/agents/batch-calls'),
  getBatch: apiKey('GET', '/v1/agents/batch-calls/{id}'),
  editBatch: apiKey('PATCH', '/v1/agents/batch-calls/{id}'),
  cancelBatch: apiKey('POST', '/v1/agents/batch-calls/{id}/cancel'),
  pauseBatch: apiKey('POST', '/v1/agents/batch-calls/{id}/pause'),
  resumeBatch: apiKey('POST', '/v1/agents/batch-calls/{id}/resume'),
  stopBatch: apiKey('POST', '/v1/agents/batch-calls/{id}/stop'),
  listRecipients: apiKey('GET', '/v1/agents/batch-calls/{id}/recipients'),
  getRecipient: apiKey('GET', '/v1/agents/batch-calls/{id}/recipients/{recipientId}'),
  exportBatch: apiKey('GET', '/v1/agents/batch-calls/{id}/export'),
  getConversation: apiKey('GET', '/v1/agents/batch-calls/{id}/recipients/{recipientId}/conversation'),
  listWebhookDeliveries: apiKey('GET', '/v1/agents/batch-calls/{id}/webhook-deliveries'),
  // Live progress as Server-Sent Events (contract, "Live progress").
  batchEvents: { method: 'GET', path: '/v1/agents/batch-calls/{id}/events', auth: 'apiKeyStream' },
  redeliverWebhook: apiKey('POST', '/v1/webhook-deliveries/{id}/redeliver'),
  // Suppression list
  createSuppression: apiKey('POST', '/v1/suppressions'),
  listSuppressions: apiKey('GET', '/v1/suppressions'),
  getSuppression: apiKey('GET', '/v1/suppressions/{id}'),
  deleteSuppression: apiKey('DELETE', '/v1/suppressions/{id}'),
  // Providers authenticate by their signature, not by API key (contract, "Telephony providers").
  providerEvents: { method: 'POST', path: '/v1/telephony/{provider}/events', auth: 'provider' },
  // The API description, open like any published document (contract, "API description").
  getOpenApi: { method: 'GET', path: '/v1/openapi.json', auth: 'none' },
} as const satisfies Record<string, RoutePath>;

export type RouteId = keyof typeof ROUTE_PATHS;

/** The ids of the routes that authenticate with `auth` (e.g. `RouteIdWithAuth<'apiKey'>`). */
export type RouteIdWithAuth<A extends RouteAuth> = {
  [Id in RouteId]: (typeof ROUTE_PATHS)[Id]['auth'] extends A ? Id : never;
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
