import type { FieldIssue } from '../domain/errors.ts';

/**
 * A refusal of the API as a client sees it: an answer that is not 2xx (with the contract's error
 * envelope when the service sent one), or a request that never got an answer (status 0).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The envelope's `error.code` (`validation_error`, `not_found`, …), `http_error` without one, `network_error`. */
    readonly code: string,
    message: string,
    /** Every bad field or CSV row of a `400` (`recipients[2].phone`, `csv_file:line 7`). */
    readonly fields: FieldIssue[] = [],
    /** The request's id (quote it when asking about a `500`), when the answer named one. */
    readonly requestId: string | null = null,
    /** A `429`'s `Retry-After`, in seconds. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
