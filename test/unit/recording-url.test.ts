import { describe, expect, it } from 'vitest';
import { buildWebhookPayload } from '#shared/app/run/webhook-payloads.ts';
import { conversationResponseSchema, toConversationResponse } from '#shared/contracts/run.ts';
import type { Batch } from '#shared/domain/batch.ts';
import type { OutboxRecord } from '#shared/domain/outbox.ts';
import type { RecipientRun } from '#shared/ports/run-store.ts';
import { httpsRecordingUrl, MAX_RECORDING_URL_LENGTH } from '#shared/domain/recording-url.ts';

/** Recording URLs reach the dashboard and webhook payloads only as plain https links. */

describe('httpsRecordingUrl', () => {
  it('keeps an https URL (normalised)', () => {
    expect(httpsRecordingUrl('https://storage.vapi.ai/abc-mono.wav')).toBe(
      'https://storage.vapi.ai/abc-mono.wav',
    );
    expect(httpsRecordingUrl('HTTPS://Retell.Example/rec.wav?sig=a%20b')).toBe(
      'https://retell.example/rec.wav?sig=a%20b',
    );
  });

  it('refuses every other scheme, credentials, relative URLs and non-strings', () => {
    for (const value of [
      'http://retell.example/rec.wav',
      'javascript:alert(document.domain)',
      ' javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'blob:https://example.com/1',
      'ftp://example.com/rec.wav',
      'https://user:secret@evil.example/rec.wav',
      'https://user@evil.example/rec.wav',
      '//evil.example/rec.wav',
      '/recordings/1.wav',
      '',
      `https://example.com/${'a'.repeat(MAX_RECORDING_URL_LENGTH)}`,
      null,
      undefined,
      42,
      { href: 'https://example.com' },
    ]) {
      expect(httpsRecordingUrl(value), String(value)).toBeNull();
    }
  });
});

describe('the conversation answer', () => {
  const stored = { transcript: [], evaluations: [], dataCollection: {} };

  it('shows a stored non-https recording URL (kept before the check existed) as none', () => {
    const answer = toConversationResponse({ ...stored, recordingUrl: 'javascript:alert(1)' });
    expect(answer.recording_url).toBeNull();
    expect(toConversationResponse({ ...stored, recordingUrl: 'https://a.example/r.wav' }).recording_url).toBe(
      'https://a.example/r.wav',
    );
  });

  it('is described as https-only by the contract', () => {
    const valid = { transcript: [], evaluations: [], data_collection: {} };
    expect(
      conversationResponseSchema.safeParse({ ...valid, recording_url: 'https://a.example/r' }).success,
    ).toBe(true);
    expect(conversationResponseSchema.safeParse({ ...valid, recording_url: null }).success).toBe(true);
    for (const url of ['http://a.example/r', 'javascript:alert(1)']) {
      expect(conversationResponseSchema.safeParse({ ...valid, recording_url: url }).success, url).toBe(false);
    }
  });
});

describe('the conversation.completed webhook', () => {
  it('carries a stored non-https recording URL as null', async () => {
    const transcripts = {
      get: async () => ({
        transcript: [],
        evaluations: [],
        dataCollection: {},
        recordingUrl: 'http://a.example/r',
      }),
    };
    const deps = { transcripts } as unknown as Parameters<typeof buildWebhookPayload>[0];
    const record = {
      webhookId: 'conversation.completed:rcp_1',
      eventType: 'conversation.completed',
      occurredAt: '2026-12-07T10:00:00.000Z',
      workspaceId: 'ws_1',
      batchId: 'batch_1',
      recipientIndex: 0,
    } as unknown as OutboxRecord;
    const known = {
      batch: { id: 'batch_1', agentId: 'agent_1' } as unknown as Batch,
      recipient: {
        id: 'rcp_1',
        status: 'completed',
        transcriptKey: 'transcripts/x.json',
      } as unknown as RecipientRun,
    };
    const payload = (await buildWebhookPayload(deps, record, known)) as { data: { recording_url: unknown } };
    expect(payload.data.recording_url).toBeNull();
  });
});
