import {
  streamBatchEvents,
  openBatchEvents,
  type EventSink,
  type LiveDeps,
  type StreamTiming,
} from '../app/live/stream-events.ts';
import { ROUTE_PATHS } from '../contracts/route-paths.ts';
import { NotFoundError, UnauthorizedError } from '../domain/errors.ts';
import { isId } from '../domain/ids.ts';
import { parseLastEventId } from '../domain/live-events.ts';
import { AUTH_MESSAGES, type Authenticate } from './authenticate.ts';
import { requestIdOf } from './request-context.ts';
import { errorResponse } from './respond.ts';

/**
 * The live progress route, served by the events function (contract, "Live progress"): the same API
 * key check as every API function's (./authenticate.ts), the contract's error envelope
 * before the stream starts, then the stream (../app/live/stream-events.ts).
 */

export interface EventsRequest {
  method: string;
  rawPath: string;
  /** Lower-case names, as API Gateway and function URLs give them. */
  headers: Record<string, string | undefined>;
  gatewayRequestId?: string;
}

/** The function's response: status and headers first, then the body as it comes. */
export interface StreamingResponse {
  start(statusCode: number, headers: Record<string, string>): EventSink & { end(): Promise<void> };
}

export interface EventsDeps extends LiveDeps {
  authenticate: Authenticate;
  logger: {
    info(message: string, extra: Record<string, unknown>): void;
    error(message: string, extra: Record<string, unknown>): void;
  };
}

/** `/v1/agents/batch-calls/{id}/events` from the route table, as a pattern capturing the id. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const [PATH_BEFORE = '', PATH_AFTER = ''] = ROUTE_PATHS.batchEvents.path.split('{id}');
const PATH = new RegExp(`^${escape(PATH_BEFORE)}([^/]+)${escape(PATH_AFTER)}$`);

function batchIdOf(rawPath: string): string {
  const encoded = PATH.exec(rawPath)?.[1] ?? '';
  let id: string;
  try {
    id = decodeURIComponent(encoded);
  } catch {
    // Not valid percent-encoding: names no batch.
    id = '';
  }
  if (!isId('batch', id)) throw new NotFoundError(`Batch ${id} does not exist.`);
  return id;
}

export async function serveBatchEvents(
  deps: EventsDeps,
  request: EventsRequest,
  response: StreamingResponse,
  timing: StreamTiming,
): Promise<void> {
  const requestId = requestIdOf(request.headers, request.gatewayRequestId);
  const started = timing.now();
  let opened: Awaited<ReturnType<typeof openBatchEvents>>;
  let batchId: string;
  try {
    if (request.method !== 'GET')
      throw new NotFoundError(`No route for ${request.method} ${ROUTE_PATHS.batchEvents.path}`);
    const auth = await deps.authenticate(request.headers.authorization);
    if (!auth.workspaceId) throw new UnauthorizedError(AUTH_MESSAGES[auth.authError]);
    batchId = batchIdOf(request.rawPath);
    opened = await openBatchEvents(deps, auth.workspaceId, batchId, timing.now());
  } catch (error) {
    const mapped = errorResponse(error, requestId);
    if (mapped.internal) deps.logger.error('events request failed', { requestId, error });
    const body = response.start(mapped.response.statusCode, mapped.response.headers);
    await body.write(mapped.response.body);
    await body.end();
    deps.logger.info('request', { requestId, route: 'batchEvents', status: mapped.response.statusCode });
    return;
  }
  const body = response.start(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-request-id': requestId,
    // Proxies that buffer (nginx) pass each event on at once.
    'x-accel-buffering': 'no',
  });
  let how: string;
  try {
    how = await streamBatchEvents(
      deps,
      batchId,
      opened,
      parseLastEventId(request.headers['last-event-id']),
      body,
      timing,
    );
  } catch (error) {
    // The status is sent: the client sees the stream close and reconnects with Last-Event-ID.
    deps.logger.error('events stream failed', { requestId, batchId, error });
    how = 'failed';
  }
  if (!body.closed) await body.end();
  deps.logger.info('request', {
    requestId,
    route: 'batchEvents',
    status: 200,
    batchId,
    how,
    durationMs: timing.now() - started,
  });
}
