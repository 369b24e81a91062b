import { parseRetryAfter } from '../../domain/webhook-retry.ts';
import type { CallRef, PlaceCallResult } from '../../ports/dialer.ts';

/**
 * HTTP plumbing for the voice-agent platforms' REST APIs (ElevenLabs, and Vapi which reuses it): one
 * request with a deadline, and the classification every `placeCall` needs. The line that matters is
 * whether the request may have reached the provider: before that (connection refused, DNS), nothing
 * can have been placed and the caller may retry; after it (a timeout, a reset, a 5xx), the call may
 * exist and must never be placed again blindly.
 */

/** Thrown when the provider could not be reached before anything was sent: no call was placed. */
export class ProviderUnreachableError extends Error {
  readonly code: string;
  constructor(provider: string, code: string, cause: unknown) {
    super(`${provider} is unreachable (${code}); nothing was sent`, { cause });
    this.name = 'ProviderUnreachableError';
    this.code = code;
  }
}

/** Error codes undici reports only when the connection was never established. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(error: unknown): string | null {
  // fetch wraps the socket error: TypeError('fetch failed', { cause: { code } }).
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (e instanceof AggregateError && e.errors.length > 0) return errorCode(e.errors[0]);
    e = e.cause;
  }
  return null;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

export interface JsonRequest {
  /** Named in errors, e.g. "ElevenLabs". */
  provider: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  fetchImpl: typeof fetch;
}

/** The provider answered (any status), or the request may have reached it but its fate is unknown. */
export type JsonAnswer =
  | { kind: 'answer'; status: number; body: unknown; retryAfter: string | null }
  | { kind: 'unknown'; error: string };

/** One request. Throws ProviderUnreachableError only when nothing can have been sent. */
export async function requestJson(request: JsonRequest): Promise<JsonAnswer> {
  const { provider, timeoutMs } = request;
  let response: Response;
  try {
    response = await request.fetchImpl(request.url, {
      method: request.method,
      headers:
        request.body === undefined
          ? request.headers
          : { ...request.headers, 'content-type': 'application/json' },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    if (isTimeout(error))
      return { kind: 'unknown', error: `${provider} did not answer within ${timeoutMs} ms` };
    const code = errorCode(error);
    if (code !== null && NOT_SENT_CODES.has(code)) throw new ProviderUnreachableError(provider, code, error);
    return { kind: 'unknown', error: `The connection to ${provider} failed (${code ?? 'unknown error'})` };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return {
      kind: 'unknown',
      error: isTimeout(error)
        ? `${provider}'s answer did not finish within ${timeoutMs} ms`
        : `${provider}'s answer was cut off`,
    };
  }
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): keep the text for the error message.
  }
  return { kind: 'answer', status: response.status, body, retryAfter: response.headers.get('retry-after') };
}

/** Phone numbers in a provider's message are replaced, so that an error we store or log holds none. */
export function redactNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{6,}\d/g, '[number]');
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * The human part of a provider's error body: ElevenLabs' `{detail: {message}}` or FastAPI's
 * `{detail: [{loc, msg}]}`, Vapi's `{message: string | string[], error}`, or a plain text.
 */
export function providerErrorMessage(body: unknown, status: number): string {
  const parts: string[] = [];
  const obj = record(body);
  if (typeof body === 'string' && body.trim() !== '') parts.push(body.trim());
  if (obj) {
    const detail = obj.detail;
    if (typeof detail === 'string') parts.push(detail);
    const detailObj = record(detail);
    if (detailObj && typeof detailObj.message === 'string') parts.push(detailObj.message);
    if (Array.isArray(detail)) {
      for (const item of detail) {
        const issue = record(item);
        if (!issue || typeof issue.msg !== 'string') continue;
        const loc = Array.isArray(issue.loc) ? issue.loc.filter((l) => l !== 'body').join('.') : '';
        parts.push(loc ? `${loc}: ${issue.msg}` : issue.msg);
      }
    }
    if (typeof obj.message === 'string') parts.push(obj.message);
    if (Array.isArray(obj.message)) parts.push(...obj.message.filter((m) => typeof m === 'string'));
    if (parts.length === 0 && typeof obj.error === 'string') parts.push(obj.error);
  }
  const text = parts.join('; ').slice(0, 500);
  return redactNumbers(text || `HTTP ${status}`);
}

/**
 * What an answer to "place this call" means. A 2xx is read by `callIdOf` (placed, or not);
 * 429 → rate_limited (Retry-After, 1 s when absent) with no attempt counted; 401/403 → rejected,
 * naming the credentials; another 4xx → rejected with the provider's reason; 5xx and anything else →
 * unknown, since the provider may have placed the call before failing.
 */
export function placeResultOf(
  provider: string,
  answer: JsonAnswer,
  callIdOf: (body: unknown) => PlaceCallResult,
): PlaceCallResult {
  if (answer.kind === 'unknown') return { kind: 'unknown', error: answer.error };
  const { status, body } = answer;
  if (status >= 200 && status < 300) return callIdOf(body);
  if (status === 429)
    return { kind: 'rate_limited', retryAfterSeconds: parseRetryAfter(answer.retryAfter) ?? 1 };
  const message = providerErrorMessage(body, status);
  if (status === 401 || status === 403)
    return {
      kind: 'rejected',
      error: `${provider} refused the phone number's credentials (HTTP ${status}: ${message}); check its api_key`,
    };
  if (status >= 400 && status < 500)
    return { kind: 'rejected', error: `${provider} refused the call (HTTP ${status}): ${message}` };
  return { kind: 'unknown', error: `${provider} answered HTTP ${status}: ${message}` };
}

/** A credential the provider needs, or a clear error naming it. */
export function credential(
  credentials: Record<string, string> | null,
  key: string,
  provider: string,
): { ok: true; value: string } | { ok: false; error: string } {
  const value = credentials?.[key];
  if (typeof value === 'string' && value !== '') return { ok: true, value };
  return { ok: false, error: `The phone number has no ${key} credential for ${provider}` };
}

export function headerOf(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The key under which our ref rides in a platform's pass-through field (dynamic variables, metadata). */
export const REF_KEY = 'batch_calls_ref';

/**
 * Our CallRef as one string, `<workspace>:<batch>:<index>:<attempt>`: platforms' dynamic variables
 * take only strings, numbers and booleans, and our ids never hold a colon.
 */
export function refToString(ref: CallRef): string {
  return `${ref.workspaceId}:${ref.batchId}:${ref.recipientIndex}:${ref.attempt}`;
}

export function refFromString(value: unknown): CallRef | null {
  if (typeof value !== 'string') return null;
  const match = /^([A-Za-z0-9_-]{1,100}):([A-Za-z0-9_-]{1,100}):(\d{1,6}):(\d{1,6})$/.exec(value);
  if (!match) return null;
  const [, workspaceId = '', batchId = '', index = '', attempt = ''] = match;
  const ref = { workspaceId, batchId, recipientIndex: Number(index), attempt: Number(attempt) };
  return ref.attempt >= 1 ? ref : null;
}
