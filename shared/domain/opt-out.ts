import type { Agent } from './agent.ts';
import type { Conversation } from './conversation.ts';
import type { RecipientStatus } from './recipient.ts';

/**
 * When a call opts its phone out (contract "Suppression list and opt-outs"): the agent names an
 * opt-out item (`opt_out_data_collection_id`, a boolean data-collection item), the call completed,
 * and its conversation collected that item as `true`. The provider-events path decides with it
 * whether the end leaves an opt-out to capture; the stream's reaction, whether to capture one.
 */
type OptOutAgent = Pick<Agent, 'optOutDataCollectionId'>;

/**
 * The item whose value says so, when this call can opt out at all; null when no conversation need
 * be read (the agent asks nothing of the kind, or the call did not complete).
 */
export function optOutItemOf(agent: OptOutAgent, status: RecipientStatus): string | null {
  return (status === 'completed' && agent.optOutDataCollectionId) || null;
}

export function callOptsOut(
  agent: OptOutAgent,
  status: RecipientStatus,
  conversation: Pick<Conversation, 'dataCollection'> | null | undefined,
): boolean {
  const itemId = optOutItemOf(agent, status);
  return itemId !== null && conversation?.dataCollection[itemId]?.value === true;
}
