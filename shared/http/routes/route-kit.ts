import type { AppDeps } from '../../app/deps.ts';
import { pageQuerySchema, parseOrThrow } from '../../contracts/common.ts';
import {
  routeKey,
  type ApiFunction,
  type RouteId,
  type RouteIdServedBy,
  type RouteIdWithAuth,
} from '../../contracts/route-paths.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { isId } from '../../domain/ids.ts';
import type { ApiRequest } from '../api-request.ts';
import { json, type HttpResponse } from '../respond.ts';

/**
 * What the route handlers of every API function share: their types, the route ids each function
 * serves (from the route table's `function` field), and the small helpers that shape answers.
 * Each function's handlers live in their own module (./create-routes.ts, ./batch-routes.ts,
 * ./settings-routes.ts), so a function bundles only its own routes' code and libraries.
 */

export type RouteHandler = (req: ApiRequest, deps: AppDeps) => Promise<HttpResponse>;

/** An open route's handler: no workspace, and no dependency on the stores. */
export type OpenRouteHandler = (req: Omit<ApiRequest, 'workspaceId'>) => Promise<HttpResponse>;

/** The API-key routes function `F` serves. */
export type ApiRoutesOf<F extends ApiFunction> = Extract<RouteIdServedBy<F>, RouteIdWithAuth<'apiKey'>>;

/** The open routes function `F` serves. */
export type OpenRoutesOf<F extends ApiFunction> = Extract<RouteIdServedBy<F>, RouteIdWithAuth<'none'>>;

/** A function's handlers by API Gateway's route key (`event.routeKey`), the way requests arrive. */
export interface ApiRouter {
  routes: ReadonlyMap<string, RouteHandler>;
  open: ReadonlyMap<string, OpenRouteHandler>;
}

export function apiRouter<F extends ApiFunction>(
  routes: Record<ApiRoutesOf<F>, RouteHandler>,
  open: Record<OpenRoutesOf<F>, OpenRouteHandler>,
): ApiRouter {
  const byKey = <H>(handlers: Record<string, H>) =>
    new Map(Object.entries(handlers).map(([id, handler]) => [routeKey(id as RouteId), handler] as const));
  return { routes: byKey<RouteHandler>(routes), open: byKey<OpenRouteHandler>(open) };
}

/** `{<key>: [...], next_cursor, has_more}`: the shape of every list answer. */
export function listPage<T, U>(key: string, items: T[], nextCursor: string | null, present: (item: T) => U) {
  return { [key]: items.map(present), next_cursor: nextCursor, has_more: nextCursor !== null };
}

export const ok = (req: ApiRequest, body: unknown, status = 200, headers: Record<string, string> = {}) =>
  json(status, body, req.requestId, headers);

export const noContent = (req: ApiRequest): HttpResponse => ({
  statusCode: 204,
  headers: { 'x-request-id': req.requestId },
  body: '',
});

/** A path id of the wrong shape cannot exist: answer 404 without a lookup. */
export function pathId(req: ApiRequest, kind: 'batch' | 'agent' | 'phoneNumber' | 'suppression'): string {
  const id = req.path.id ?? '';
  if (!isId(kind, id)) {
    const code =
      kind === 'agent' ? 'agent_not_found' : kind === 'phoneNumber' ? 'phone_number_not_found' : 'not_found';
    const what = { phoneNumber: 'Phone number', agent: 'Agent', batch: 'Batch', suppression: 'Suppression' }[
      kind
    ];
    throw new NotFoundError(`${what} ${id} does not exist.`, code);
  }
  return id;
}

export function page(req: ApiRequest) {
  const q = parseOrThrow(pageQuerySchema, req.query);
  return { limit: q.limit, cursor: q.cursor ?? null };
}
