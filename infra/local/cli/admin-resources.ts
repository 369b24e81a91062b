import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsQueue } from '#shared/adapters/sqs/sqs-queue.ts';
import type { ForceFinishDeps } from '#shared/app/run/force-finish.ts';
import type { RunLogger } from '#shared/app/run/run-deps.ts';
import type { MessageQueue } from '#shared/ports/queues.ts';
import type { RunStore } from '#shared/ports/run-store.ts';
import type { Store } from '#shared/ports/store.ts';
import { stageQueueName } from '../../queue-names.ts';
import type { QueueRef } from './redrive.ts';

/**
 * How the admin command finds a deployment's resources, and the run dependencies its force-finish
 * gets. A deployed stage is found by convention, without reading the stacks: its queues by name
 * (infra/queue-names.ts, `batch-calls-<stage>-…`), its table by the name CloudFormation generates
 * from the stateful stack's name and the table's logical id (`batch-calls-<stage>-stateful-Table…`),
 * unless `--table` names it. Local mode's queues have the short names.
 */

/** The prefix of the table's physical name that CloudFormation generates for a stage. */
export function stageTablePrefix(stage: string): string {
  return `batch-calls-${stage}-stateful-Table`;
}

export class ResourceNotFoundError extends Error {
  override name = 'ResourceNotFoundError';
}

/** The one table of the stage; refuses none or several (a stage name that prefixes another's). */
export async function findStageTable(client: DynamoDBClient, stage: string): Promise<string> {
  const prefix = stageTablePrefix(stage);
  const found: string[] = [];
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start, Limit: 100 }));
    found.push(...(page.TableNames ?? []).filter((name) => name.startsWith(prefix)));
    start = page.LastEvaluatedTableName;
  } while (start);
  if (found.length === 1 && found[0]) return found[0];
  throw new ResourceNotFoundError(
    found.length === 0
      ? `No table named ${prefix}… in this region: is stage the right one? (--table <TableName> names it)`
      : `Several tables match ${prefix}…: ${found.join(', ')}; name one with --table`,
  );
}

/** A queue's URL and ARN by its name in the target (`stage` null: local mode's short names). */
export async function findQueue(sqs: SQSClient, stage: string | null, name: string): Promise<QueueRef> {
  const queueName = stage ? stageQueueName(stage, name) : name;
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl;
  } catch (error) {
    if (error instanceof Error && /NonExistentQueue|QueueDoesNotExist/.test(error.name)) url = undefined;
    else throw error;
  }
  if (!url) throw new ResourceNotFoundError(`No queue named ${queueName}`);
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = attributes.Attributes?.QueueArn;
  if (!arn) throw new ResourceNotFoundError(`Queue ${queueName} has no ARN`);
  return { url, arn };
}

/** Prints the run's log lines for a person: the message and its ids, on stderr. */
export const consoleLogger: RunLogger = {
  info: (message, extra) => console.error(`${message} ${JSON.stringify(extra)}`),
  warn: (message, extra) => console.error(`warning: ${message} ${JSON.stringify(extra, errorFields)}`),
  error: (message, extra) => console.error(`error: ${message} ${JSON.stringify(extra, errorFields)}`),
};

function errorFields(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}

export interface OperatorQueues {
  dial: string;
  webhook: string;
}

/**
 * What force-finish runs with. The queues are the service's own when they can be reached; without
 * them (a local store with no `npm start` running) a webhook whose message cannot be sent stays due
 * in the outbox, and the sweeper queues it on its next run (shared/app/run/outbox-events.ts).
 * The admin command manages no schedules: a start or wake-up schedule of a batch it finished fires
 * into a no-op (the start is conditioned on a pending/scheduled batch, a wake-up on a running one),
 * and EventBridge Scheduler deletes it after it ran.
 */
export function operatorRunDeps(options: {
  store: Store;
  runStore: RunStore;
  sqs: SQSClient | null;
  queues: OperatorQueues | null;
}): ForceFinishDeps {
  const { sqs, queues } = options;
  const queue = <T>(url: string | undefined, name: string): MessageQueue<T> =>
    sqs && url
      ? createSqsQueue<T>({ client: sqs, queueUrl: url })
      : {
          send: () => Promise.reject(new Error(`the ${name} queue is not reachable from this command`)),
        };
  const noSchedules = (what: string) => () =>
    Promise.reject(new Error(`the admin command does not ${what} (see infra/local/cli/admin-resources.ts)`));
  return {
    store: options.store,
    runStore: options.runStore,
    dialQueue: queue(queues?.dial, 'dial'),
    webhookQueue: queue(queues?.webhook, 'webhook'),
    scheduler: {
      scheduleStart: noSchedules('create start schedules'),
      cancelStart: noSchedules('delete start schedules'),
      // A finishing batch needs no wake-up; one set before fires into a no-op.
      scheduleWake: () => Promise.resolve(),
    },
    transcripts: {
      // Only a completed call's transcript is ever read; force-finish ends calls failed.
      get: () => Promise.reject(new Error('the admin command reads no transcripts')),
      put: () => Promise.reject(new Error('the admin command writes no transcripts')),
    },
    clock: () => new Date(),
    logger: consoleLogger,
  };
}
