import type { FieldIssue } from '../../../shared/domain/errors.ts';

/**
 * The API's refusals as the dashboard sees them. Apart from the client, which needs the DOM, so that
 * DOM-free modules (and their tests in Node) can use it.
 */

/** An answer that is not 2xx, or a request that never got one (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Words for any failure, for a page's error notice. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong. Try again.';
}
