import { describe, expect, it } from 'vitest';
import { webhookIdFor, webhookIdParts } from '#shared/domain/outbox.ts';

describe('webhook ids', () => {
  it('give back the subject and occurrence webhookIdFor put in', () => {
    const recipient = 'rcp_01JF0000000000000000000000';
    expect(webhookIdParts(webhookIdFor('call.retry_scheduled', recipient, 2))).toEqual({
      subjectId: recipient,
      occurrence: 2,
    });
    expect(webhookIdParts(webhookIdFor('conversation.completed', recipient))).toEqual({
      subjectId: recipient,
      occurrence: undefined,
    });
  });
});
