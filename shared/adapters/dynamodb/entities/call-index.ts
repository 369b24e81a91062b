import type { CallRef } from '../../../ports/dialer.ts';
import type { RunStore } from '../../../ports/run-store.ts';
import { ENTITY, runKeys } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import type { Item, Table } from '../table-ops.ts';
import { expectEntity, read } from './parse.ts';

/**
 * Provider call id → our call: CALL#<provider>#<sha256 of call id> / CALL. Written once the provider
 * accepted a call, read by a callback that does not carry our ref.
 */

export type IndexedCall = CallRef & { recipientId: string };

/**
 * A provider calls back within minutes of a call's end (retries included: hours at most); the
 * sweeper reconciles from the recipient, not from here. So the entry expires on its own (TTL)
 * instead of waiting for its batch's retention clean-up, which does not reach this partition.
 */
export const CALL_INDEX_TTL_DAYS = 30;

export function callIndexItem(provider: string, providerCallId: string, call: IndexedCall): Item {
  return {
    ...runKeys.callIndex(provider, providerCallId),
    entity: ENTITY.callIndex,
    workspaceId: call.workspaceId,
    batchId: call.batchId,
    recipientIndex: call.recipientIndex,
    attempt: call.attempt,
    recipientId: call.recipientId,
    [TABLE.ttlAttribute]: Math.floor(Date.now() / 1000) + CALL_INDEX_TTL_DAYS * 86_400,
  };
}

export function itemToIndexedCall(item: Item): IndexedCall {
  expectEntity(item, ENTITY.callIndex);
  return {
    workspaceId: read.string(item, 'workspaceId'),
    batchId: read.string(item, 'batchId'),
    recipientIndex: read.number(item, 'recipientIndex'),
    attempt: read.number(item, 'attempt'),
    recipientId: read.string(item, 'recipientId'),
  };
}

export function callIndexStore(table: Table): Pick<RunStore, 'findCall'> {
  return {
    async findCall(provider, providerCallId) {
      const item = await table.get(runKeys.callIndex(provider, providerCallId));
      return item ? itemToIndexedCall(item) : null;
    },
  };
}
