import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import {
  FUNCTIONS,
  HTTP_API_MAX_BODY_BYTES,
  ROUTES,
  routeKey,
  type FunctionName,
  type FunctionSpec,
  type RouteSpec,
} from '../../wiring.ts';
import {
  buildProxyEvent,
  buildRequestContext,
  LOCAL_ACCOUNT_ID,
  LOCAL_API_ID,
  LOCAL_REGION,
  newGatewayRequestId,
  readRequestShape,
  type RequestShape,
} from './http-event.ts';
import { FunctionTimeoutError, invokeWithTimeout } from '../functions/lambda-invoke.ts';
import { MalformedResultError, toHttpAnswer, type HttpAnswer } from './lambda-result.ts';
import { compileRoutes, MalformedPathError, matchRoute } from './route-match.ts';
import { serveStaticFile } from './static-files.ts';
import type { FunctionPool } from '../functions/function-pool.ts';

/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0), driven by infra/wiring.ts so it
 * routes exactly what AWS routes. It plays API Gateway's part and nothing more: route selection, the
 * Lambda authorizer call, the 10 MB body limit, the function timeout, the 30 s request timeout, payload
 * conversion and the answers API Gateway itself gives (403 Forbidden, 500 Internal Server Error, 503
 * Service Unavailable).
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

export type HttpFunctionEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<unknown>;

// Method syntax keeps parameters bivariant, so a handler typed for a narrower authorizer context
// (the real api function's) is accepted here.
interface HandlerShapes {
  http(event: HttpFunctionEvent, context: Context): Promise<unknown>;
  authorizer(event: APIGatewayRequestAuthorizerEventV2, context: Context): Promise<unknown>;
}
export type HttpFunctionHandler = HandlerShapes['http'];
export type AuthorizerFunctionHandler = HandlerShapes['authorizer'];

export type FunctionHandlers = {
  [K in FunctionName]: K extends 'authorizer' ? AuthorizerFunctionHandler : HttpFunctionHandler;
};

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

const AUTHORIZER: FunctionName = 'authorizer';
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * The handlers the routes need: the route functions, plus the authorizer when a route uses it.
 * Functions with other triggers (queues, streams) are not the gateway's business.
 */
export async function loadHandlers(
  routes: readonly RouteSpec[],
  given: Partial<FunctionHandlers> = {},
  functions?: FunctionPool,
): Promise<Partial<FunctionHandlers>> {
  const names = new Set<FunctionName>(routes.map((route) => route.function));
  if (routes.some((route) => route.auth === 'apiKey')) names.add(AUTHORIZER);
  const entries = [...names].map((name) => {
    const handler = given[name] ?? functions?.handler(name);
    if (!handler) throw new Error(`No handler for function ${name}: give one, or the local functions`);
    return [name, handler as HttpFunctionHandler] as const;
  });
  // Their workers start now, so a missing or broken module fails the start, not the first request.
  await functions?.warm([...names].filter((name) => !given[name]));
  return Object.fromEntries(entries) as Partial<FunctionHandlers>;
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
    ready
      .then(() => handleRequest(settings as Settings, req, res, ids))
      .catch((error: unknown) => {
        (settings?.logError ?? options.logError ?? console.error)(
          `[gateway] ${ids.requestId} unexpected failure: ${describe(error)}`,
        );
        if (!res.headersSent) sendMessage(res, ids, 500, 'Internal Server Error');
        else res.destroy();
      });
  });
  // node:http's own requestTimeout would answer 408 on its own schedule (checked every 30 s); the
  // per-request timer above answers as API Gateway does, on time.
  server.requestTimeout = 0;

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const close = () =>
    new Promise<void>((resolveClose) => {
      server.close(() => resolveClose());
      server.closeAllConnections();
    });

  try {
    await options.beforeHandlers?.({ url, port: address.port });
    const routes = options.routes ?? ROUTES;
    const handlers = await loadHandlers(routes, options.handlers, options.functions);
    const specs = Object.fromEntries(
      (Object.keys(FUNCTIONS) as FunctionName[]).map((name) => [
        name,
        { ...FUNCTIONS[name], ...options.functionSpecs?.[name] },
      ]),
    ) as Record<FunctionName, FunctionSpec>;
    settings = {
      handlers,
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
  specs: Record<FunctionName, FunctionSpec>;
  routes: ReturnType<typeof compileRoutes>;
  staticDir: string;
  dashboardConnectSources: readonly string[];
  maxBodyBytes: number;
  logError: (message: string) => void;
}

interface RequestIds {
  /** API Gateway's own id for this request (requestContext.requestId). */
  requestId: string;
  /** What answers carry in X-Request-ID: the client's own value when it sent a sane one. */
  echoed: string;
}

function requestIds(req: IncomingMessage): RequestIds {
  const requestId = newGatewayRequestId();
  const client = req.headers['x-request-id'];
  const echoed = typeof client === 'string' && CLIENT_REQUEST_ID.test(client) ? client : requestId;
  return { requestId, echoed };
}

async function handleRequest(
  settings: Settings,
  req: IncomingMessage,
  res: ServerResponse,
  ids: RequestIds,
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

  let authorizerContext: unknown;
  if (match.route.auth === 'apiKey') {
    const outcome = await authorize(settings, shape, requestContext, match.pathParameters);
    if (outcome.kind === 'denied') {
      sendMessage(res, ids, 403, 'Forbidden');
      return;
    }
    if (outcome.kind === 'failed') {
      settings.logError(`[gateway] ${ids.requestId} authorizer failed: ${describe(outcome.error)}`);
      sendMessage(res, ids, 500, 'Internal Server Error');
      return;
    }
    authorizerContext = outcome.context;
  }

  const event = buildProxyEvent(shape, requestContext, match.pathParameters, body) as HttpFunctionEvent;
  if (match.route.auth === 'apiKey') {
    event.requestContext.authorizer = { lambda: authorizerContext ?? {} };
  }

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
    settings.logError(`[gateway] ${ids.requestId} ${name} ${what}: ${describe(error)}`);
    sendMessage(res, ids, 500, 'Internal Server Error');
    return;
  }
  writeAnswer(res, ids, answer);
}

type AuthorizerOutcome =
  { kind: 'allowed'; context: unknown } | { kind: 'denied' } | { kind: 'failed'; error: unknown };

async function authorize(
  settings: Settings,
  shape: RequestShape,
  requestContext: APIGatewayEventRequestContextV2,
  pathParameters: Record<string, string>,
): Promise<AuthorizerOutcome> {
  const event: APIGatewayRequestAuthorizerEventV2 = {
    version: '2.0',
    type: 'REQUEST',
    routeArn:
      `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/$default/` +
      `${shape.method}${shape.rawPath}`,
    // Configured without identity sources (see infra/wiring.ts), so it runs for every request.
    identitySource: [],
    routeKey: requestContext.routeKey,
    rawPath: shape.rawPath,
    rawQueryString: shape.rawQueryString,
    cookies: shape.cookies,
    headers: shape.headers,
    requestContext,
  };
  if (shape.queryStringParameters) event.queryStringParameters = shape.queryStringParameters;
  if (Object.keys(pathParameters).length > 0) event.pathParameters = pathParameters;

  let result: unknown;
  try {
    const authorizer = settings.handlers[AUTHORIZER] as AuthorizerFunctionHandler | undefined;
    if (!authorizer) throw new Error('No authorizer handler loaded');
    result = await invokeWithTimeout(AUTHORIZER, settings.specs[AUTHORIZER], (context) =>
      authorizer(event, context),
    );
  } catch (error) {
    // API Gateway answers an authorizer error or timeout with 500, never with the function's own text.
    return { kind: 'failed', error };
  }
  if (typeof result !== 'object' || result === null || !('isAuthorized' in result)) {
    return { kind: 'failed', error: new Error('The authorizer result has no isAuthorized') };
  }
  const { isAuthorized, context } = result as { isAuthorized: unknown; context?: unknown };
  if (typeof isAuthorized !== 'boolean') {
    return { kind: 'failed', error: new Error('The authorizer result has a non-boolean isAuthorized') };
  }
  if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) {
    return { kind: 'failed', error: new Error('The authorizer context is not an object') };
  }
  if (!isAuthorized) return { kind: 'denied' };
  // A copy, as across the wire: the function cannot share objects with the authorizer.
  return { kind: 'allowed', context: context === undefined ? {} : structuredClone(context) };
}

/**
 * API Gateway's answer to a request past its timeout. A client still uploading is cut off once the
 * answer is out (like discardBody); the handler's work, if it started, runs on and its result is dropped.
 */
function timeOut(req: IncomingMessage, res: ServerResponse, ids: RequestIds): void {
  if (res.headersSent) return;
  res.setHeader('connection', 'close');
  sendMessage(res, ids, 503, 'Service Unavailable');
  res.once('finish', () => {
    if (!req.readableEnded) req.socket.destroy();
  });
}

/**
 * Reads the whole body, or stops at the limit without buffering more (API Gateway's 10 MB);
 * 'aborted' when the connection closes first (the client left, or the request timed out).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too_large');
  return new Promise((resolveBody, reject) => {
    req.once('close', () => {
      if (!req.readableEnded) resolveBody('aborted');
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        resolveBody('too_large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolveBody(Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', (error) => {
      if (req.destroyed) resolveBody('aborted');
      else reject(error);
    });
  });
}

/**
 * Drains what is left of an unwanted body (nothing is kept), then closes the connection if the
 * request has not ended a moment after our answer went out: node:http stops reading a request whose
 * answer is finished, so a client still uploading would otherwise hang on a stalled socket.
 */
function discardBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded) return;
  req.resume();
  res.once('finish', () => {
    if (req.readableEnded) return;
    setTimeout(() => {
      if (!req.readableEnded) req.socket.destroy();
    }, 1_000).unref();
  });
}

function writeAnswer(res: ServerResponse, ids: RequestIds, answer: HttpAnswer): void {
  if (res.headersSent) return; // Timed out meanwhile: API Gateway dropped the result too.
  res.statusCode = answer.statusCode;
  const grouped = new Map<string, string[]>();
  for (const [name, value] of answer.headers) {
    const lower = name.toLowerCase();
    grouped.set(lower, [...(grouped.get(lower) ?? []), value]);
  }
  for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? (values[0] ?? '') : values);
  res.setHeader('apigw-requestid', ids.requestId);
  res.setHeader('content-length', String(answer.body.length));
  res.end(answer.body);
}

/** API Gateway's own answers: `{"message": "Forbidden"}` and friends. */
function sendMessage(res: ServerResponse, ids: RequestIds, status: number, message: string): void {
  sendJson(res, ids, status, { message });
}

/** Answers the gateway gives on the service's behalf use the contract's error envelope. */
function sendError(
  res: ServerResponse,
  ids: RequestIds,
  status: number,
  code: string,
  message: string,
): void {
  sendJson(res, ids, status, { error: { code, message }, request_id: ids.echoed });
}

function sendJson(
  res: ServerResponse,
  ids: RequestIds,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return; // Timed out meanwhile: the timeout answer went out instead.
  const body = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-request-id': ids.echoed,
    'apigw-requestid': ids.requestId,
  });
  res.end(body);
}

/** Paths go into messages and logs; keep them short and free of control characters. */
function safePath(path: string): string {
  const cleaned = path.replace(/[^\x20-\x7e]/g, '?');
  return cleaned.length > 200 ? `${cleaned.slice(0, 200)}…` : cleaned;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
