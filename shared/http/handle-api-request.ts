import type { AppDeps } from '../app/deps.ts';
import { UnauthorizedError } from '../domain/errors.ts';
import type { ApiEvent, ApiRequest, AuthorizerContext } from './api-request.ts';
import { OPEN_ROUTE_HANDLERS_BY_KEY, ROUTE_HANDLERS } from './api-routes.ts';
import { requestIdOf } from './request-context.ts';
import { errorResponse, type HttpResponse } from './respond.ts';

/** The subset of a logger this layer uses (Powertools' Logger fits). */
export interface ApiLogger {
  info(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

const AUTH_MESSAGES: Record<AuthorizerContext['authError'], string> = {
  '': 'Send your API key as `Authorization: Bearer <key>`.',
  missing: 'Send your API key as `Authorization: Bearer <key>`.',
  malformed: 'The Authorization header is not a valid bearer token.',
  unknown_or_revoked: 'The API key is unknown or has been revoked.',
};

/**
 * One API request: authenticate (from the authorizer's context; fail closed when it is absent),
 * dispatch on the route key, and turn any error into the contract's envelope. Every answer carries
 * X-Request-ID.
 */
export async function handleApiRequest(
  event: ApiEvent,
  deps: AppDeps,
  logger: ApiLogger,
): Promise<HttpResponse> {
  const requestId = requestIdOf(event.headers, event.requestContext.requestId);
  const started = Date.now();
  let response: HttpResponse;
  try {
    const base = {
      event,
      requestId,
      now: deps.clock(),
      path: definedOnly(event.pathParameters),
      query: definedOnly(event.queryStringParameters),
    };
    // Open routes first: API Gateway calls no authorizer for them (infra/wiring.ts).
    const open = OPEN_ROUTE_HANDLERS_BY_KEY.get(event.routeKey);
    if (open) {
      response = await open(base);
    } else {
      const auth = event.requestContext.authorizer?.lambda;
      if (!auth?.workspaceId) {
        throw new UnauthorizedError(AUTH_MESSAGES[auth?.authError ?? 'missing']);
      }
      const route = ROUTE_HANDLERS.get(event.routeKey);
      if (!route) throw new Error(`No handler for route ${event.routeKey}`);
      const req: ApiRequest = { ...base, workspaceId: auth.workspaceId };
      response = await route(req, deps);
    }
  } catch (error) {
    const mapped = errorResponse(error, requestId);
    if (mapped.internal) logger.error('request failed', { requestId, routeKey: event.routeKey, error });
    response = mapped.response;
  }
  // Never the body or the query: they hold phone numbers.
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
