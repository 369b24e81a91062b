import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayEventRequestContextV2, APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Builds what API Gateway (HTTP API, payload format 2.0) hands a function, from a node:http request.
 * Rules followed: headers lower-cased with repeated values comma-joined; `cookie` headers moved to
 * `cookies`; repeated query keys comma-joined; text bodies as-is (when they are UTF-8), anything else
 * base64.
 */

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_API_ID = 'local';
export const LOCAL_REGION = 'local';

/** Looks like API Gateway's own ids (e.g. `cDaxjhKsoAMEPWA=`): 11 random bytes in base64. */
export function newGatewayRequestId(): string {
  return randomBytes(11).toString('base64');
}

export interface RequestShape {
  method: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  cookies: string[];
  queryStringParameters: Record<string, string> | undefined;
}

export function readRequestShape(req: IncomingMessage): RequestShape {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : url.slice(queryAt + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString !== '') {
    queryStringParameters = {};
    for (const [key, value] of new URLSearchParams(rawQueryString)) {
      const previous = queryStringParameters[key];
      queryStringParameters[key] = previous === undefined ? value : `${previous},${value}`;
    }
  }

  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath,
    rawQueryString,
    headers,
    cookies,
    queryStringParameters,
  };
}

export function buildRequestContext(
  req: IncomingMessage,
  shape: RequestShape,
  routeKey: string,
  requestId: string,
  now: Date,
): APIGatewayEventRequestContextV2 {
  const domainName = shape.headers.host ?? 'localhost';
  return {
    accountId: LOCAL_ACCOUNT_ID,
    apiId: LOCAL_API_ID,
    domainName,
    domainPrefix: domainName.split('.')[0] ?? domainName,
    http: {
      method: shape.method,
      path: shape.rawPath,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp: normaliseIp(req.socket.remoteAddress),
      userAgent: shape.headers['user-agent'] ?? '',
    },
    requestId,
    routeKey,
    stage: '$default',
    time: formatRequestTime(now),
    timeEpoch: now.getTime(),
  };
}

export function buildProxyEvent(
  shape: RequestShape,
  requestContext: APIGatewayEventRequestContextV2,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: requestContext.routeKey,
    rawPath: shape.rawPath,
    rawQueryString: shape.rawQueryString,
    headers: shape.headers,
    requestContext,
    isBase64Encoded: false,
  };
  if (shape.cookies.length > 0) event.cookies = shape.cookies;
  if (shape.queryStringParameters) event.queryStringParameters = shape.queryStringParameters;
  if (Object.keys(pathParameters).length > 0) event.pathParameters = pathParameters;
  if (body.length > 0) {
    // Bytes that are not UTF-8 cannot be a JS string without being replaced, so they travel base64
    // even under a text media type: the handler sees exactly what the client sent (docs/limits.md).
    const text = isTextContentType(shape.headers['content-type']) && isUtf8(body);
    event.body = text ? body.toString('utf8') : body.toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

/** API Gateway passes text media types through and base64-encodes everything else (multipart too). */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded'
  );
}

function normaliseIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `12/Mar/2020:19:03:58 +0000`. */
function formatRequestTime(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(now.getUTCDate())}/${MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}:` +
    `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} +0000`
  );
}
