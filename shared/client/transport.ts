import { ApiError } from './api-error.ts';

/**
 * How the client's requests travel. `fetchTransport` (the default) works in browsers and in Node 20+;
 * another transport can add what fetch lacks, or count and record requests in tests.
 */

export interface TransportRequest {
  method: string;
  /** Absolute, or relative to the page for a browser on the service's own origin. */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | Blob | FormData;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: { get(name: string): string | null };
  /** The whole body as text ('' when there is none). */
  text: string;
}

/** Sends one request; throws only when no answer came (an HTTP error status is an answer). */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** Over `fetch`; a request that gets no answer (offline, refused, CORS) is an `ApiError` with status 0. */
export function fetchTransport(fetchImpl: typeof fetch = (...args) => fetch(...args)): Transport {
  return async ({ method, url, headers, body, signal }) => {
    let response: Response;
    try {
      response = await fetchImpl(url, { method, headers, body: body as RequestInit['body'], signal });
    } catch {
      throw new ApiError(0, 'network_error', 'The service could not be reached. Check your connection.');
    }
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
}
