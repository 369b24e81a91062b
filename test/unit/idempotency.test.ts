import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '#shared/domain/errors.ts';
import { readIdempotencyKey, requestFingerprint, withIdempotency } from '#shared/http/idempotency.ts';
import { json } from '#shared/http/respond.ts';
import type { IdempotencyRecord, IdempotencyStore } from '#shared/ports/store.ts';

/** An in-memory IdempotencyStore: enough to test the HTTP rule on its own. */
function memoryStore(): IdempotencyStore & { records: Map<string, IdempotencyRecord> } {
  const records = new Map<string, IdempotencyRecord>();
  return {
    records,
    claimIdempotencyKey: vi.fn(async (record: IdempotencyRecord) => {
      const existing = records.get(record.key);
      if (existing) return existing;
      records.set(record.key, record);
      return null;
    }),
    completeIdempotencyKey: vi.fn(async (_ws: string, key: string, response) => {
      const r = records.get(key);
      if (r) records.set(key, { ...r, state: 'completed', response });
    }),
    releaseIdempotencyKey: vi.fn(async (_ws: string, key: string) => {
      records.delete(key);
    }),
  };
}

const request = (key: string | null, fingerprint = 'f1') => ({
  workspaceId: 'ws_1',
  key,
  fingerprint,
  requestId: 'req-2',
  now: new Date(),
});

describe('Idempotency-Key handling', () => {
  it('runs the work once and replays its answer', async () => {
    const store = memoryStore();
    const work = vi.fn(async () => json(202, { id: 'batch_1' }, 'req-1'));
    const first = await withIdempotency(store, request('k'), work);
    const second = await withIdempotency(store, request('k'), work);
    expect(work).toHaveBeenCalledTimes(1);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['x-request-id']).toBe('req-2');
    expect(second.body).toBe(first.body);
  });

  it('refuses another request under the same key, and one still running', async () => {
    const store = memoryStore();
    await withIdempotency(store, request('k'), async () => json(202, {}, 'r'));
    await expect(
      withIdempotency(store, request('k', 'f2'), async () => json(202, {}, 'r')),
    ).rejects.toMatchObject({
      status: 409,
      code: 'idempotency_conflict',
    });
    store.records.set('busy', {
      workspaceId: 'ws_1',
      key: 'busy',
      requestHash: 'f1',
      state: 'in_progress',
      response: null,
      createdAt: new Date().toISOString(),
    });
    await expect(
      withIdempotency(store, request('busy'), async () => json(202, {}, 'r')),
    ).rejects.toMatchObject({
      status: 409,
    });
  });

  it('records a 4xx answer but releases the key on a 5xx or a crash', async () => {
    const store = memoryStore();
    const refused = await withIdempotency(store, request('a'), async () => {
      throw new ValidationError([{ path: 'x', message: 'bad' }]);
    });
    expect(refused.statusCode).toBe(400);
    expect(store.records.get('a')?.state).toBe('completed');

    await expect(
      withIdempotency(store, request('b'), async () => {
        throw new Error('DynamoDB fell over');
      }),
    ).rejects.toThrow('DynamoDB fell over');
    expect(store.records.has('b')).toBe(false);

    await withIdempotency(store, request('c'), async () => json(503, {}, 'r'));
    expect(store.records.has('c')).toBe(false);
  });

  it('without a key, just runs the work', async () => {
    const store = memoryStore();
    const res = await withIdempotency(store, request(null), async () => json(202, {}, 'r'));
    expect(res.statusCode).toBe(202);
    expect(store.claimIdempotencyKey).not.toHaveBeenCalled();
  });

  it('validates the header and fingerprints parsed input', () => {
    expect(readIdempotencyKey({})).toBeNull();
    expect(readIdempotencyKey({ 'idempotency-key': 'abc' })).toBe('abc');
    expect(() => readIdempotencyKey({ 'idempotency-key': '' })).toThrow(ValidationError);
    expect(() => readIdempotencyKey({ 'idempotency-key': 'k'.repeat(256) })).toThrow(ValidationError);
    expect(requestFingerprint('r', { a: 1 })).toBe(requestFingerprint('r', { a: 1 }));
    expect(requestFingerprint('r', { a: 1 })).not.toBe(requestFingerprint('r', { a: 2 }));
  });
});
