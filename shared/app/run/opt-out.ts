import type { Agent } from '../../domain/agent.ts';
import type { Batch } from '../../domain/batch.ts';
import { newId } from '../../domain/ids.ts';
import { callOptsOut, optOutItemOf } from '../../domain/opt-out.ts';
import type { SkipReason } from '../../domain/recipient.ts';
import type { RecipientRun } from '../../ports/run-store.ts';
import { passTurn } from './dispatch.ts';
import type { RunDeps } from './run-deps.ts';

/**
 * An opt-out captured on a call (contract "Suppression list and opt-outs"): when a conversation ends
 * with the agent's opt-out item (`opt_out_data_collection_id`, a boolean data-collection item) true,
 * the phone goes on the workspace's suppression list (`source: call`, `reason: opted_out`, the
 * conversation) and every recipient with that phone still waiting in any batch of the workspace is
 * skipped (`opted_out`). Both steps are idempotent, so a redelivered reaction repeats them safely;
 * a recipient missed by a race is still never dialed: every claim checks the suppression list.
 */
type OptOutDeps = Pick<RunDeps, 'store' | 'runStore' | 'transcripts' | 'dialQueue' | 'clock' | 'logger'>;

/** Where the batches of every workspace that are not finished are listed: all of them. */
const EVERY_ATTENTION_TIME = '9999-12-31T23:59:59.999Z';

export async function captureOptOut(
  deps: OptOutDeps,
  agent: Agent,
  batch: Batch,
  recipient: RecipientRun,
): Promise<boolean> {
  // No read when the call cannot opt out (most calls: no opt-out item, or not completed).
  if (recipient.transcriptKey === null || optOutItemOf(agent, recipient.status) === null) return false;
  const conversation = await deps.transcripts.get(recipient.transcriptKey);
  if (!callOptsOut(agent, recipient.status, conversation)) return false;

  const now = deps.clock();
  await deps.store.addSuppression(
    {
      id: newId('suppression', now.getTime()),
      workspaceId: batch.workspaceId,
      phone: recipient.phone,
      reason: 'opted_out',
      source: 'call',
      conversationId: recipient.conversationId,
      batchId: batch.id,
      recipientId: recipient.id,
      createdAt: now.toISOString(),
      expiresAt: null,
    },
    now,
  );
  const skipped = await skipPhoneInWorkspace(deps, batch.workspaceId, recipient.phone, 'opted_out');
  deps.logger.info('opt-out captured on a call', { batchId: batch.id, recipientId: recipient.id, skipped });
  return true;
}

/**
 * Skips every waiting recipient with `phone` in the workspace's batches that are not finished. The
 * batches are found through the sweeper's index (every workspace's), their recipients read in full:
 * an opt-out is rare, and no per-phone index is kept for it. A recipient holding a dial turn passes it
 * on, so its batch keeps dialing at its concurrency.
 */
export async function skipPhoneInWorkspace(
  deps: OptOutDeps,
  workspaceId: string,
  phone: string,
  reason: SkipReason,
): Promise<number> {
  let skipped = 0;
  const batches = (await deps.runStore.listActiveBatches(EVERY_ATTENTION_TIME)).filter(
    (b) => b.workspaceId === workspaceId,
  );
  for (const { batchId } of batches) {
    const waiting = (await deps.runStore.listRecipientRuns(batchId)).filter(
      (r) => r.phone === phone && r.status === 'pending',
    );
    for (const r of waiting) {
      const heldSlot = r.dispatchedAt !== null;
      const ref = { workspaceId, batchId, recipientIndex: r.index };
      if (
        !(await deps.runStore.skipRecipient(ref, reason, {
          heldSlot,
          dueSk: r.dueSk,
          turnPassedOn: heldSlot,
        }))
      )
        continue;
      skipped++;
      if (heldSlot) await passTurn(deps, workspaceId, batchId);
    }
  }
  return skipped;
}
