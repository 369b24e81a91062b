/**
 * The one description of how the service is wired: which function serves which route, and with
 * which trigger settings. The CDK app (infra/) and the local runtime (infra/local/) both read it, so
 * the local mode cannot drift from what AWS runs. Paths use API Gateway's `{param}` syntax.
 */

export type FunctionName = 'api' | 'authorizer';

export interface FunctionSpec {
  /** Module under functions/ exporting `handler` (the Lambda entry). */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
}

export const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  api: { entry: 'functions/http/api.ts', memoryMb: 1024, timeoutSeconds: 29 },
  authorizer: { entry: 'functions/http/authorizer.ts', memoryMb: 256, timeoutSeconds: 5 },
};

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  path: string;
  function: FunctionName;
  /** 'apiKey' routes go through the Lambda authorizer; 'none' routes authenticate themselves. */
  auth: 'apiKey' | 'none';
}

const api = (method: HttpMethod, path: string): RouteSpec => ({
  method,
  path,
  function: 'api',
  auth: 'apiKey',
});

export const ROUTES: readonly RouteSpec[] = [
  api('POST', '/v1/phone-numbers'),
  api('GET', '/v1/phone-numbers'),
  api('GET', '/v1/phone-numbers/{id}'),
  api('DELETE', '/v1/phone-numbers/{id}'),
  api('POST', '/v1/agents'),
  api('GET', '/v1/agents'),
  api('GET', '/v1/agents/{id}'),
  api('PATCH', '/v1/agents/{id}'),
  api('DELETE', '/v1/agents/{id}'),
  api('POST', '/v1/agents/{id}/webhook-secret'),
  api('POST', '/v1/agents/batch-calls'),
  api('GET', '/v1/agents/batch-calls'),
  api('GET', '/v1/agents/batch-calls/{id}'),
  api('POST', '/v1/agents/batch-calls/{id}/cancel'),
];

export function routeKey(route: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** API Gateway HTTP API payload limit; larger requests never reach a function. */
export const HTTP_API_MAX_BODY_BYTES = 10 * 1024 * 1024;
