import type { EndpointHealth } from '../../../domain/endpoint-breaker.ts';
import type { RunStore } from '../../../ports/run-store.ts';
import { ENTITY, runKeys } from '../keys.ts';
import { TABLE } from '../table-definition.ts';
import type { Item, Table } from '../table-ops.ts';
import { expectEntity, read } from './parse.ts';

/**
 * The circuit breaker of an agent's webhook endpoint (shared/domain/endpoint-breaker.ts):
 * HOOKEP#<ws>#<agentId> / HOOKEP. Read in the delivery's one BatchGetItem, so a healthy endpoint
 * costs no request; written only when its state changes. Every write is conditioned on the URL it
 * was decided for (`urlKey`), so an outcome of the old URL never lands on a new one. Closed is
 * `openUntil` absent.
 */

export function itemToEndpointHealth(item: Item): EndpointHealth {
  expectEntity(item, ENTITY.webhookEndpoint);
  return {
    urlKey: read.string(item, 'urlKey'),
    failures: read.number(item, 'failures'),
    openUntil: read.nullableNumber(item, 'openUntil'),
    probeUntil: read.nullableNumber(item, 'probeUntil'),
  };
}

type EndpointOps = 'takeEndpointProbe' | 'countEndpointFailure' | 'setEndpointState';

export function webhookEndpointStore(table: Table): Pick<RunStore, EndpointOps> {
  return {
    async takeEndpointProbe(ref, urlKey, { fresh, nowMs, untilMs }) {
      const Key = runKeys.webhookEndpoint(ref.workspaceId, ref.agentId);
      if (fresh) {
        // First sight of this URL: the state starts half-open, with this probe in flight.
        const written = await table.put({
          Item: {
            ...Key,
            entity: ENTITY.webhookEndpoint,
            urlKey,
            failures: 0,
            openUntil: nowMs,
            probeUntil: untilMs,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR urlKey <> :url',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          ExpressionAttributeValues: { ':url': urlKey },
        });
        return written.ok;
      }
      const written = await table.update({
        Key,
        UpdateExpression: 'SET probeUntil = :until',
        ConditionExpression:
          'urlKey = :url AND openUntil <= :now AND (attribute_not_exists(probeUntil) OR probeUntil < :now)',
        ExpressionAttributeValues: { ':url': urlKey, ':now': nowMs, ':until': untilMs },
      });
      return written.ok;
    },

    async countEndpointFailure(ref, urlKey) {
      const written = await table.update({
        Key: runKeys.webhookEndpoint(ref.workspaceId, ref.agentId),
        UpdateExpression: 'ADD failures :one',
        ConditionExpression: 'urlKey = :url',
        ExpressionAttributeValues: { ':url': urlKey, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      });
      return written.ok && typeof written.item.failures === 'number' ? written.item.failures : null;
    },

    async setEndpointState(ref, urlKey, { openUntil, resetFailures, endsProbe, onlyIfClosed }) {
      const set = [
        ...(openUntil === null ? [] : ['openUntil = :open']),
        ...(resetFailures ? ['failures = :zero'] : []),
      ];
      const remove = [...(openUntil === null ? ['openUntil'] : []), ...(endsProbe ? ['probeUntil'] : [])];
      const update = [
        ...(set.length > 0 ? [`SET ${set.join(', ')}`] : []),
        ...(remove.length > 0 ? [`REMOVE ${remove.join(', ')}`] : []),
      ].join(' ');
      if (update === '') return;
      await table.update({
        Key: runKeys.webhookEndpoint(ref.workspaceId, ref.agentId),
        UpdateExpression: update,
        ConditionExpression: onlyIfClosed
          ? 'urlKey = :url AND attribute_not_exists(openUntil)'
          : 'urlKey = :url',
        ExpressionAttributeValues: {
          ':url': urlKey,
          ...(openUntil === null ? {} : { ':open': openUntil }),
          ...(resetFailures ? { ':zero': 0 } : {}),
        },
      });
    },
  };
}
