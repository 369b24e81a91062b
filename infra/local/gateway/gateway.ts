import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import {
  FUNCTIONS,
  HTTP_API_MAX_BODY_BYTES,
  ROUTES,
  routeKey,
  type FunctionName,
  type FunctionSpec,
  type RouteSpec,
} from '../../wiring.ts';
import { FunctionTimeoutError, invokeWithTimeout } from '../functions/lambda-invoke.ts';
import type { FunctionPool, StreamFunctionHandler } from '../functions/function-pool.ts';
import { closeServer, describeError, listen, readBody } from '../http-helpers.ts';
import {
  discardBody,
  requestIds,
  safePath,
  sendError,
  sendMessage,
  timeOut,
  writeAnswer,
  type RequestIds,
} from './answers.ts';
import { serveStreamed } from './function-url.ts';
import { buildProxyEvent, buildRequestContext, readRequestShape } from './http-event.ts';
import { MalformedResultError, toHttpAnswer, type HttpAnswer } from './lambda-result.ts';
import { compileRoutes, MalformedPathError, matchRoute } from './route-match.ts';
import { serveStaticFile } from './static-files.ts';

/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0), driven by infra/wiring.ts so it
 * routes exactly what AWS routes. It plays API Gateway's part and nothing more: route selection (to
 * the function each route names; no authorizer, as in the stack), the 10 MB body limit, the function timeout, the 30 s request timeout, payload
 * conversion and the answers API Gateway itself gives (500 Internal Server Error, 503 Service
 * Unavailable).
 */

/**
 * API Gateway HTTP API's maximum integration timeout, a fixed quota ("Quotas for configuring and
 * running an HTTP API"). An HTTP API answers a request that runs past it with
 * `503 {"message":"Service Unavailable"}`. Locally the clock starts when the request's headers have
 * arrived, so a client that trickles its body in (or never finishes it) is cut off too, instead of
 * holding a connection and a handler forever.
 */
export const HTTP_API_TIMEOUT_MS = 30_000;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export type HttpFunctionEvent = APIGatewayProxyEventV2;

export type HttpFunctionHandler = (event: HttpFunctionEvent, context: Context) => Promise<unknown>;

export type FunctionHandlers = Record<FunctionName, HttpFunctionHandler>;

export interface GatewayOptions {
  /** 0 picks a free port; the gateway binds it itself, so no other process can take it meanwhile. */
  port: number;
  host?: string;
  /**
   * Called once the port is bound and before the handlers are imported: they read process.env at
   * load, so this is where an environment naming the gateway's own URL (PUBLIC_BASE_URL) is applied.
   */
  beforeHandlers?: (address: { url: string; port: number }) => void | Promise<void>;
  /** Handlers given here are used as they are (tests); the others run in `functions`' workers. */
  handlers?: Partial<FunctionHandlers>;
  /** The functions, each in its own worker with its own environment (function-pool.ts). */
  functions?: FunctionPool;
  /** Overrides of the wiring's function settings (tests shorten timeouts). */
  functionSpecs?: Partial<Record<FunctionName, Partial<FunctionSpec>>>;
  routes?: readonly RouteSpec[];
  /** Directory served for non-/v1 GET paths; defaults to web/ at the repository root. */
  staticDir?: string;
  /**
   * Origins the dashboard may call besides this one (its Content-Security-Policy's connect-src): the
   * S3 emulator, where the dashboard's pre-signed CSV uploads go.
   */
  dashboardConnectSources?: readonly string[];
  maxBodyBytes?: number;
  /** How long a request may take, its body upload included (HTTP_API_TIMEOUT_MS unless given). */
  requestTimeoutMs?: number;
  /** Where function failures are reported (a CloudWatch stand-in); defaults to console.error. */
  logError?: (message: string) => void;
  /** Called once per answered request, for an access log. */
  onRequest?: (entry: AccessLogEntry) => void;
}

export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
}

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The handlers the routes need: the functions the routes name. Functions with other triggers (queues,
 * streams) are not the gateway's business.
 */
export async function loadHandlers(
  routes: readonly RouteSpec[],
  given: Partial<FunctionHandlers> = {},
  functions?: FunctionPool,
): Promise<Partial<FunctionHandlers>> {
  const names = new Set<FunctionName>(
    routes.filter((route) => route.via === 'httpApi').map((route) => route.function),
  );
  const entries = [...names].map((name) => {
    const handler = given[name] ?? functions?.handler(name);
    if (!handler) throw new Error(`No handler for function ${name}: give one, or the local functions`);
    return [name, handler as HttpFunctionHandler] as const;
  });
  // Their workers start now, so a missing or broken module fails the start, not the first request.
  await functions?.warm([...names].filter((name) => !given[name]));
  return Object.fromEntries(entries) as Partial<FunctionHandlers>;
}

/**
 * The response-streaming functions of the routes a function URL serves in AWS (their workers). A
 * gateway started with test handlers alone (no local functions) has none: those routes answer 500.
 */
async function loadStreamHandlers(
  routes: readonly RouteSpec[],
  functions?: FunctionPool,
): Promise<Partial<Record<FunctionName, StreamFunctionHandler>>> {
  if (!functions) return {};
  const names = [...new Set(routes.filter((r) => r.via === 'functionUrl').map((r) => r.function))];
  await functions.warm(names);
  return Object.fromEntries(names.map((name) => [name, functions.streamHandler(name)]));
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  // Bound first, then loaded: a request that comes in between waits for the handlers.
  let settings: Settings | undefined;
  let loaded: () => void = () => undefined;
  let failed: (error: unknown) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    loaded = resolve;
    failed = reject;
  });
  ready.catch(() => undefined);
  const server = createServer((req, res) => {
    const started = Date.now();
    const ids = requestIds(req);
    res.on('finish', () => {
      options.onRequest?.({
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        status: res.statusCode,
        durationMs: Date.now() - started,
        requestId: ids.requestId,
      });
    });
    const timer = setTimeout(() => timeOut(req, res, ids), options.requestTimeoutMs ?? HTTP_API_TIMEOUT_MS);
    res.once('close', () => clearTimeout(timer));
    // A function URL is not bound by API Gateway's 30 s: the function's own timeout ends it.
    const keepOpen = () => clearTimeout(timer);
    ready
      .then(() => handleRequest(settings as Settings, req, res, ids, keepOpen))
      .catch((error: unknown) => {
        (settings?.logError ?? options.logError ?? console.error)(
          `[gateway] ${ids.requestId} unexpected failure: ${describeError(error, { withStack: true })}`,
        );
        if (!res.headersSent) sendMessage(res, ids, 500, 'Internal Server Error');
        else res.destroy();
      });
  });
  // node:http's own requestTimeout would answer 408 on its own schedule (checked every 30 s); the
  // per-request timer above answers as API Gateway does, on time.
  server.requestTimeout = 0;

  const address = await listen(server, options.port, options.host ?? '127.0.0.1');
  const url = address.url;
  const close = () => closeServer(server);

  try {
    await options.beforeHandlers?.({ url, port: address.port });
    const routes = options.routes ?? ROUTES;
    const handlers = await loadHandlers(routes, options.handlers, options.functions);
    const streamHandlers = await loadStreamHandlers(routes, options.functions);
    const specs = Object.fromEntries(
      (Object.keys(FUNCTIONS) as FunctionName[]).map((name) => [
        name,
        { ...FUNCTIONS[name], ...options.functionSpecs?.[name] },
      ]),
    ) as Record<FunctionName, FunctionSpec>;
    settings = {
      handlers,
      streamHandlers,
      specs,
      routes: compileRoutes(routes),
      staticDir: options.staticDir ?? join(REPO_ROOT, 'web'),
      dashboardConnectSources: options.dashboardConnectSources ?? [],
      maxBodyBytes: options.maxBodyBytes ?? HTTP_API_MAX_BODY_BYTES,
      logError: options.logError ?? ((message) => console.error(message)),
    };
    loaded();
  } catch (error) {
    failed(error);
    await close();
    throw error;
  }
  return { url, port: address.port, close };
}

interface Settings {
  handlers: Partial<FunctionHandlers>;
  streamHandlers: Partial<Record<FunctionName, StreamFunctionHandler>>;
  specs: Record<FunctionName, FunctionSpec>;
  routes: ReturnType<typeof compileRoutes>;
  staticDir: string;
  dashboardConnectSources: readonly string[];
  maxBodyBytes: number;
  logError: (message: string) => void;
}

async function handleRequest(
  settings: Settings,
  req: IncomingMessage,
  res: ServerResponse,
  ids: RequestIds,
  keepOpen: () => void,
): Promise<void> {
  const shape = readRequestShape(req);
  const isApiPath = shape.rawPath === '/v1' || shape.rawPath.startsWith('/v1/');

  if (!isApiPath) {
    if (shape.method === 'GET' || shape.method === 'HEAD') {
      const served = await serveStaticFile(
        settings.staticDir,
        shape.rawPath,
        shape.method,
        res,
        { 'x-request-id': ids.echoed },
        settings.dashboardConnectSources,
      );
      if (served) return;
    }
    discardBody(req, res);
    sendError(res, ids, 404, 'not_found', `No resource at ${shape.method} ${safePath(shape.rawPath)}`);
    return;
  }

  let match: ReturnType<typeof matchRoute>;
  try {
    match = matchRoute(settings.routes, shape.method, shape.rawPath);
  } catch (error) {
    if (!(error instanceof MalformedPathError)) throw error;
    discardBody(req, res);
    sendError(res, ids, 400, 'invalid_request', 'The request path is not valid percent-encoding');
    return;
  }
  if (!match) {
    discardBody(req, res);
    sendError(res, ids, 404, 'not_found', `No route for ${shape.method} ${safePath(shape.rawPath)}`);
    return;
  }

  const body = await readBody(req, settings.maxBodyBytes);
  if (body === 'aborted') return; // Timed out (already answered) or the client went away.
  if (body === 'too_large') {
    discardBody(req, res);
    sendError(res, ids, 413, 'payload_too_large', `The request body exceeds ${settings.maxBodyBytes} bytes`);
    return;
  }

  const key = routeKey(match.route);
  const requestContext = buildRequestContext(req, shape, key, ids.requestId, new Date());

  if (match.route.via === 'functionUrl') {
    const name = match.route.function;
    const handler = settings.streamHandlers[name];
    if (!handler) throw new Error(`No streaming handler loaded for function ${name}`);
    keepOpen();
    const event = buildProxyEvent(shape, requestContext, match.pathParameters, body);
    await serveStreamed(name, settings.specs[name], handler, event, res, ids, settings.logError);
    return;
  }

  const event = buildProxyEvent(shape, requestContext, match.pathParameters, body);

  const name = match.route.function;
  let answer: HttpAnswer;
  try {
    const handler = settings.handlers[name] as HttpFunctionHandler | undefined;
    if (!handler) throw new Error(`No handler loaded for function ${name}`);
    const result = await invokeWithTimeout(name, settings.specs[name], (context) => handler(event, context));
    answer = toHttpAnswer(result);
  } catch (error) {
    if (error instanceof FunctionTimeoutError) {
      settings.logError(`[gateway] ${ids.requestId} ${error.message}`);
      sendMessage(res, ids, 503, 'Service Unavailable');
      return;
    }
    const what = error instanceof MalformedResultError ? 'returned a malformed result' : 'failed';
    settings.logError(
      `[gateway] ${ids.requestId} ${name} ${what}: ${describeError(error, { withStack: true })}`,
    );
    sendMessage(res, ids, 500, 'Internal Server Error');
    return;
  }
  writeAnswer(res, ids, answer);
}
