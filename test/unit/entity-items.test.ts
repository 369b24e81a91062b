import { describe, expect, it } from 'vitest';
import { agentToItem, itemToAgent } from '#shared/adapters/dynamodb/entities/agent.ts';
import { batchToItem, itemToBatch, itemToBatchRun } from '#shared/adapters/dynamodb/entities/batch.ts';
import { eventUpdate } from '#shared/adapters/dynamodb/entities/batch-transition.ts';
import { MalformedItemError } from '#shared/adapters/dynamodb/entities/parse.ts';
import { itemToPhoneNumber, phoneNumberToItem } from '#shared/adapters/dynamodb/entities/phone-number.ts';
import {
  itemToRecipient,
  itemToRecipientRun,
  recipientToItem,
} from '#shared/adapters/dynamodb/entities/recipient.ts';
import {
  itemToSuppression,
  suppressionListingToItem,
  suppressionToItem,
} from '#shared/adapters/dynamodb/entities/suppression.ts';
import { keys, parseBatchKey, parseOutboxKey, runKeys } from '#shared/adapters/dynamodb/keys.ts';
import { batchTransition } from '#shared/domain/batch.ts';
import { newId } from '#shared/domain/ids.ts';
import type { Recipient } from '#shared/domain/recipient.ts';
import type { Suppression } from '#shared/domain/suppression.ts';
import {
  agentFixture,
  batchFixture,
  phoneNumberFixture,
  recipientFixture,
} from '../helpers/domain-fixtures.ts';

/** Items are parsed back field by field: a round trip is exact, a malformed item fails naming the field. */

const workspaceId = newId('workspace');

function recipientOf(batchId: string): Recipient {
  return recipientFixture(
    { batchId, workspaceId },
    { index: 1, phone: '+14155550123', dynamicVars: { first_name: 'Alice', visits: 3 } },
  );
}

describe('entity items', () => {
  it('round-trip every domain field and drop the table attributes', () => {
    const agent = agentFixture(workspaceId);
    expect(itemToAgent(agentToItem(agent))).toEqual(agent);
    const phone = phoneNumberFixture(workspaceId);
    expect(itemToPhoneNumber(phoneNumberToItem(phone))).toEqual(phone);
    const batch = batchFixture(workspaceId, { totalRecipients: 2 });
    expect(itemToBatch(batchToItem(batch))).toEqual(batch);
    // A new batch has dispatched nobody, holds no dial turn and no wake-up, made no progress.
    expect(itemToBatchRun(batchToItem(batch))).toEqual({
      ...batch,
      progress: 0,
      dispatched: 0,
      slots: 0,
      wakeAt: null,
      callMs: 0,
      recentOutcomes: [],
      // Not started: its count of waiting recipients does not exist yet, so it says "maybe".
      mayHaveDue: true,
    });
    // The round-two fields too: a paused batch with retry rules and a calling window.
    const paused = batchFixture(workspaceId, {
      totalRecipients: 2,
      status: 'paused',
      pauseReason: 'user',
      pausedAt: '2025-01-02T04:00:00.000Z',
      retry: { maxAttempts: 3, rules: { busy: { delaySeconds: 900 }, no_answer: { delaySeconds: 3_600 } } },
      callingWindow: {
        timezone: 'recipient',
        defaultTimezone: 'America/Chicago',
        hours: [{ days: ['mon', 'tue'], start: '09:00', end: '17:00' }],
        excludeDates: ['2025-12-25'],
      },
      guardrails: { maxFailureRate: 0.5, minCalls: 10, maxCallMinutes: 12.5 },
      counts: { pending: 1, dialing: 0, completed: 0, failed: 0, skipped: 1 },
    });
    expect(itemToBatch(batchToItem(paused))).toEqual(paused);
    const recipient = recipientOf(batch.id);
    expect(itemToRecipient(recipientToItem(recipient))).toEqual(recipient);
    // A recipient on its second attempt: its marks count only when they hold that attempt. The second
    // call's end handed the turn over; its event is not recorded yet (only the first one's is).
    const retried: Recipient = {
      ...recipient,
      status: 'failed',
      outcome: 'busy',
      attempts: 2,
      endedAt: '2025-01-02T04:15:05.000Z',
      error: 'busy',
      timezones: ['America/Boise', 'America/Los_Angeles'],
      attemptHistory: [1, 2].map((attempt) => ({
        attempt,
        dialedAt: `2025-01-02T04:${attempt === 1 ? '00' : '15'}:00.000Z`,
        startedAt: null,
        endedAt: `2025-01-02T04:${attempt === 1 ? '00' : '15'}:05.000Z`,
        outcome: 'busy' as const,
        durationSecs: null,
        conversationId: null,
        error: 'busy',
      })),
    };
    expect(
      itemToRecipientRun({ ...recipientToItem(retried), handedOverAttempt: 2, eventRecordedAttempt: 1 }),
    ).toEqual({
      ...retried,
      dispatchedAt: null,
      dialingSince: null,
      provider: null,
      providerCallId: null,
      handedOver: true,
      eventRecorded: false,
      transcriptKey: null,
      dueSk: null,
    });
  });

  it('round-trip a suppression entry through both of its items, the TTL in epoch seconds', () => {
    const entry: Suppression = {
      id: newId('suppression'),
      workspaceId,
      phone: '+14155550123',
      reason: 'asked',
      source: 'call',
      conversationId: newId('conversation'),
      batchId: newId('batch'),
      recipientId: newId('recipient'),
      createdAt: '2025-01-02T03:04:05.000Z',
      expiresAt: '2025-02-02T03:04:06.000Z',
    };
    const item = suppressionToItem(entry);
    expect(item).toMatchObject({ PK: `SUP#${workspaceId}#+14155550123`, SK: 'SUP', expiresAt: 1738465446 });
    expect(itemToSuppression(item)).toEqual(entry);
    const listing = suppressionListingToItem(entry);
    expect(listing).toMatchObject({ PK: `WS#${workspaceId}`, SK: `SUP#${entry.id}` });
    expect(itemToSuppression(listing)).toEqual(entry);
    const forever = suppressionToItem({ ...entry, expiresAt: null });
    expect(forever).not.toHaveProperty('expiresAt');
    expect(itemToSuppression(forever).expiresAt).toBeNull();
    expect(() => itemToSuppression({ ...item, entity: 'agent' })).toThrow(MalformedItemError);
    expect(() => itemToSuppression({ ...item, source: 'sms' })).toThrow(/source is not one of/);
  });

  it('fail loudly on an item of another kind or with a field missing or mistyped', () => {
    const batchItem = batchToItem(batchFixture(workspaceId, { totalRecipients: 2 }));
    expect(() => itemToAgent(batchItem)).toThrow(MalformedItemError);
    expect(() => itemToAgent(batchItem)).toThrow(
      /Malformed batch item WS#.*\/BATCH#.*: expected entity agent/,
    );
    expect(() => itemToBatch({ ...batchItem, totalRecipients: '2' })).toThrow(
      /totalRecipients is not a number/,
    );
    expect(() => itemToBatch({ ...batchItem, status: 'done' })).toThrow(/status is not one of pending/);
    // The round-two statuses are statuses like any other.
    expect(itemToBatch({ ...batchItem, status: 'paused' }).status).toBe('paused');
    expect(itemToBatch({ ...batchItem, status: 'stopping' }).status).toBe('stopping');
    const { name: _name, ...withoutName } = batchItem;
    expect(() => itemToBatch(withoutName)).toThrow(/name is not a string/);
  });

  it('derive batch status conditions from the domain transitions', () => {
    const update = eventUpdate(workspaceId, 'batch_1', 'fail', { failureReason: 'gone' });
    const { from, to } = batchTransition('fail');
    const values = update.ExpressionAttributeValues ?? {};
    expect(from.map((_, i) => values[`:from${i}`])).toEqual(from);
    expect(values[':to']).toBe(to);
    // fail comes from pending, scheduled, running or paused.
    expect(update.ConditionExpression).toContain('#status IN (:from0, :from1, :from2, :from3)');
    // A finished batch leaves the sweeper's index of active batches.
    expect(update.UpdateExpression).toMatch(/REMOVE GSI1PK, GSI1SK$/);
    expect(eventUpdate(workspaceId, 'batch_1', 'start', {}).UpdateExpression).not.toContain('REMOVE');
  });

  it('read keys back only through keys.ts', () => {
    expect(parseBatchKey(keys.batch(workspaceId, 'batch_1'))).toEqual({ workspaceId, batchId: 'batch_1' });
    expect(parseOutboxKey(runKeys.outbox('batch_1', 'batch.completed:batch_1'))).toEqual({
      batchId: 'batch_1',
      webhookId: 'batch.completed:batch_1',
    });
    expect(() => parseBatchKey(keys.agent(workspaceId, 'agent_1'))).toThrow(/Not a batch key/);
  });
});
