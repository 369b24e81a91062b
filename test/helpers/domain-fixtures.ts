import { DEFAULT_RETRY_POLICY } from '#shared/domain/retry.ts';
import type { Agent } from '#shared/domain/agent.ts';
import { initialCounts, type Batch } from '#shared/domain/batch.ts';
import { newId } from '#shared/domain/ids.ts';
import type { OutboxRecord } from '#shared/domain/outbox.ts';
import type { PhoneNumber } from '#shared/domain/phone-number.ts';
import { newRecipient, type Recipient } from '#shared/domain/recipient.ts';

/** Whole domain objects for store tests, written straight to the table (not through the API). */

const CREATED_AT = '2025-01-02T03:04:05.000Z';

export function agentFixture(workspaceId: string, overrides: Partial<Agent> = {}): Agent {
  return {
    id: newId('agent'),
    workspaceId,
    name: 'Receptionist',
    prompt: 'Be kind.',
    firstMessage: null,
    phoneNumberId: null,
    telephony: {},
    webhookUrl: 'https://example.com/hooks',
    webhookEvents: ['batch.completed'],
    webhookSecrets: [{ secret: 'whsec_abc', expiresAt: null }],
    evaluationCriteria: [],
    dataCollection: [{ id: 'age', type: 'number', description: 'Age' }],
    optOutDataCollectionId: null,
    maxConcurrentCalls: 5,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    ...overrides,
  };
}

export function phoneNumberFixture(workspaceId: string, overrides: Partial<PhoneNumber> = {}): PhoneNumber {
  return {
    id: newId('phoneNumber'),
    workspaceId,
    phoneNumber: '+14155550100',
    label: 'Main line',
    provider: 'simulated',
    credentialsMasked: null,
    outbound: true,
    callsPerSecond: 1,
    createdAt: CREATED_AT,
    ...overrides,
  };
}

/**
 * A pending JSON batch that was never started, with no recipients unless overridden; `counts` follow
 * `totalRecipients` (all pending) unless they are overridden too.
 */
export function batchFixture(workspaceId: string, overrides: Partial<Batch> = {}): Batch {
  const totalRecipients = overrides.totalRecipients ?? 0;
  return {
    id: newId('batch'),
    workspaceId,
    name: 'Spring campaign',
    agentId: newId('agent'),
    phoneNumberId: newId('phoneNumber'),
    status: 'pending',
    scheduledAt: null,
    ringingTimeoutMs: 30_000,
    maxConcurrentCalls: 10,
    source: 'json',
    totalRecipients,
    counts: initialCounts(totalRecipients),
    failureReason: null,
    createdAt: CREATED_AT,
    startedAt: null,
    completedAt: null,
    cancelledAt: null,
    ...BATCH_CONTROLS_UNSET,
    ...overrides,
  };
}

/** A pending recipient of a batch that was never dialed; `index` 0 and `+14155551234` unless overridden. */
export function recipientFixture(
  batch: { batchId: string; workspaceId: string },
  overrides: Partial<Recipient> = {},
): Recipient {
  return {
    ...newRecipient({
      id: newId('recipient'),
      batchId: batch.batchId,
      workspaceId: batch.workspaceId,
      index: 0,
      phone: '+14155551234',
      dynamicVars: {},
    }),
    ...overrides,
  };
}

/** A pending `conversation.completed` record of the batch's recipient 0, written and due at `at`. */
export function outboxFixture(
  batch: { batchId: string; workspaceId: string },
  at: string,
  overrides: Partial<OutboxRecord> = {},
): OutboxRecord {
  return {
    webhookId: `conversation.completed:${newId('recipient')}`,
    workspaceId: batch.workspaceId,
    batchId: batch.batchId,
    agentId: newId('agent'),
    eventType: 'conversation.completed',
    recipientIndex: 0,
    occurredAt: at,
    status: 'pending',
    attempts: [],
    nextAttemptAt: at,
    createdAt: at,
    ...overrides,
  };
}

/** The round-two fields of a batch that a fixture built before them leaves at their defaults. */
export const BATCH_CONTROLS_UNSET = {
  pauseReason: null,
  pausedAt: null,
  stoppedAt: null,
  retry: DEFAULT_RETRY_POLICY,
  callingWindow: null,
  guardrails: null,
  duplicates: 'allow',
  contactLimit: null,
  variableColumns: [],
} as const satisfies Partial<Batch>;
