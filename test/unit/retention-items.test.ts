import { describe, expect, it } from 'vitest';
import { CALL_INDEX_TTL_DAYS, callIndexItem } from '#shared/adapters/dynamodb/entities/call-index.ts';
import { eventUpdate, finishedExpiry } from '#shared/adapters/dynamodb/entities/batch-transition.ts';

describe('retention of finished batches (docs/deploy.md)', () => {
  it('a finishing write carries expiresAt: the end plus retentionDays, in epoch seconds', () => {
    const now = Date.parse('2026-03-01T12:00:00.000Z');
    expect(finishedExpiry(90, now)).toEqual({ expiresAt: now / 1000 + 90 * 86_400 });
    const update = eventUpdate('ws_1', 'batch_1', 'complete', {
      completedAt: 'x',
      ...finishedExpiry(7, now),
    });
    expect(update.UpdateExpression).toContain('#expiresAt = :expiresAt');
    expect(update.ExpressionAttributeValues?.[':expiresAt']).toBe(now / 1000 + 7 * 86_400);
  });

  it('a call-index entry expires on its own, CALL_INDEX_TTL_DAYS after it was written', () => {
    const before = Math.floor(Date.now() / 1000);
    const item = callIndexItem('twilio', 'CA123', {
      workspaceId: 'ws_1',
      batchId: 'batch_1',
      recipientIndex: 0,
      attempt: 1,
      recipientId: 'rcp_1',
    });
    const ttl = Number(item.expiresAt);
    expect(ttl).toBeGreaterThanOrEqual(before + CALL_INDEX_TTL_DAYS * 86_400);
    expect(ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + CALL_INDEX_TTL_DAYS * 86_400);
  });
});
