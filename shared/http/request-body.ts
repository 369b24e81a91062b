import { InvalidRequestError, UnsupportedMediaTypeError } from '../domain/errors.ts';

/** What the HTTP layer needs from an API Gateway v2 event's body. */
export interface RawBody {
  body?: string;
  isBase64Encoded: boolean;
  headers: Record<string, string | undefined>;
}

export type BodyKind = 'json' | 'multipart';

export function bodyBytes(event: RawBody): Buffer {
  if (event.body === undefined) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

export function contentTypeOf(event: RawBody): string {
  return event.headers['content-type'] ?? '';
}

/** Which parser a body needs; anything else is a 415 that names what we accept. */
export function bodyKind(event: RawBody, accepted: readonly BodyKind[]): BodyKind {
  const type = (contentTypeOf(event).split(';')[0] ?? '').trim().toLowerCase();
  if (accepted.includes('json') && (type === 'application/json' || type.endsWith('+json'))) return 'json';
  if (accepted.includes('multipart') && type === 'multipart/form-data') return 'multipart';
  const names = accepted.map((k) => (k === 'json' ? 'application/json' : 'multipart/form-data')).join(' or ');
  throw new UnsupportedMediaTypeError(
    type
      ? `Content-Type ${type} is not supported; send ${names}.`
      : `Content-Type is missing; send ${names}.`,
  );
}

/** Parses a JSON body; a body that is not JSON is a 400 invalid_request, never a 500. */
export function readJson(event: RawBody): unknown {
  const bytes = bodyBytes(event);
  if (bytes.length === 0) throw new InvalidRequestError('The request body is empty; send a JSON object.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new InvalidRequestError('The request body is not valid UTF-8.', [], { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const detail = cause instanceof SyntaxError ? `: ${cause.message}` : '';
    throw new InvalidRequestError(`The request body is not valid JSON${detail}`, [], { cause });
  }
}
