import { parseRetryAfter } from '../../domain/webhook-retry.ts';
import type { PlaceCallResult, ProviderCallbackRequest } from '../../ports/dialer.ts';

/**
 * The HTTP plumbing every telephony adapter shares: one request to a provider's API with a deadline,
 * and what its answer means for `placeCall`. The line that matters is whether the request may have
 * reached the provider. Before that (connection refused, DNS failure, connect timeout) nothing can
 * have been placed, so we throw and the dial step may try again later. After it (a timeout, a
 * reset, a 5xx) the call may exist and must never be placed again blindly: the outcome is `unknown`.
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

/** What a code-less failure says at its root, e.g. undici's "unexpected redirect". */
function innermostMessage(error: unknown): string {
  let message = 'unknown error';
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; depth++) {
    if (e.message) message = e.message;
    e = e.cause;
  }
  return message;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

interface ProviderRequest {
  /** Named in errors, e.g. "Twilio". */
  provider: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded (Twilio). */
  form?: URLSearchParams;
  timeoutMs: number;
  fetchImpl: typeof fetch;
}

/**
 * The provider answered (any status; the body is parsed JSON, else its text, null when empty), or
 * the request may have reached it but its fate is unknown.
 */
export type ProviderAnswer =
  | { kind: 'answer'; status: number; body: unknown; retryAfter: string | null }
  | { kind: 'unknown'; error: string };

function bodyOf(request: ProviderRequest): { type: string; text: string } | null {
  if (request.form !== undefined)
    return { type: 'application/x-www-form-urlencoded', text: request.form.toString() };
  if (request.json !== undefined) return { type: 'application/json', text: JSON.stringify(request.json) };
  return null;
}

/** One request. Throws ProviderUnreachableError only when nothing can have been sent. */
async function sendProviderRequest(request: ProviderRequest): Promise<ProviderAnswer> {
  const { provider, timeoutMs } = request;
  const body = bodyOf(request);
  let response: Response;
  try {
    response = await request.fetchImpl(request.url, {
      method: request.method,
      headers: body === null ? request.headers : { ...request.headers, 'content-type': body.type },
      body: body?.text,
      signal: AbortSignal.timeout(timeoutMs),
      // An API never redirects; following one could carry the credentials elsewhere.
      redirect: 'error',
    });
  } catch (error) {
    if (isTimeout(error))
      return { kind: 'unknown', error: `${provider} did not answer within ${timeoutMs} ms` };
    const code = errorCode(error);
    if (code !== null && NOT_SENT_CODES.has(code)) throw new ProviderUnreachableError(provider, code, error);
    return {
      kind: 'unknown',
      error: `${provider} gave no usable answer (${code ?? innermostMessage(error)}); the request may have arrived`,
    };
  }
  const ok = response.status >= 200 && response.status < 300;
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // A refusal's status says it all; an acceptance without its body leaves the call's id unknown.
    if (!ok)
      return { kind: 'answer', status: response.status, body: null, retryAfter: retryAfterOf(response) };
    return {
      kind: 'unknown',
      error: isTimeout(error)
        ? `${provider}'s answer did not finish within ${timeoutMs} ms`
        : `${provider}'s answer was cut off`,
    };
  }
  let parsed: unknown = text === '' ? null : text;
  try {
    if (text !== '') parsed = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): keep the text for the error message.
  }
  return { kind: 'answer', status: response.status, body: parsed, retryAfter: retryAfterOf(response) };
}

function retryAfterOf(response: Response): string | null {
  return response.headers.get('retry-after');
}

/** Phone numbers in a provider's message are replaced, so that an error we store or log holds none. */
function redactNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{6,}\d/g, '[number]');
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * The human part of a provider's error body, phone numbers redacted: FastAPI's `{detail}` (a string,
 * `{message}` or `[{loc, msg}]`, ElevenLabs), `{message: string | string[]}` (Vapi, Retell, Twilio),
 * `{error}` or `{error_message}` (Retell, the simulated network), or a plain text.
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
    for (const key of ['error', 'error_message']) {
      const value = obj[key];
      if (parts.length === 0 && typeof value === 'string') parts.push(value);
    }
  }
  const text = parts.join('; ').slice(0, 500);
  return redactNumbers(text || `HTTP ${status}`);
}

/** How one provider's answer to "place this call" reads; the classification itself is shared. */
export interface PlaceCallReading {
  /** Named in errors, e.g. "Twilio". */
  provider: string;
  /** The credentials a 401/403 points at, e.g. "api_key"; without them those are plain refusals. */
  credentialNames?: string;
  /** A 2xx answer's body: placed, or not. */
  placed(body: unknown): PlaceCallResult;
  /** The provider's reason in an error body; phone numbers are redacted from it. */
  reason?(body: unknown, status: number): string;
  /** A provider's own "slow down" in an answer other than 429 (Twilio's error 20429). */
  isRateLimit?(body: unknown): boolean;
  /** The wording of a refusal and of a failure, when it is not the usual one. */
  refusedText?(reason: string, status: number): string;
  failedText?(reason: string, status: number): string;
}

/** A 2xx reader for an answer that is the call itself: placed with its id, else unknown. */
export function placedWithId(
  provider: string,
  idName: string,
  idOf: (body: unknown) => string | undefined,
): (body: unknown) => PlaceCallResult {
  return (body) => {
    const id = idOf(body);
    return id
      ? { kind: 'placed', providerCallId: id }
      : { kind: 'unknown', error: `${provider} accepted the call without a ${idName}` };
  };
}

/**
 * What an answer to "place this call" means. A 2xx is read by the adapter (placed, or not); 429 →
 * rate_limited (Retry-After, at least 1 s, 1 s when absent), no attempt counted; 401/403 → rejected,
 * naming the credentials; another 4xx → rejected with the provider's reason; a 5xx and anything else
 * → unknown, since the provider may have placed the call before failing.
 */
export function placeResultOf(reading: PlaceCallReading, answer: ProviderAnswer): PlaceCallResult {
  if (answer.kind === 'unknown') return { kind: 'unknown', error: answer.error };
  const { provider } = reading;
  const { status, body } = answer;
  if (status >= 200 && status < 300) return reading.placed(body);
  if (status === 429 || reading.isRateLimit?.(body) === true)
    return { kind: 'rate_limited', retryAfterSeconds: Math.max(1, parseRetryAfter(answer.retryAfter) ?? 1) };
  const reason = redactNumbers(reading.reason?.(body, status) ?? providerErrorMessage(body, status));
  if ((status === 401 || status === 403) && reading.credentialNames !== undefined)
    return {
      kind: 'rejected',
      error: `${provider} refused the phone number's credentials (HTTP ${status}: ${reason}); check its ${reading.credentialNames}`,
      credentialsRefused: true,
    };
  if (status >= 400 && status < 500)
    return {
      kind: 'rejected',
      error:
        reading.refusedText?.(reason, status) ?? `${provider} refused the call (HTTP ${status}): ${reason}`,
    };
  return {
    kind: 'unknown',
    error: reading.failedText?.(reason, status) ?? `${provider} answered HTTP ${status}: ${reason}`,
  };
}

export interface ProviderApiOptions {
  /** The API's base URL (production's by default; tests and regional endpoints set it). */
  baseUrl: string;
  /** How long one request may take before its outcome counts as unknown; 10 s unless given. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

type ApiRequest = Pick<ProviderRequest, 'method' | 'headers' | 'json' | 'form'> & { path: string };

/** One provider's API: requests by path, with its name, deadline and fetch bound once. */
export interface ProviderApi {
  send(request: ApiRequest): Promise<ProviderAnswer>;
  /**
   * A GET that reads something (a call for reconciliation): the 2xx answer's body. Anything else
   * throws, which is safe: a lookup places nothing.
   */
  lookUp(
    path: string,
    headers: Record<string, string>,
    what: string,
    reason?: (body: unknown, status: number) => string,
  ): Promise<unknown>;
}

export function providerApi(provider: string, options: ProviderApiOptions): ProviderApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetchImpl ?? fetch;
  const send = ({ path, ...request }: ApiRequest) =>
    sendProviderRequest({ ...request, provider, url: `${base}${path}`, timeoutMs, fetchImpl });
  return {
    send,
    async lookUp(path, headers, what, reason = providerErrorMessage) {
      const answer = await send({ method: 'GET', path, headers });
      if (answer.kind === 'unknown') throw new Error(answer.error);
      if (answer.status < 200 || answer.status >= 300)
        throw new Error(
          `${provider} answered HTTP ${answer.status} for ${what}: ${redactNumbers(reason(answer.body, answer.status))}`,
        );
      return answer.body;
    },
  };
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

/** A callback's header, whatever the case of its name. */
export function headerOf(headers: ProviderCallbackRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
