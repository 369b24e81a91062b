import { newId } from '../../domain/ids.ts';
import { httpsRecordingUrl } from '../../domain/recording-url.ts';
import { endedAttempt, endedFields, statusForOutcome } from '../../domain/recipient.ts';
import { breakerMark, callTimeMs, hasBreaker } from '../../domain/guardrails.ts';
import { nextRetry } from '../../domain/retry.ts';
import type { CallEndedEvent, CallRef } from '../../ports/dialer.ts';
import type { CallEnd, RecipientRun } from '../../ports/run-store.ts';
import { callOptsOut } from '../../domain/opt-out.ts';
import { transcriptKey } from '../../ports/transcripts.ts';
import { passTurn } from './dispatch.ts';
import { applyGuardrails } from './guardrails.ts';
import { queueWebhook, recipientEventRecord } from './outbox-events.ts';
import type { RunDeps } from './run-deps.ts';

/**
 * A call ended (a verified provider callback, or the sweeper's reconciliation). One transaction moves
 * the recipient `dialing → completed|failed` for this very attempt, updates the batch counts and gives
 * the call slot back; a duplicate callback finds the recipient already ended and changes nothing.
 * The conversation goes to S3 first, under a key derived from the recipient, so a retried callback
 * writes the same object again. Then the freed slot goes straight to the next recipient: waiting for
 * the table's stream to do it would add a hop to every call of a batch larger than its concurrency.
 * The end transaction marks the recipient handed over, so the stream reaction does not dispatch too;
 * if the dispatch fails, the mark is given back and the stream (or the sweeper) does it instead.
 * An attempt whose outcome the batch's retry rules name (and attempts remain) is not an end: the
 * same transaction puts the recipient back to `pending`, due at its retry time (./dispatch.ts).
 */
export type CallEndedResult = 'recorded' | 'duplicate' | 'unknown_call';

export async function recordCallEnded(
  deps: Pick<
    RunDeps,
    'store' | 'runStore' | 'transcripts' | 'logger' | 'dialQueue' | 'webhookQueue' | 'clock'
  >,
  provider: string,
  event: CallEndedEvent,
): Promise<CallEndedResult> {
  const ref: CallRef | null = event.ref ?? (await deps.runStore.findCall(provider, event.providerCallId));
  if (!ref) return 'unknown_call';
  // Read together: the callback's path (the next dial waits on it) has one round trip of reads.
  const { recipient, batch } = await deps.runStore.getRunReads(ref, { recipient: true, agent: false });
  if (!recipient || recipient.workspaceId !== ref.workspaceId || !batch) return 'unknown_call';
  if (recipient.status !== 'dialing' || recipient.attempts !== ref.attempt) return 'duplicate';
  // A callback about another call than the one this attempt placed is not ours to apply.
  if (recipient.providerCallId && recipient.providerCallId !== event.providerCallId) return 'duplicate';

  let key: string | null = null;
  if (event.conversation) {
    // Attempts after the first keep their own object: a voicemail may be retried and answered later.
    key = transcriptKey(ref.workspaceId, ref.batchId, recipient.id, ref.attempt);
    // Whatever the provider sent, only an https recording URL is stored (domain/recording-url.ts).
    const conversation = {
      ...event.conversation,
      recordingUrl: httpsRecordingUrl(event.conversation.recordingUrl),
    };
    await deps.transcripts.put(key, conversation);
  }
  const status = statusForOutcome(event.outcome);
  // Retried only while the batch may still dial (a paused one keeps its waiting recipients for the
  // resume); an attempt that ends while the batch stops, or after it ended, is its recipient's last.
  const mayRetry = batch.status === 'running' || batch.status === 'paused';
  const endedAt = new Date(Date.parse(event.endedAt) || deps.clock().getTime());
  const retryAt = mayRetry ? nextRetry(batch.retry, event.outcome, ref.attempt, endedAt) : null;
  const end: CallEnd = {
    status,
    outcome: event.outcome,
    startedAt: event.startedAt,
    endedAt: event.endedAt,
    durationSecs: event.durationSecs,
    error:
      status === 'failed' ? (event.error ?? `The call ended as ${event.outcome.replace('_', ' ')}.`) : null,
    conversationId: event.conversation
      ? newId('conversation', Date.parse(event.endedAt) || Date.now())
      : null,
    transcriptKey: key,
    dialedAt: recipient.dialingSince,
    retryAt: retryAt?.toISOString() ?? null,
    liveShard: recipient.liveShard,
    breakerMark: hasBreaker(batch.guardrails),
  };
  // The attempt's webhook and the mark that its event is recorded ride in the end transaction, so
  // the stream's reaction to this end has nothing to do (an opt-out to capture is still left to it).
  const agent = await deps.store.getAgent(ref.workspaceId, batch.agentId);
  const now = deps.clock().toISOString();
  const after = recipientAfterEnd(recipient, ref.attempt, end);
  const outbox = agent ? recipientEventRecord(agent, batch, after, now) : null;
  const optOut = agent !== null && callOptsOut(agent, after.status, event.conversation);
  const options = { handOver: true, outbox, eventRecorded: !optOut };
  // The dial turn goes to the next fresh recipient in the same write, when the batch read says one
  // is next (no waiting recipient first): no cursor write, no dispatch mark of their own.
  const passInEnd =
    batch.status === 'running' && !batch.mayHaveDue && batch.dispatched < batch.totalRecipients;
  const ended = passInEnd
    ? await deps.runStore.endCallAndPass(ref, end, { ...options, dispatched: batch.dispatched, now })
    : { ended: await deps.runStore.endCall(ref, end, options), handedTo: null };
  if (!ended.ended) return 'duplicate';
  if (outbox) await queueWebhook(deps, outbox);
  // The guardrails see this attempt before its turn passes on, so a tripped breaker or a reached cap
  // starts no further call (the batch item has this attempt's figures now). This is the only check
  // for this end: it recorded its event, so the stream's reaction returns before its own
  // (reactions.ts onRecipientEnded) unless an opt-out is left to it. A crash between the end and this
  // check leaves it to the next end's check, which reads these figures too.
  await applyGuardrails(deps, {
    ...batch,
    recentOutcomes: end.breakerMark
      ? [...batch.recentOutcomes, breakerMark(event.outcome)]
      : batch.recentOutcomes,
    callMs: batch.callMs + callTimeMs(event.startedAt, event.endedAt, event.durationSecs),
  });
  try {
    if (ended.handedTo !== null) {
      // Marked dispatched by the end: a message lost now is found by the sweeper, as any other.
      await deps.dialQueue.send([
        {
          workspaceId: ref.workspaceId,
          batchId: ref.batchId,
          recipientIndex: ended.handedTo,
          attempt: 1,
          agentId: batch.agentId,
          phoneNumberId: batch.phoneNumberId,
        },
      ]);
    } else {
      await passTurn(deps, ref.workspaceId, ref.batchId, batch);
    }
  } catch (error) {
    // The end is recorded; the stream reaction (or the sweeper) hands the slot over instead.
    deps.logger.warn('hand-over after the call ended failed; the stream will do it', {
      batchId: ref.batchId,
      index: ref.recipientIndex,
      error,
    });
    await deps.runStore
      .releaseHandOver(ref.batchId, ref.recipientIndex, ref.attempt)
      .catch((releaseError: unknown) =>
        // Not even that: the sweeper tops the batch up once it has been quiet for its grace period.
        deps.logger.error('could not give the hand-over mark back', {
          batchId: ref.batchId,
          index: ref.recipientIndex,
          error: releaseError,
        }),
      );
  }
  return 'recorded';
}

/** The recipient as the end transaction leaves it: what its event's payload snapshot describes. */
function recipientAfterEnd(recipient: RecipientRun, attempt: number, end: CallEnd): RecipientRun {
  return {
    ...recipient,
    ...endedFields(end),
    transcriptKey: end.transcriptKey,
    attemptHistory: [...recipient.attemptHistory, endedAttempt(attempt, end)],
  };
}
