import type { ApiFunction, RouteIdServedBy, RouteIdWithAuth } from '../contracts/route-paths.ts';
import { BATCH_ROUTE_HANDLERS, BATCH_ROUTER } from './routes/batch-routes.ts';
import { CREATE_ROUTE_HANDLERS, CREATE_ROUTER } from './routes/create-routes.ts';
import type { ApiRouter, OpenRouteHandler, RouteHandler } from './routes/route-kit.ts';
import {
  SETTINGS_OPEN_ROUTE_HANDLERS,
  SETTINGS_ROUTE_HANDLERS,
  SETTINGS_ROUTER,
} from './routes/settings-routes.ts';
import { SUPPRESSION_ROUTE_HANDLERS, SUPPRESSION_ROUTER } from './routes/suppression-routes.ts';

/**
 * Every route handler of the public API in one view, for the checks that the route table, the
 * wiring and the routers agree (test/unit/route-table.test.ts). A function never imports this module:
 * each imports its own group's router (./routes/*-routes.ts), so its bundle holds only its routes.
 * Each handler parses its input, calls one use case and shapes the answer; no business rules live here.
 */

export type { OpenRouteHandler, RouteHandler } from './routes/route-kit.ts';

/** The routes the api functions serve with an API key (streams and callbacks have their own functions). */
export type ApiRouteId = Extract<RouteIdServedBy<ApiFunction>, RouteIdWithAuth<'apiKey'>>;

/** The routes the api functions serve without an API key (`auth: 'none'` in the route table). */
export type OpenRouteId = Extract<RouteIdServedBy<ApiFunction>, RouteIdWithAuth<'none'>>;

/**
 * One handler per API route id. `satisfies` makes a route of the table without a handler, or a
 * handler for no route of it, a type error (it used to show only at run time, as a 500).
 */
export const API_ROUTE_HANDLERS = {
  ...CREATE_ROUTE_HANDLERS,
  ...BATCH_ROUTE_HANDLERS,
  ...SETTINGS_ROUTE_HANDLERS,
  ...SUPPRESSION_ROUTE_HANDLERS,
} satisfies Record<ApiRouteId, RouteHandler>;

/** One handler per open route id, likewise. */
export const OPEN_ROUTE_HANDLERS = {
  ...SETTINGS_OPEN_ROUTE_HANDLERS,
} satisfies Record<OpenRouteId, OpenRouteHandler>;

/** Each api function's router (its handlers by API Gateway's route key). */
export const API_ROUTERS: Record<ApiFunction, ApiRouter> = {
  apiCreate: CREATE_ROUTER,
  apiBatches: BATCH_ROUTER,
  apiSettings: SETTINGS_ROUTER,
  apiSuppressions: SUPPRESSION_ROUTER,
};
