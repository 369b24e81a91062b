import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, WEBHOOK_USER_AGENT } from '#shared/domain/webhook-signing.ts';
import { generateWebhookSecret } from '#shared/domain/webhook-secret.ts';

const current = generateWebhookSecret();
const previous = generateWebhookSecret();
const body = JSON.stringify({
  type: 'conversation.completed',
  timestamp: '2025-01-01T00:00:00.000Z',
  data: { a: 1 },
});

function sign(secrets: string[], at = new Date(), payload = body) {
  return signWebhook({ webhookId: 'msg_01HZY', timestamp: at, body: payload, secrets });
}

describe('signWebhook', () => {
  it('returns the Standard Webhooks headers with the attempt time in Unix seconds', () => {
    const at = new Date('2025-03-04T05:06:07.890Z');
    const headers = sign([current], at);
    expect(headers).toMatchObject({
      'webhook-id': 'msg_01HZY',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
    });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('is verified by the standardwebhooks library', () => {
    const headers = sign([current]);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with every secret during a rotation, and either one verifies', () => {
    const headers = sign([current, previous]);
    const signatures = (headers['webhook-signature'] ?? '').split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(
      WebhookVerificationError,
    );
  });

  it('is rejected for a tampered body, id or timestamp', () => {
    const headers = sign([current]);
    const verifier = new Webhook(current);
    expect(() => verifier.verify(body.replace('"a":1', '"a":2'), headers)).toThrow(WebhookVerificationError);
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'msg_other' })).toThrow(
      WebhookVerificationError,
    );
    const shifted = String(Number(headers['webhook-timestamp']) - 1);
    expect(() => verifier.verify(body, { ...headers, 'webhook-timestamp': shifted })).toThrow(
      WebhookVerificationError,
    );
  });

  it('signs each attempt afresh: a new timestamp gives a new signature for the same id', () => {
    const first = sign([current], new Date('2025-01-01T00:00:00Z'));
    const second = sign([current], new Date('2025-01-01T00:00:05Z'));
    expect(second['webhook-id']).toBe(first['webhook-id']);
    expect(second['webhook-signature']).not.toBe(first['webhook-signature']);
  });

  it('refuses to sign without a secret', () => {
    expect(() => sign([])).toThrow(/at least one secret/);
  });
});
