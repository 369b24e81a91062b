import { ApiError } from '../../../shared/client/api-error.ts';

/**
 * The API's refusals as the dashboard sees them: the typed client's error (shared/client). Apart
 * from the client, which needs the DOM, so that DOM-free modules (and their tests in Node) can use it.
 */
export { ApiError };

/** Words for any failure, for a page's error notice. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong. Try again.';
}
