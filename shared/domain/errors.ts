/**
 * The domain's error hierarchy. Use cases throw these; exactly one place (shared/http/respond.ts)
 * maps them to HTTP. Adapters translate SDK exceptions into these so the domain never sees AWS types.
 */

export interface FieldIssue {
  /** Where the problem is: a JSON path such as `recipients[2].phone`, or `csv_file:line 7`. */
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400 invalid_request: the request cannot be read at all (malformed JSON, multipart or CSV). */
export class InvalidRequestError extends DomainError {
  readonly status = 400;
  readonly code = 'invalid_request';
  constructor(
    message: string,
    readonly fields: FieldIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 400 validation_error: readable, but breaks rules; lists every bad field, not only the first. */
export class ValidationError extends DomainError {
  readonly status = 400;
  readonly code = 'validation_error';
  constructor(
    readonly fields: FieldIssue[],
    message = describeFields(fields),
  ) {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  constructor(
    message: string,
    readonly code: 'not_found' | 'agent_not_found' | 'phone_number_not_found' = 'not_found',
  ) {
    super(message);
  }
}

/** The 409 codes of the contract. */
export type ConflictCode =
  | 'batch_not_cancellable'
  | 'batch_not_pausable'
  | 'batch_not_resumable'
  | 'batch_not_stoppable'
  | 'batch_not_editable'
  | 'idempotency_conflict'
  | 'conflict';

export class ConflictError extends DomainError {
  readonly status = 409;
  constructor(
    readonly code: ConflictCode,
    message: string,
  ) {
    super(message);
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}

export class RateLimitedError extends DomainError {
  readonly status = 429;
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A conditional write lost its race: the item was not in the state the caller expected. */
export class StateConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateConflictError';
  }
}

function describeFields(fields: FieldIssue[]): string {
  if (fields.length === 0) return 'The request is not valid.';
  const first = fields[0];
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : '';
  return `${first?.path}: ${first?.message}${more}`;
}
