import { InvalidRequestError, UnsupportedMediaTypeError } from '../domain/errors.ts';

/** What the HTTP layer needs from an API Gateway v2 event's body. */
export interface RawBody {
  body?: string;
  isBase64Encoded: boolean;
  headers: Record<string, string | undefined>;
}

export type BodyKind = 'json' | 'multipart';

/**
 * The body's bytes. API Gateway (HTTP API, payload 2.0) hands over text media types as a string and
 * anything else base64-encoded; either way the handler decodes them strictly (readJson, the CSV reader,
 * the multipart check), so bytes that are not UTF-8 are refused, never replaced.
 */
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
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (cause) {
    const detail = cause instanceof SyntaxError ? `: ${cause.message}` : '';
    throw new InvalidRequestError(`The request body is not valid JSON${detail}`, [], { cause });
  }
  // `"\ud800"` is valid JSON syntax for a string with no UTF-8 form: it could only be stored altered.
  if (holdsLoneSurrogate(value)) {
    throw new InvalidRequestError(
      'The request body is not valid Unicode: a \\u escape encodes a lone surrogate.',
    );
  }
  return value;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** True when a string anywhere in a parsed JSON value (keys included) holds a lone UTF-16 surrogate. */
export function holdsLoneSurrogate(value: unknown): boolean {
  // Iterative: a deeply nested body must not overflow the stack.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next === 'string') {
      if (LONE_SURROGATE.test(next)) return true;
    } else if (Array.isArray(next)) {
      // One by one: spreading a multi-million-element array into push() overflows the call stack.
      for (const element of next) stack.push(element);
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, inner] of Object.entries(next)) {
        if (LONE_SURROGATE.test(key)) return true;
        stack.push(inner);
      }
    }
  }
  return false;
}
