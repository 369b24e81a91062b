import { describe, expect, it } from 'vitest';
import { buildWebhookPayload, payloadSnapshot } from '#shared/app/run/webhook-payloads.ts';
import { WEBHOOK_EVENTS } from '#shared/domain/agent.ts';
import type { OutboxRecord } from '#shared/domain/outbox.ts';
import { WEBHOOK_PAYLOAD_SCHEMAS } from '#shared/contracts/webhooks.ts';
import type { RecipientRun } from '#shared/ports/run-store.ts';
import { transcriptKey } from '#shared/ports/transcripts.ts';
import { batchFixture, recipientFixture } from '../helpers/domain-fixtures.ts';

/** Payloads are built when sent, from the items as they are then: what must still tell the event's own state. */
const deps = {} as Parameters<typeof buildWebhookPayload>[0];

const record = (over: Partial<OutboxRecord>): OutboxRecord => ({
  webhookId: 'x',
  workspaceId: 'ws_1',
  batchId: 'batch_1',
  agentId: 'agent_1',
  eventType: 'batch.paused',
  recipientIndex: null,
  occurredAt: '2026-12-07T10:00:00.000Z',
  status: 'pending',
  attempts: [],
  nextAttemptAt: null,
  createdAt: '2026-12-07T10:00:00.000Z',
  ...over,
});

describe('webhook payloads', () => {
  it('batch.paused names the reason of that pause, even after a resume', async () => {
    const batch = batchFixture('ws_1', { status: 'running', pauseReason: null });
    const payload = await buildWebhookPayload(deps, record({ pauseReason: 'failure_rate' }), {
      batch,
      recipient: null,
    });
    expect(payload).toMatchObject({
      type: 'batch.paused',
      data: { id: batch.id, pause_reason: 'failure_rate' },
    });
  });

  it('call.retry_scheduled describes the retried attempt, even after the next one', async () => {
    const batch = batchFixture('ws_1', { status: 'running' });
    const attempt = (n: number, outcome: 'busy' | 'answered') => ({
      attempt: n,
      dialedAt: `2026-12-07T1${n}:00:00.000Z`,
      startedAt: null,
      endedAt: `2026-12-07T1${n}:00:30.000Z`,
      outcome,
      durationSecs: null,
      conversationId: null,
      error: outcome === 'busy' ? 'The line was busy' : null,
    });
    const recipient = {
      ...recipientFixture({ batchId: batch.id, workspaceId: 'ws_1' }),
      status: 'completed',
      outcome: 'answered',
      attempts: 2,
      attemptHistory: [attempt(1, 'busy'), attempt(2, 'answered')],
    } as RecipientRun;
    const payload = await buildWebhookPayload(
      deps,
      record({
        eventType: 'call.retry_scheduled',
        webhookId: `call.retry_scheduled:${recipient.id}:1`,
        recipientIndex: 0,
      }),
      { batch, recipient },
    );
    expect(payload).toMatchObject({
      type: 'call.retry_scheduled',
      data: {
        attempt: 1,
        status: 'pending',
        outcome: 'busy',
        error: 'The line was busy',
        ended_at: '2026-12-07T11:00:30.000Z',
        next_attempt_at: '2026-12-07T12:00:00.000Z',
      },
    });
  });
});

describe('the webhook payload schemas of the OpenAPI document (shared/contracts/webhooks.ts)', () => {
  it('match the payload built for every event type, strictly', async () => {
    const conversation = {
      transcript: [{ role: 'agent' as const, message: 'Hi', time_in_call_secs: 0 }],
      evaluations: [{ id: 'goal', result: 'success' as const, rationale: 'ok' }],
      dataCollection: { opt_out: { value: false, rationale: 'asked' } },
      recordingUrl: 'https://recordings.example/1.mp3',
    };
    const withTranscripts = { transcripts: { get: async () => conversation } } as unknown as typeof deps;
    const batch = batchFixture('ws_1', { status: 'completed' });
    const recipient = {
      ...recipientFixture({ batchId: batch.id, workspaceId: 'ws_1' }),
      status: 'completed',
      outcome: 'answered',
      attempts: 1,
      transcriptKey: 'transcripts/x.json',
      attemptHistory: [],
    } as unknown as RecipientRun;
    for (const eventType of WEBHOOK_EVENTS) {
      const onRecipient = !eventType.startsWith('batch.');
      const payload = await buildWebhookPayload(
        withTranscripts,
        record({
          eventType,
          webhookId: `${eventType}:${recipient.id}:1`,
          recipientIndex: onRecipient ? 0 : null,
          ...(eventType === 'batch.paused' ? { pauseReason: 'user' as const } : {}),
        }),
        { batch, recipient },
      );
      const parsed = WEBHOOK_PAYLOAD_SCHEMAS[eventType].safeParse(payload);
      expect(parsed.success, `${eventType}: ${parsed.error?.message}`).toBe(true);
    }
  });
});

describe('the payload snapshot written with the outbox record', () => {
  it('gives every event the payload its items would give when sent at once, without reading them', async () => {
    const conversation = {
      transcript: [{ role: 'agent' as const, message: 'Hi', time_in_call_secs: 0 }],
      evaluations: [],
      dataCollection: {},
      recordingUrl: null,
    };
    const transcriptKeys: string[] = [];
    const reader = {
      transcripts: {
        get: async (key: string) => {
          transcriptKeys.push(key);
          return conversation;
        },
      },
      // A snapshot needs no item: any read fails the test.
      store: {},
      runStore: {},
    } as unknown as typeof deps;
    const batch = batchFixture('ws_1', { status: 'running', pauseReason: 'failure_rate' });
    const recipient = {
      ...recipientFixture({ batchId: batch.id, workspaceId: 'ws_1' }),
      status: 'pending',
      outcome: 'busy',
      attempts: 2,
      nextAttemptAt: '2026-12-07T13:00:00.000Z',
      attemptHistory: [
        {
          attempt: 2,
          dialedAt: '2026-12-07T12:00:00.000Z',
          startedAt: null,
          endedAt: '2026-12-07T12:00:30.000Z',
          outcome: 'busy',
          durationSecs: null,
          conversationId: null,
          error: 'The line was busy',
        },
      ],
    } as unknown as RecipientRun;
    // Where the call's end stored the conversation of its attempt (call-ended.ts).
    recipient.transcriptKey = transcriptKey('ws_1', batch.id, recipient.id, 2);
    for (const eventType of WEBHOOK_EVENTS) {
      const onRecipient = !eventType.startsWith('batch.');
      const subject = {
        batch,
        recipient: onRecipient ? recipient : null,
        ...(eventType === 'call.retry_scheduled' ? { occurrence: 2 } : {}),
        ...(eventType === 'batch.paused' ? { pauseReason: batch.pauseReason } : {}),
      };
      const base = record({
        eventType,
        batchId: batch.id,
        agentId: batch.agentId,
        webhookId:
          eventType === 'call.retry_scheduled'
            ? `${eventType}:${recipient.id}:2`
            : `${eventType}:${recipient.id}`,
        recipientIndex: onRecipient ? 0 : null,
        ...(eventType === 'batch.paused' ? { pauseReason: batch.pauseReason } : {}),
      });
      const fromItems = await buildWebhookPayload(reader, base, { batch, recipient });
      const snapshot = payloadSnapshot(eventType, subject);
      // Stored as JSON-like data (what DynamoDB keeps of it), then sent from it alone.
      const stored = JSON.parse(JSON.stringify(snapshot)) as typeof snapshot;
      expect(await buildWebhookPayload(reader, { ...base, snapshot: stored }), eventType).toEqual(fromItems);
    }
    // The conversation is never copied into the record: only its key, for the one event that has it.
    expect(transcriptKeys).toEqual([recipient.transcriptKey, recipient.transcriptKey]);
  });
});
