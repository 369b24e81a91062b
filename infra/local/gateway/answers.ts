import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-helpers.ts';
import { newGatewayRequestId } from './http-event.ts';
import type { HttpAnswer } from './lambda-result.ts';

/**
 * How the local gateway answers: the function's result as API Gateway relays it, API Gateway's own
 * answers (`{"message": "Forbidden"}` and friends, the 30 s timeout), and the request ids both carry.
 */

const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

export interface RequestIds {
  /** API Gateway's own id for this request (requestContext.requestId). */
  requestId: string;
  /** What answers carry in X-Request-ID: the client's own value when it sent a sane one. */
  echoed: string;
}

export function requestIds(req: IncomingMessage): RequestIds {
  const requestId = newGatewayRequestId();
  const client = req.headers['x-request-id'];
  const echoed = typeof client === 'string' && CLIENT_REQUEST_ID.test(client) ? client : requestId;
  return { requestId, echoed };
}

/**
 * API Gateway's answer to a request past its timeout. A client still uploading is cut off once the
 * answer is out (like discardBody); the handler's work, if it started, runs on and its result is dropped.
 */
export function timeOut(req: IncomingMessage, res: ServerResponse, ids: RequestIds): void {
  if (res.headersSent) return;
  res.setHeader('connection', 'close');
  sendMessage(res, ids, 503, 'Service Unavailable');
  res.once('finish', () => {
    if (!req.readableEnded) req.socket.destroy();
  });
}

/**
 * Drains what is left of an unwanted body (nothing is kept), then closes the connection if the
 * request has not ended a moment after our answer went out: node:http stops reading a request whose
 * answer is finished, so a client still uploading would otherwise hang on a stalled socket.
 */
export function discardBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded) return;
  req.resume();
  res.once('finish', () => {
    if (req.readableEnded) return;
    setTimeout(() => {
      if (!req.readableEnded) req.socket.destroy();
    }, 1_000).unref();
  });
}

export function writeAnswer(res: ServerResponse, ids: RequestIds, answer: HttpAnswer): void {
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
export function sendMessage(res: ServerResponse, ids: RequestIds, status: number, message: string): void {
  sendGatewayJson(res, ids, status, { message });
}

/** Answers the gateway gives on the service's behalf use the contract's error envelope. */
export function sendError(
  res: ServerResponse,
  ids: RequestIds,
  status: number,
  code: string,
  message: string,
): void {
  sendGatewayJson(res, ids, status, { error: { code, message }, request_id: ids.echoed });
}

function sendGatewayJson(res: ServerResponse, ids: RequestIds, status: number, payload: unknown): void {
  // Nothing once headers went out: timed out meanwhile, the timeout answer went out instead.
  sendJson(res, status, payload, { 'x-request-id': ids.echoed, 'apigw-requestid': ids.requestId });
}

/** Paths go into messages and logs; keep them short and free of control characters. */
export function safePath(path: string): string {
  const cleaned = path.replace(/[^\x20-\x7e]/g, '?');
  return cleaned.length > 200 ? `${cleaned.slice(0, 200)}…` : cleaned;
}
