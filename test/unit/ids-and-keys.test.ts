import { describe, expect, it } from 'vitest';
import {
  apiKeyDisplayPrefix,
  bearerToken,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
} from '#shared/domain/api-key.ts';
import { isId, newId } from '#shared/domain/ids.ts';

describe('ids', () => {
  it('are prefixed and sort by creation time, even within one millisecond', () => {
    const ids = Array.from({ length: 50 }, () => newId('recipient', 1_700_000_000_000));
    expect(ids.every((id) => id.startsWith('rcp_'))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    const later = newId('recipient', 1_700_000_000_001);
    expect(later > (ids.at(-1) ?? '')).toBe(true);
  });

  it('recognise their kind', () => {
    expect(isId('batch', newId('batch'))).toBe(true);
    expect(isId('batch', newId('agent'))).toBe(false);
    expect(isId('batch', 'batch_../../etc')).toBe(false);
    expect(isId('agent', 'agent_01HS...')).toBe(false);
  });
});

describe('API keys', () => {
  it('are random, hashed with SHA-256 and shown by a prefix', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^bck_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).not.toBe(key);
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toContain(key);
    expect(apiKeyDisplayPrefix(key)).toBe(key.slice(0, 10));
  });

  it('read bearer tokens and refuse malformed ones', () => {
    expect(bearerToken('Bearer abc12345')).toBe('abc12345');
    expect(bearerToken('bearer   abc12345 ')).toBe('abc12345');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(isWellFormedApiKey('short')).toBe(false);
    expect(isWellFormedApiKey('x'.repeat(257))).toBe(false);
    expect(isWellFormedApiKey('local-dev-key-1')).toBe(true);
  });
});
