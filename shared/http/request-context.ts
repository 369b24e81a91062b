import { randomUUID } from 'node:crypto';

/**
 * The request id a response carries in `X-Request-ID`: the client's own value when it sent a sane
 * one (so it can correlate its logs with ours), else API Gateway's request id.
 */
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

export function requestIdOf(headers: Record<string, string | undefined>, gatewayRequestId?: string): string {
  const fromClient = headers['x-request-id'];
  if (fromClient && CLIENT_REQUEST_ID.test(fromClient)) return fromClient;
  return gatewayRequestId ?? randomUUID();
}
