import type { PauseReason } from './batch.ts';
import { WEBHOOK_EVENTS, type WebhookEvent } from './agent.ts';
import { isId } from './ids.ts';

/**
 * The webhook outbox: one record per event, written once, whose id is derived from the event (so a
 * stream retry or a sweeper pass writing it again finds it already there) and sent as `webhook-id`
 * on every attempt. The record is also the delivery log.
 */

export type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'failed' | 'disabled';

export interface DeliveryAttempt {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** True for an attempt asked for with "Redeliver". */
  manual: boolean;
}

export interface OutboxRecord {
  webhookId: string;
  workspaceId: string;
  batchId: string;
  agentId: string;
  eventType: WebhookEvent;
  /** The recipient for call events; null for batch events. */
  recipientIndex: number | null;
  /** When the event happened: the payload's `timestamp`, the same on every attempt. */
  occurredAt: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  nextAttemptAt: string | null;
  createdAt: string;
  /**
   * For `batch.paused`: why, as it was when the batch paused (the payload is built when it is sent,
   * from the batch as it is then, which may have been resumed meanwhile).
   */
  pauseReason?: PauseReason | null;
  /**
   * What the payload needs from the batch and recipient, taken when the event was recorded, so a
   * delivery reads neither (docs/webhooks.md, "Requests per delivery"). Absent on records written
   * before it existed: those build the payload from the items as they are when sent.
   */
  snapshot?: PayloadSnapshot;
}

/**
 * The payload of an event as it was when it happened, kept small: a record at most 1 KB is one write
 * unit per write, and a delivery writes it twice (docs/webhooks.md, "Requests per delivery").
 */
export interface PayloadSnapshot {
  /**
   * The payload's `data`, for a recipient's event without what the record itself names (`agent_id`,
   * `batch_id`, `recipient_id`) and without the conversation (kept in S3).
   */
  data: Record<string, unknown>;
  /**
   * `conversation.completed`: the attempt whose conversation is stored (its S3 key follows from it),
   * read when the event is sent; null when none is stored or for any other event.
   */
  conversationAttempt: number | null;
}

/**
 * `conversation.completed:rcp_…`, `batch.completed:batch_…`: one identity per event. An event that
 * can happen more than once to one subject adds its occurrence: the attempt of a
 * `call.retry_scheduled` (`…:rcp_…:2`), the time (ms) of a `batch.paused` or `batch.resumed`.
 */
export function webhookIdFor(eventType: WebhookEvent, subjectId: string, occurrence?: number): string {
  return occurrence === undefined ? `${eventType}:${subjectId}` : `${eventType}:${subjectId}:${occurrence}`;
}

/** The subject and occurrence a webhook id names (ours: as webhookIdFor made it). */
export function webhookIdParts(webhookId: string): { subjectId: string; occurrence: number | undefined } {
  const [, subjectId = '', occurrence] = webhookId.split(':');
  return { subjectId, occurrence: occurrence === undefined ? undefined : Number(occurrence) };
}

/** The delivery id of the public API names the batch and the event, so it needs no lookup item. */
export function deliveryIdOf(batchId: string, webhookId: string): string {
  return `whd_${Buffer.from(`${batchId} ${webhookId}`, 'utf8').toString('base64url')}`;
}

/** Longer than any id deliveryIdOf makes (≈130 characters); a longer one is not decoded at all. */
const DELIVERY_ID_MAX_LENGTH = 256;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `<event>:<recipient or batch id>[:<occurrence>]`, exactly as webhookIdFor makes them. */
function isWebhookId(value: string): boolean {
  const [event, subject, occurrence, ...rest] = value.split(':');
  if (!event || !subject || rest.length > 0) return false;
  if (!(WEBHOOK_EVENTS as readonly string[]).includes(event)) return false;
  if (occurrence !== undefined && !/^[0-9]{1,15}$/.test(occurrence)) return false;
  return isId('recipient', subject) || isId('batch', subject);
}

/**
 * The batch and webhook ids a public delivery id names, or null when it cannot name any delivery.
 * Client input: everything decoded is checked to be an id of our own shape before it can reach a
 * table key (a `#` would reach into another key namespace, a long value past DynamoDB's key size).
 */
export function parseDeliveryId(id: string): { batchId: string; webhookId: string } | null {
  if (!id.startsWith('whd_') || id.length > DELIVERY_ID_MAX_LENGTH) return null;
  const encoded = id.slice(4);
  if (!BASE64URL.test(encoded)) return null;
  const decoded = Buffer.from(encoded, 'base64url').toString('utf8');
  const [batchId, webhookId, ...rest] = decoded.split(' ');
  if (!batchId || !webhookId || rest.length > 0) return null;
  if (!isId('batch', batchId) || !isWebhookId(webhookId)) return null;
  return { batchId, webhookId };
}

/** How long one worker may hold the right to send an attempt: far above the 15 s send timeout. */
export const DELIVERY_CLAIM_MS = 60_000;

/** Keep the log bounded: the retry schedule makes 10 attempts; manual redeliveries add a few. */
export const MAX_LOGGED_ATTEMPTS = 50;
