import * as z from 'zod';
import type { CallRef } from '../domain/call-ref.ts';

/**
 * The messages on the service's own queues (SQS): their one description. The ports' types are
 * inferred from these schemas (shared/ports/queues.ts) and the queue consumers parse every record with
 * them (functions/queues/*), so what is sent and what is read cannot drift apart. Not strict: a
 * field added by a newer sender is ignored by an older consumer, and a field an older sender left out
 * is optional here.
 */

/**
 * A recipient to dial: one message per recipient and attempt. `agentId` and `phoneNumberId` (the
 * batch's) let the dial read everything it needs in one round trip; a message without them (queued by
 * an older version) is dialed as well.
 */
export const dialMessageSchema = z.object({
  workspaceId: z.string().min(1),
  batchId: z.string().min(1),
  recipientIndex: z.number().int().min(0),
  attempt: z.number().int().min(1),
  agentId: z.string().min(1).optional(),
  phoneNumberId: z.string().min(1).optional(),
});
export type DialMessage = z.infer<typeof dialMessageSchema>;

/**
 * An outbox record to deliver. The record's workspace, agent and recipient index, when the message
 * carries them, let the delivery read everything it needs in one round trip.
 */
export const webhookMessageSchema = z.object({
  batchId: z.string().min(1),
  webhookId: z.string().min(1),
  workspaceId: z.string().min(1).optional(),
  agentId: z.string().min(1).optional(),
  recipientIndex: z.number().int().min(0).nullable().optional(),
});
export type WebhookMessage = z.infer<typeof webhookMessageSchema>;

// A dial message is a call reference (plus the batch's agent and number).
const _dialIsCallRef = (m: DialMessage): CallRef => m;
void _dialIsCallRef;
