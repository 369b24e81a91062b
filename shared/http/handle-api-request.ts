import type { AppDeps } from '../app/deps.ts';
import { UnauthorizedError } from '../domain/errors.ts';
import type { ApiEvent, ApiRequest } from './api-request.ts';
import { AUTH_MESSAGES, type Authenticate } from './authenticate.ts';
import type { ApiRouter } from './routes/route-kit.ts';
import { requestIdOf } from './request-context.ts';
import { errorResponse, type HttpResponse } from './respond.ts';

/** The subset of a logger this layer uses (Powertools' Logger fits). */
export interface ApiLogger {
  info(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface ApiFunctionDeps {
  app: AppDeps;
  authenticate: Authenticate;
}

/**
 * One API request in the function serving its route: dispatch on the route key; for an API-key
 * route, authenticate the key first (fail closed: no workspace, no handler), then run the route's
 * handler scoped to that workspace; turn any error into the contract's envelope. Every answer carries
 * X-Request-ID.
 */
export async function handleApiRequest(
  event: ApiEvent,
  router: ApiRouter,
  deps: ApiFunctionDeps,
  logger: ApiLogger,
): Promise<HttpResponse> {
  const requestId = requestIdOf(event.headers, event.requestContext.requestId);
  const started = Date.now();
  let response: HttpResponse;
  try {
    const base = {
      event,
      requestId,
      now: deps.app.clock(),
      path: definedOnly(event.pathParameters),
      query: definedOnly(event.queryStringParameters),
    };
    const open = router.open.get(event.routeKey);
    if (open) {
      response = await open(base);
    } else {
      const route = router.routes.get(event.routeKey);
      // A route this function does not serve (a wiring mistake) is a 500, but only for a caller
      // with a valid key: an unauthenticated request learns nothing, not even that.
      const auth = await deps.authenticate(event.headers.authorization);
      if (!auth.workspaceId) throw new UnauthorizedError(AUTH_MESSAGES[auth.authError]);
      if (!route) throw new Error(`No handler for route ${event.routeKey}`);
      const req: ApiRequest = { ...base, workspaceId: auth.workspaceId };
      response = await route(req, deps.app);
    }
  } catch (error) {
    const mapped = errorResponse(error, requestId);
    if (mapped.internal) logger.error('request failed', { requestId, routeKey: event.routeKey, error });
    response = mapped.response;
  }
  // Never the body, the query or the key: they hold phone numbers and secrets.
  logger.info('request', {
    requestId,
    routeKey: event.routeKey,
    status: response.statusCode,
    durationMs: Date.now() - started,
  });
  return response;
}

function definedOnly(values: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
