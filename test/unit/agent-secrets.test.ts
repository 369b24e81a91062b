import { describe, expect, it } from 'vitest';
import { activeSecrets, rotateSecrets, SECRET_OVERLAP_MS } from '#shared/domain/agent.ts';
import { generateWebhookSecret } from '#shared/domain/webhook-secret.ts';

describe('webhook secrets', () => {
  const now = new Date('2026-11-29T10:00:00Z');

  it('are whsec_ with 32 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('rotation keeps the old secret signing for 24 hours, then drops it', () => {
    const rotated = rotateSecrets([{ secret: 'whsec_old', expiresAt: null }], 'whsec_new', now);
    expect(rotated).toEqual([
      { secret: 'whsec_new', expiresAt: null },
      { secret: 'whsec_old', expiresAt: new Date(now.getTime() + SECRET_OVERLAP_MS).toISOString() },
    ]);
    expect(activeSecrets({ webhookSecrets: rotated }, now).map((s) => s.secret)).toEqual([
      'whsec_new',
      'whsec_old',
    ]);
    const later = new Date(now.getTime() + SECRET_OVERLAP_MS + 1);
    expect(activeSecrets({ webhookSecrets: rotated }, later).map((s) => s.secret)).toEqual(['whsec_new']);
  });

  it('a second rotation drops secrets that already expired and keeps the unexpired one', () => {
    const first = rotateSecrets([{ secret: 'a', expiresAt: null }], 'b', now);
    const soon = new Date(now.getTime() + 1000);
    const second = rotateSecrets(first, 'c', soon);
    expect(second.map((s) => s.secret)).toEqual(['c', 'b', 'a']);
    const muchLater = new Date(now.getTime() + SECRET_OVERLAP_MS + 5000);
    expect(rotateSecrets(second, 'd', muchLater).map((s) => s.secret)).toEqual(['d', 'c']);
  });
});
