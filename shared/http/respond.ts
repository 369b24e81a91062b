import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, InvalidRequestError, RateLimitedError, ValidationError } from '../domain/errors.ts';

/**
 * The one place where errors become HTTP answers. Domain errors carry their status and code; anything
 * else is a 500 with an opaque message (no stack, no SDK text), logged by the caller with the request id.
 */

export type HttpResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

export function json(
  statusCode: number,
  body: unknown,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': requestId,
      'cache-control': 'no-store',
      ...extraHeaders,
    },
    body: JSON.stringify(body),
  };
}

export interface ErrorEnvelope {
  error: { code: string; message: string; fields?: { path: string; message: string }[] };
  request_id: string;
}

export function errorResponse(
  error: unknown,
  requestId: string,
): { response: HttpResponse; internal: boolean } {
  if (error instanceof DomainError) {
    const envelope: ErrorEnvelope = {
      error: { code: error.code, message: error.message },
      request_id: requestId,
    };
    if (error instanceof ValidationError || error instanceof InvalidRequestError) {
      if (error.fields.length > 0) envelope.error.fields = error.fields;
    }
    const headers: Record<string, string> =
      error instanceof RateLimitedError ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    return { response: json(error.status, envelope, requestId, headers), internal: false };
  }
  const envelope: ErrorEnvelope = {
    error: {
      code: 'internal_error',
      message: 'Something went wrong on our side. Retry later, quoting the request id.',
    },
    request_id: requestId,
  };
  return { response: json(500, envelope, requestId), internal: true };
}
