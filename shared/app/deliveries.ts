import { NotFoundError } from '../domain/errors.ts';
import { parseDeliveryId, type OutboxRecord } from '../domain/outbox.ts';
import type { Conversation } from '../ports/dialer.ts';
import type { AppDeps } from './deps.ts';

/** A batch's webhook delivery log, manual redelivery, and a recipient's conversation. */

export async function listDeliveries(
  deps: Pick<AppDeps, 'store' | 'runStore'>,
  workspaceId: string,
  batchId: string,
): Promise<OutboxRecord[]> {
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  return deps.runStore.listOutbox(batchId);
}

/**
 * Sends an event again with the same `webhook-id` (new timestamp and signature). A delivery still in
 * its automatic schedule is simply tried now; a finished one gets one manual attempt.
 */
export async function redeliver(
  deps: Pick<AppDeps, 'store' | 'runStore' | 'webhookQueue' | 'clock'>,
  workspaceId: string,
  deliveryId: string,
): Promise<OutboxRecord> {
  const parsed = parseDeliveryId(deliveryId);
  const notFound = new NotFoundError(`Webhook delivery ${deliveryId} does not exist.`);
  if (!parsed) throw notFound;
  const batch = await deps.store.getBatch(workspaceId, parsed.batchId);
  if (!batch) throw notFound;
  const record = await deps.runStore.getOutbox(parsed.batchId, parsed.webhookId);
  if (!record || record.workspaceId !== workspaceId) throw notFound;
  const requeued = await deps.runStore.requeueDelivery(
    parsed.batchId,
    parsed.webhookId,
    deps.clock().toISOString(),
    {
      manual: record.status !== 'pending' && record.status !== 'retrying',
    },
  );
  if (!requeued) throw notFound;
  await deps.webhookQueue.send([{ batchId: parsed.batchId, webhookId: parsed.webhookId }]);
  return requeued;
}

export async function getConversation(
  deps: Pick<AppDeps, 'store' | 'runStore' | 'transcripts'>,
  workspaceId: string,
  batchId: string,
  recipientId: string,
): Promise<Conversation> {
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  const recipient = (await deps.runStore.listRecipientRuns(batchId)).find((r) => r.id === recipientId);
  if (!recipient) throw new NotFoundError(`Recipient ${recipientId} does not exist in batch ${batchId}.`);
  const conversation = recipient.transcriptKey ? await deps.transcripts.get(recipient.transcriptKey) : null;
  if (!conversation) throw new NotFoundError(`Recipient ${recipientId} has no conversation (yet).`);
  return conversation;
}
