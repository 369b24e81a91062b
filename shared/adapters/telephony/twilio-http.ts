/**
 * One HTTP request to a provider's API, classified by what we can know about it afterwards. Written
 * for the Twilio adapter and used by the Retell one too (it is provider-neutral; it lives here only
 * because each adapter owns its files): a request that never left cannot have placed a call, one
 * that left and got no answer may have.
 */

/**
 * Thrown when the provider could not be reached before anything was sent (connection refused, DNS
 * failure, connect timeout): no call can have been placed, so the dial step may try again later.
 */
export class ProviderUnreachableError extends Error {
  readonly code: string;
  constructor(provider: string, code: string, cause: unknown) {
    super(`${provider} is unreachable (${code}); no call was placed`, { cause });
    this.name = 'ProviderUnreachableError';
    this.code = code;
  }
}

/** Error codes that undici reports only when the connection was never established. */
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

export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

export type ProviderSendResult =
  | { kind: 'response'; response: Response }
  /** The request may have reached the provider, but no answer came back. */
  | { kind: 'unknown'; error: string };

/**
 * Sends one request with a deadline. Throws ProviderUnreachableError when nothing was sent; a
 * timeout or a connection that broke after sending gives `unknown`.
 */
export async function sendProviderRequest(
  provider: string,
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<ProviderSendResult> {
  try {
    const response = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { kind: 'response', response };
  } catch (error) {
    if (isTimeout(error))
      return { kind: 'unknown', error: `${provider} did not answer within ${timeoutMs} ms` };
    const code = errorCode(error);
    if (code !== null && NOT_SENT_CODES.has(code)) throw new ProviderUnreachableError(provider, code, error);
    return { kind: 'unknown', error: `The connection to ${provider} failed (${code ?? 'unknown error'})` };
  }
}

/** The answer's body as JSON; null when it is not JSON or did not arrive in time. */
export async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** The `Retry-After` of a 429 in seconds (delta-seconds or an HTTP date); `fallback` when absent. */
export function retryAfterSeconds(response: Response, fallback: number): number {
  const value = response.headers.get('retry-after');
  if (value === null) return fallback;
  if (/^\d+$/.test(value.trim())) return Math.max(1, Number(value.trim()));
  const at = Date.parse(value);
  return Number.isNaN(at) ? fallback : Math.max(1, Math.ceil((at - Date.now()) / 1000));
}
