import type { Agent } from '../../../domain/agent.ts';
import { StateConflictError } from '../../../domain/errors.ts';
import type { AgentStore } from '../../../ports/store.ts';
import { assertStorable } from '../item-size.ts';
import { ENTITY, keys, SK_PREFIX, workspacePartition } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import type { Item, Table } from '../table-ops.ts';
import { queryPage } from './paging.ts';
import { expectEntity, read } from './parse.ts';
import { createItem, stored, type Stored } from './stored.ts';

/** An agent: WS#<ws> / AGENT#<id>. Replaced whole under optimistic locking on `updatedAt`. */

export function agentToItem(agent: Agent): Stored<Agent> {
  return stored(agent, keys.agent(agent.workspaceId, agent.id), ENTITY.agent);
}

export function itemToAgent(item: Item): Agent {
  expectEntity(item, ENTITY.agent);
  return {
    id: read.string(item, 'id'),
    workspaceId: read.string(item, 'workspaceId'),
    name: read.string(item, 'name'),
    prompt: read.string(item, 'prompt'),
    firstMessage: read.nullableString(item, 'firstMessage'),
    phoneNumberId: read.nullableString(item, 'phoneNumberId'),
    telephony: read.map(item, 'telephony'),
    webhookUrl: read.nullableString(item, 'webhookUrl'),
    webhookEvents: read.list(item, 'webhookEvents'),
    webhookSecrets: read.list(item, 'webhookSecrets'),
    evaluationCriteria: read.list(item, 'evaluationCriteria'),
    dataCollection: read.list(item, 'dataCollection'),
    optOutDataCollectionId: read.nullableString(item, 'optOutDataCollectionId'),
    maxConcurrentCalls: read.number(item, 'maxConcurrentCalls'),
    createdAt: read.string(item, 'createdAt'),
    updatedAt: read.string(item, 'updatedAt'),
  };
}

export function agentStore(table: Table): AgentStore {
  return {
    async putAgent(agent) {
      await createItem(table, agentToItem(agent), `Agent ${agent.id}`);
    },

    async replaceAgent(agent, expectedUpdatedAt) {
      const item = agentToItem(agent);
      assertStorable(item, `Agent ${agent.id}`);
      const written = await table.put({
        Item: item,
        ConditionExpression: 'attribute_exists(#pk) AND #updatedAt = :expected',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      if (written.ok) return;
      const old = written.old ?? (await table.get(keys.agent(agent.workspaceId, agent.id)));
      const message = old
        ? `Agent ${agent.id} was changed meanwhile (updated at ${String(old.updatedAt)}, expected ${expectedUpdatedAt})`
        : `Agent ${agent.id} does not exist`;
      throw new StateConflictError(message, { cause: written.cause });
    },

    async getAgent(workspaceId, id) {
      const item = await table.get(keys.agent(workspaceId, id));
      return item ? itemToAgent(item) : null;
    },

    listAgents(workspaceId, page) {
      return queryPage(table, {
        partition: workspacePartition(workspaceId),
        skPrefix: SK_PREFIX.agent,
        page,
        newestFirst: false,
        filter: null,
        toDomain: itemToAgent,
      });
    },

    deleteAgent(workspaceId, id) {
      return table.deleteExisting(keys.agent(workspaceId, id));
    },
  };
}
