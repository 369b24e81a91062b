import { createHash } from 'node:crypto';
import { ConflictError, ValidationError } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';
import type { IdempotencyStore } from '../ports/store.ts';
import { errorResponse, type HttpResponse } from './respond.ts';

/**
 * `Idempotency-Key` (contract, "Create"): the same key with the same request replays the first
 * answer with `Idempotent-Replayed: true`; with another request, or while the first is still running,
 * it is a 409; a 5xx answer releases the key. As with Stripe, a request refused by validation before
 * any work began is not recorded, so the client can fix the body and reuse the key.
 */

export function readIdempotencyKey(headers: Record<string, string | undefined>): string | null {
  const key = headers['idempotency-key'];
  if (key === undefined) return null;
  if (key.length === 0 || key.length > LIMITS.idempotencyKeyMaxLength) {
    throw new ValidationError([
      { path: 'Idempotency-Key', message: `must be 1 to ${LIMITS.idempotencyKeyMaxLength} characters` },
    ]);
  }
  return key;
}

/** A fingerprint of what the request asks for (after parsing, so a new multipart boundary is the same request). */
export function requestFingerprint(route: string, input: unknown): string {
  return createHash('sha256').update(route).update('\n').update(JSON.stringify(input)).digest('hex');
}

export async function withIdempotency(
  store: IdempotencyStore,
  request: { workspaceId: string; key: string | null; fingerprint: string; requestId: string; now: Date },
  work: () => Promise<HttpResponse>,
): Promise<HttpResponse> {
  const { workspaceId, key } = request;
  if (key === null) return work();

  const existing = await store.claimIdempotencyKey(
    {
      workspaceId,
      key,
      requestHash: request.fingerprint,
      state: 'in_progress',
      response: null,
      createdAt: request.now.toISOString(),
    },
    LIMITS.idempotencyTtlSeconds,
  );
  if (existing) {
    if (existing.requestHash !== request.fingerprint) {
      throw new ConflictError(
        'idempotency_conflict',
        'This Idempotency-Key was already used with another request.',
      );
    }
    if (existing.state !== 'completed' || !existing.response) {
      throw new ConflictError(
        'idempotency_conflict',
        'A request with this Idempotency-Key is still being processed.',
      );
    }
    const replay = existing.response;
    return {
      statusCode: replay.statusCode,
      headers: { ...replay.headers, 'x-request-id': request.requestId, 'idempotent-replayed': 'true' },
      body: replay.body,
    };
  }

  let response: HttpResponse;
  try {
    response = await work();
  } catch (error) {
    response = errorResponse(error, request.requestId).response;
    if (response.statusCode >= 500) {
      await store.releaseIdempotencyKey(workspaceId, key);
      throw error;
    }
  }
  if (response.statusCode >= 500) {
    await store.releaseIdempotencyKey(workspaceId, key);
  } else {
    await store.completeIdempotencyKey(workspaceId, key, {
      statusCode: response.statusCode,
      headers: response.headers,
      body: response.body,
    });
  }
  return response;
}
