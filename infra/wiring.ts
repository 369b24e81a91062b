/**
 * The one description of how the service is wired: which function serves which route or trigger,
 * with which settings and which access. The CDK app (infra/) and the local runtime (infra/local/)
 * both read it, so the local mode cannot drift from what AWS runs; a parity test checks both sides.
 * Paths use API Gateway's `{param}` syntax; the routes themselves come from the route table
 * (shared/contracts/route-paths.ts).
 */

import {
  type HttpMethod,
  ROUTE_IDS,
  ROUTE_PATHS,
  type RouteAuth,
  type RouteFunction,
  routeKeyOf,
} from '#shared/contracts/route-paths.ts';
import { type DataFile, PHONE_METADATA_DATA, PHONE_TIMEZONES_DATA } from './data-files.ts';

export { type DataFile, PHONE_METADATA_DATA, PHONE_TIMEZONES_DATA };

/** The functions serving routes (the route table names them) and those with other triggers. */
export type FunctionName =
  RouteFunction | 'tableStream' | 'startBatch' | 'dial' | 'deliverWebhook' | 'sweeper';

/**
 * The DynamoDB actions a function may use on the table (IAM names, without `dynamodb:`). Each function
 * lists what its code path calls, nothing more: no Scan anywhere (no request path scans), BatchWriteItem
 * only where items are written or removed 25 at a time. A TransactWriteItems is authorized per part
 * (Put → PutItem, Update → UpdateItem, Delete → DeleteItem, ConditionCheck → ConditionCheckItem).
 */
export const TABLE_ACTIONS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'ConditionCheckItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
] as const;
export type TableAction = (typeof TABLE_ACTIONS)[number];

/**
 * The run path's actions (dial, provider events, stream reactions, start, sweeper share its use
 * cases): reads, the claim and end transactions (condition checks on suppressions and due items,
 * puts of outbox and call-index items, deletes of due items and creation markers).
 */
const RUN_PATH_TABLE_ACTIONS: readonly TableAction[] = TABLE_ACTIONS.filter(
  (action) => action !== 'BatchWriteItem',
);

/**
 * Provider credentials of a stage are named under this prefix, and each function's secrets grant
 * covers this prefix only: a dev stack in prod's account cannot read or delete prod's secrets.
 */
export function secretsPrefix(stage: string): string {
  return `batch-calls/${stage}/`;
}

/** The stage local mode names its secrets under (its secrets file). */
export const LOCAL_STAGE = 'local';

/** What a function may touch; the CDK app turns each entry into a `grant*` call, nothing broader. */
export interface FunctionAccess {
  /** Its DynamoDB actions on the table (Query also on its index). */
  table?: readonly TableAction[];
  /** Queues it sends to. */
  sendTo?: QueueName[];
  transcripts?: 'read' | 'write';
  /** Creates and deletes the one-time start schedules (and passes the scheduler's role). */
  scheduler?: boolean;
  /** Provider credentials in Secrets Manager under the stage's prefix (`secretsPrefix`). */
  secrets?: 'read' | 'readWrite';
  /**
   * CSV uploads under the files bucket's uploads/ prefix: `sign` pre-signs their POST (the signature
   * carries the role's PutObject right), `read` reads them back when a batch names one.
   */
  uploads?: 'sign' | 'read';
  /** Writes large results exports under the files bucket's exports/ prefix and pre-signs their GET. */
  exports?: boolean;
}

export interface FunctionSpec {
  /** Module exporting `handler` (the Lambda entry). */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  access: FunctionAccess;
  /** Data files it reads at run time (only the functions that need them carry them). */
  dataFiles?: readonly DataFile[];
  /**
   * Its routes answer with a stream, which API Gateway cannot carry: in AWS it has a function URL with
   * response streaming, locally the gateway streams it (docs/live-progress.md).
   */
  streamsAnswers?: true;
}

export const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  apiCreate: {
    entry: 'functions/http/api-create.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    access: {
      // Checks API keys, writes a batch (recipients 25 at a time), its idempotency record and, when
      // scheduled, its start schedule; validates phones and resolves their time zones (data files).
      table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
      scheduler: true,
      uploads: 'read',
    },
    dataFiles: [PHONE_METADATA_DATA, PHONE_TIMEZONES_DATA],
  },
  apiBatches: {
    entry: 'functions/http/api-batches.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    access: {
      // Checks API keys; reads batches, recipients, deliveries; controls and edits batches (a cancel
      // deletes the start schedule; the stream skips a stopped batch's recipients); redelivers events.
      table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      scheduler: true,
      sendTo: ['webhook'],
      transcripts: 'read',
      uploads: 'sign',
      exports: true,
    },
  },
  apiSettings: {
    entry: 'functions/http/api-settings.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    access: {
      // Checks API keys; agents, phone numbers (one item at a time) and the numbers' credentials.
      table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      secrets: 'readWrite',
    },
    dataFiles: [PHONE_METADATA_DATA],
  },
  apiSuppressions: {
    entry: 'functions/http/api-suppressions.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    access: {
      // Checks API keys; adds (one transaction per phone, a CSV import too), lists, reads and removes
      // suppressions.
      table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    },
    dataFiles: [PHONE_METADATA_DATA],
  },
  providerEvents: {
    entry: 'functions/http/provider-events.ts',
    memoryMb: 512,
    // It dials the freed turn's next recipient itself (a provider request, a pacing wait of up to
    // 3 s); API Gateway's HTTP API waits 30 s at most for an integration.
    timeoutSeconds: 29,
    // Sends to the dial queue: it hands a finished call's slot to the next recipient itself; and to
    // the webhook queue: the end's transaction writes the attempt's outbox record (call-ended.ts).
    access: {
      table: RUN_PATH_TABLE_ACTIONS,
      sendTo: ['dial', 'webhook'],
      transcripts: 'write',
      secrets: 'read',
    },
  },
  tableStream: {
    entry: 'functions/streams/table-stream.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    // Creates the wake-up schedules of waiting batches (a batch's `wakeAt` changing); removes what an
    // expired batch left, 25 items a write.
    access: {
      table: [...RUN_PATH_TABLE_ACTIONS, 'BatchWriteItem'],
      sendTo: ['dial', 'webhook'],
      transcripts: 'read',
      scheduler: true,
    },
  },
  startBatch: {
    entry: 'functions/schedules/start-batch.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    access: { table: RUN_PATH_TABLE_ACTIONS, sendTo: ['dial'] },
  },
  dial: {
    entry: 'functions/queues/dial.ts',
    memoryMb: 512,
    timeoutSeconds: 30,
    access: { table: RUN_PATH_TABLE_ACTIONS, sendTo: ['dial'], secrets: 'read' },
  },
  deliverWebhook: {
    entry: 'functions/queues/deliver-webhook.ts',
    memoryMb: 256,
    // 10 messages × a 15 s delivery timeout must fit, with room.
    timeoutSeconds: 180,
    // Claims the record (the claim returns it) and records attempts; reads the agent with the
    // endpoint breaker item (put by its first probe), and for an old record its batch and recipient.
    access: {
      table: ['BatchGetItem', 'PutItem', 'UpdateItem'],
      sendTo: ['webhook'],
      transcripts: 'read',
    },
  },
  events: {
    entry: 'functions/http/events.ts',
    memoryMb: 256,
    // A stream lasts up to this long, less a margin; the client then reconnects with Last-Event-ID
    // (a Lambda function URL streams for at most 15 minutes).
    timeoutSeconds: 300,
    // Reads API keys (shared/http/authenticate.ts's lookup), the batch, its live event log and the
    // recipients the log names (one BatchGetItem per read that found changes).
    access: { table: ['GetItem', 'BatchGetItem', 'Query'] },
    streamsAnswers: true,
  },
  sweeper: {
    entry: 'functions/schedules/sweeper.ts',
    memoryMb: 512,
    timeoutSeconds: 120,
    // Writes transcripts: a call it settles through the provider's API (its callback lost) keeps its
    // transcript like any other (issue 11: without the grant, that call was recorded failed).
    // BatchWriteItem: removes what abandoned creates left, 25 recipients a write.
    access: {
      table: [...RUN_PATH_TABLE_ACTIONS, 'BatchWriteItem'],
      sendTo: ['dial', 'webhook'],
      secrets: 'read',
      transcripts: 'write',
    },
  },
};

export type { HttpMethod };

export interface RouteSpec {
  method: HttpMethod;
  path: string;
  function: FunctionName;
  /** How the request authenticates (the route table's): its function checks it, nothing in front. */
  auth: RouteAuth;
  /**
   * `httpApi`: a route of the HTTP API. `functionUrl`: the function streams its answer, which API
   * Gateway cannot carry: in AWS it is the function's URL (response streaming), locally the gateway
   * streams it (docs/live-progress.md).
   */
  via: 'httpApi' | 'functionUrl';
}

/**
 * Every route of the route table (shared/contracts/route-paths.ts), with the function the table names
 * for it. No route has anything in front of its function: API-key routes are authenticated by the
 * function serving them (shared/http/authenticate.ts), provider callbacks by their signature, and the
 * open API description by nothing.
 */
export const ROUTES: readonly RouteSpec[] = ROUTE_IDS.map((id) => {
  const { method, path, auth, function: name } = ROUTE_PATHS[id];
  return {
    method,
    path,
    auth,
    function: name,
    via: FUNCTIONS[name].streamsAnswers ? 'functionUrl' : 'httpApi',
  };
});

export function routeKey(route: Pick<RouteSpec, 'method' | 'path'>): string {
  return routeKeyOf(route);
}

/** API Gateway HTTP API payload limit; larger requests never reach a function. */
export const HTTP_API_MAX_BODY_BYTES = 10 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Queues and event sources
// ---------------------------------------------------------------------------------------------

export type QueueName = 'dial' | 'webhook';

export interface QueueSpec {
  /** At least 6 × the consumer's timeout (AWS's advice for Lambda event sources). */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the queue's dead-letter queue. */
  maxReceiveCount: number;
  retentionSeconds: number;
}

export const QUEUES: Record<QueueName, QueueSpec> = {
  dial: {
    visibilityTimeoutSeconds: 6 * FUNCTIONS.dial.timeoutSeconds,
    maxReceiveCount: 5,
    retentionSeconds: 4 * 86_400,
  },
  webhook: {
    visibilityTimeoutSeconds: 6 * FUNCTIONS.deliverWebhook.timeoutSeconds,
    maxReceiveCount: 5,
    retentionSeconds: 4 * 86_400,
  },
};

export interface QueueSourceSpec {
  queue: QueueName;
  function: FunctionName;
  batchSize: number;
  /** Concurrent invocations locally; deployed: `dialConcurrency`/`webhookConcurrency` (infra/config.ts). */
  maxConcurrency: number;
  maxBatchingWindowSeconds: number;
  reportBatchItemFailures: true;
}

export const QUEUE_SOURCES: readonly QueueSourceSpec[] = [
  {
    queue: 'dial',
    function: 'dial',
    batchSize: 10,
    maxConcurrency: 5,
    maxBatchingWindowSeconds: 0,
    reportBatchItemFailures: true,
  },
  {
    queue: 'webhook',
    function: 'deliverWebhook',
    batchSize: 10,
    maxConcurrency: 5,
    // Events gathered up to 1 s: fewer receives, deletes and invocations per webhook (issue 16).
    maxBatchingWindowSeconds: 1,
    reportBatchItemFailures: true,
  },
];

/**
 * A Lambda event filter pattern (the EventBridge pattern syntax Lambda uses for event-source
 * filtering), applied to the whole stream record. The local stream poller implements the subset used.
 */
export type FilterPattern = Record<string, unknown>;

export interface StreamSourceSpec {
  function: FunctionName;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  bisectBatchOnError: boolean;
  retryAttempts: number;
  maxRecordAgeSeconds: number;
  parallelizationFactor: number;
  reportBatchItemFailures: true;
  /** A record passes when it matches any pattern. */
  filters: FilterPattern[];
}

/** The changes that drive a batch: batches, and recipients ending an attempt. */
export const STREAM_SOURCES: readonly StreamSourceSpec[] = [
  {
    function: 'tableStream',
    batchSize: 100,
    maxBatchingWindowSeconds: 0,
    startingPosition: 'TRIM_HORIZON',
    bisectBatchOnError: true,
    retryAttempts: 10,
    maxRecordAgeSeconds: 86_400,
    parallelizationFactor: 1,
    reportBatchItemFailures: true,
    filters: [
      // A batch appearing (to start it) or changing (its counts adding up, its end).
      { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { entity: { S: ['batch'] } } } },
      // A recipient reaching its end; the pending → dialing writes never wake the function (the live
      // event log is written by the transactions themselves, docs/live-progress.md).
      {
        eventName: ['MODIFY'],
        dynamodb: { NewImage: { entity: { S: ['recipient'] }, status: { S: ['completed', 'failed'] } } },
      },
      // An attempt that will be retried: dialing → pending (a claim given back matches too; the
      // function tells them apart by the attempt count).
      {
        eventName: ['MODIFY'],
        dynamodb: {
          OldImage: { status: { S: ['dialing'] } },
          NewImage: { entity: { S: ['recipient'] }, status: { S: ['pending'] } },
        },
      },
      // A finished batch's retention ran out (its TTL deleted it): what it left goes too.
      { eventName: ['REMOVE'], dynamodb: { OldImage: { entity: { S: ['batch'] } } } },
    ],
  },
];

export interface RecurringScheduleSpec {
  function: FunctionName;
  /** EventBridge rate expression. */
  rate: string;
  /** Local mode runs it this often (ms); AWS uses `rate`. */
  localIntervalMs: number;
}

export const RECURRING: readonly RecurringScheduleSpec[] = [
  { function: 'sweeper', rate: 'rate(1 minute)', localIntervalMs: 60_000 },
];

/** The function the one-time `at(...)` start schedules invoke, with `{workspaceId, batchId}`. */
export const SCHEDULER_TARGET: FunctionName = 'startBatch';

export { SCHEDULER } from './scheduler-settings.ts';
