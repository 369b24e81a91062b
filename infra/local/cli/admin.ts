import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { forceFinishBatch } from '#shared/app/run/force-finish.ts';
import {
  createWorkspaceWithKey,
  issueApiKey,
  listApiKeys,
  revokeApiKey,
  MAX_WORKSPACE_LIVE_CALLS,
  setWorkspaceLiveCallLimit,
} from '#shared/app/workspaces.ts';
import { API_KEY_CACHE_SECONDS } from '#shared/config/runtime-config.ts';
import { DomainError } from '#shared/domain/errors.ts';
import type { ApiKeyRecord } from '#shared/domain/workspace.ts';
import { QUEUES, type QueueName } from '../../wiring.ts';
import { deadLetterQueueName, SCHEDULER_DLQ_NAME, STREAM_FAILURES_NAME } from '../../queue-names.ts';
import { findQueue, operatorRunDeps, ResourceNotFoundError } from './admin-resources.ts';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { withDatabase, withQueues, type Database, type Target } from './admin-session.ts';
import { resolveDataDir } from './data-dir-store.ts';
import { redriveDeadLetters } from './redrive.ts';
import { DataDirBusyError } from './runtime-file.ts';
import { describeError, errorMessage } from '../http-helpers.ts';

/**
 * `npm run admin -- …`: what the public API deliberately cannot do — workspaces and API keys — and an
 * operator's repairs: moving a dead-letter queue's messages back, ending a batch that is stuck.
 * Works on DATA_DIR's local store (through a running `npm start`, or by starting DynamoDB Local for
 * the duration of the command) or on a deployed stage (admin-session.ts).
 */

const USAGE = `Usage:
  npm run admin -- workspace create --name <name>
  npm run admin -- workspace limit --workspace <workspace id> --max-live-calls <n>
      sets the workspace's live-call limit (1–100,000; its counter is sharded for it)
  npm run admin -- key create --workspace <workspace id> [--name <key name>]
  npm run admin -- key list --workspace <workspace id>
  npm run admin -- key revoke --workspace <workspace id> --key <key id>
  npm run admin -- redrive <dial|webhook>
      moves every message of the queue's dead-letter queue back to the queue
  npm run admin -- force-finish <workspace id> <batch id>
      ends a stuck batch as a stop that does not wait: calls still dialing fail ("force-finished
      by an operator"), waiting recipients are skipped, the batch ends cancelled (docs/runbook.md)

Target options:
  (none)                          the local store of DATA_DIR (default .data), whether or not
                                  npm start is running (redrive needs it running: its queues live
                                  in its memory); --data-dir <dir> overrides DATA_DIR
  --stage <stage> --region <name> a deployed stage, with the default AWS credential chain: its
                                  table and queues are found by their names (docs/runbook.md)
  --table <name> --region <name>  a deployed table named outright (workspace, key, force-finish)

A new API key is printed once, alone on the last line; only its hash is stored.`;

class UsageError extends Error {}

type Command =
  | { kind: 'workspace create'; name: string }
  | { kind: 'workspace limit'; workspaceId: string; maxLiveCalls: number }
  | { kind: 'key create'; workspaceId: string; name: string | null }
  | { kind: 'key list'; workspaceId: string }
  | { kind: 'key revoke'; workspaceId: string; keyId: string }
  | { kind: 'redrive'; queue: QueueName }
  | { kind: 'force-finish'; workspaceId: string; batchId: string };

const NAME_MAX = 200;
/** Dead-letter queues whose messages have no queue to go back to (what to do instead: the runbook). */
const NOT_REDRIVABLE = new Set([SCHEDULER_DLQ_NAME, STREAM_FAILURES_NAME]);

export function parseCommand(argv: string[]): { command: Command; target: Target } | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';

  const target = parseTarget(values);
  const text = (option: 'name' | 'workspace' | 'key', required: boolean): string | null => {
    const value = values[option]?.trim();
    if (value === undefined || value === '') {
      if (required) throw new UsageError(`--${option} is required`);
      return null;
    }
    return value;
  };
  const [verb = '', ...rest] = positionals;
  const action = ['redrive', 'force-finish'].includes(verb) ? verb : positionals.join(' ');
  const allow = (...options: Array<'name' | 'workspace' | 'key' | 'max-live-calls'>) => {
    for (const option of ['name', 'workspace', 'key', 'max-live-calls'] as const) {
      if (values[option] !== undefined && !options.includes(option)) {
        throw new UsageError(`--${option} does not apply to "${action}"`);
      }
    }
  };
  const needsTable = () => {
    if (target.kind === 'deployed' && !target.table && !target.stage)
      throw new UsageError('--region needs --stage or --table');
  };

  switch (action) {
    case 'workspace create': {
      allow('name');
      needsTable();
      const name = text('name', true) ?? '';
      if (name.length > NAME_MAX) throw new UsageError(`--name must be at most ${NAME_MAX} characters`);
      return { command: { kind: action, name }, target };
    }
    case 'workspace limit': {
      allow('workspace', 'max-live-calls');
      needsTable();
      const limit = values['max-live-calls']?.trim() ?? '';
      if (!/^\d{1,9}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_WORKSPACE_LIVE_CALLS)
        throw new UsageError(`--max-live-calls must be a whole number from 1 to ${MAX_WORKSPACE_LIVE_CALLS}`);
      return {
        command: { kind: action, workspaceId: text('workspace', true) ?? '', maxLiveCalls: Number(limit) },
        target,
      };
    }
    case 'key create': {
      allow('workspace', 'name');
      needsTable();
      const name = text('name', false);
      if (name && name.length > NAME_MAX)
        throw new UsageError(`--name must be at most ${NAME_MAX} characters`);
      return { command: { kind: action, workspaceId: text('workspace', true) ?? '', name }, target };
    }
    case 'key list':
      allow('workspace');
      needsTable();
      return { command: { kind: action, workspaceId: text('workspace', true) ?? '' }, target };
    case 'key revoke':
      allow('workspace', 'key');
      needsTable();
      return {
        command: { kind: action, workspaceId: text('workspace', true) ?? '', keyId: text('key', true) ?? '' },
        target,
      };
    case 'redrive': {
      allow();
      if (target.kind === 'deployed' && !target.stage)
        throw new UsageError('redrive finds the queues of a stage: give --stage (not --table)');
      if (rest.length !== 1) throw new UsageError('redrive takes one queue: dial or webhook');
      return { command: { kind: action, queue: queueArgument(rest[0] ?? '') }, target };
    }
    case 'force-finish': {
      allow();
      needsTable();
      const [workspaceId, batchId] = rest.map((r) => r.trim());
      if (rest.length !== 2 || !workspaceId || !batchId)
        throw new UsageError('force-finish takes a workspace id and a batch id');
      return { command: { kind: action, workspaceId, batchId }, target };
    }
    default:
      throw new UsageError(action === '' ? 'No command given' : `Unknown command "${action}"`);
  }
}

/** `dial` or `webhook`, or their dead-letter queues' own names. */
function queueArgument(value: string): QueueName {
  const queues = Object.keys(QUEUES) as QueueName[];
  const queue = queues.find((q) => value === q || value === deadLetterQueueName(q));
  if (queue) return queue;
  if (NOT_REDRIVABLE.has(value)) {
    throw new UsageError(
      `${value} holds events that have no queue to go back to; see docs/runbook.md for what to do`,
    );
  }
  throw new UsageError(`Unknown queue "${value}": dial or webhook`);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      workspace: { type: 'string' },
      key: { type: 'string' },
      'max-live-calls': { type: 'string' },
      table: { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The stage names infra/config.ts accepts. */
const STAGE = /^[a-z][a-z0-9-]{0,14}$/;

function parseTarget(values: ReturnType<typeof parse>['values']): Target {
  const { table, region, stage } = values;
  if (table !== undefined || region !== undefined || stage !== undefined) {
    if (!region) throw new UsageError(`--${table !== undefined ? 'table' : 'stage'} needs --region`);
    if (table === '') throw new UsageError('--table is empty');
    if (stage !== undefined && !STAGE.test(stage))
      throw new UsageError(
        '--stage is lowercase letters, digits and "-", starting with a letter, at most 15',
      );
    if (values['data-dir'] !== undefined)
      throw new UsageError('--data-dir does not apply to a deployed table');
    return { kind: 'deployed', region, stage: stage ?? null, table: table ?? null };
  }
  return { kind: 'local', dataDir: resolveDataDir(values['data-dir'] ?? process.env.DATA_DIR) };
}

/** The commands that work on the table (redrive works on the queues alone). */
async function run(command: Exclude<Command, { kind: 'redrive' }>, db: Database): Promise<string[]> {
  const { store } = db;
  const keyLines = (apiKey: string) => ['The API key is shown only now; only its hash is stored:', apiKey];
  switch (command.kind) {
    case 'workspace create': {
      const { workspace, key } = await createWorkspaceWithKey(store, { name: command.name });
      return [
        `Created workspace ${workspace.id} ("${workspace.name}").`,
        `Workspace id: ${workspace.id}`,
        `API key id:   ${key.record.id}`,
        ...keyLines(key.apiKey),
      ];
    }
    case 'workspace limit': {
      const shards = await setWorkspaceLiveCallLimit(store, command.workspaceId, command.maxLiveCalls);
      return [
        `Workspace ${command.workspaceId}: at most ${command.maxLiveCalls} live calls (${shards} counter shard(s)).`,
      ];
    }
    case 'key create': {
      const key = await issueApiKey(store, command.workspaceId, { name: command.name });
      return [
        `Created API key ${key.record.id} for workspace ${command.workspaceId}.`,
        ...keyLines(key.apiKey),
      ];
    }
    case 'key list':
      return formatKeys(await listApiKeys(store, command.workspaceId));
    case 'key revoke':
      await revokeApiKey(store, command.workspaceId, command.keyId);
      return [
        `Revoked API key ${command.keyId} of workspace ${command.workspaceId}.`,
        `A running service stops accepting it within ${API_KEY_CACHE_SECONDS} s (each API function's key cache).`,
      ];
    case 'force-finish':
      return forceFinish(db, command.workspaceId, command.batchId);
  }
}

async function redrive(sqs: SQSClient | null, stage: string | null, queue: QueueName): Promise<string[]> {
  if (!sqs) {
    throw new ResourceNotFoundError(
      'No queues to redrive: local mode keeps its queues in the memory of a running `npm start` (start it first)',
    );
  }
  const deadLetter = await findQueue(sqs, stage, deadLetterQueueName(queue));
  const source = await findQueue(sqs, stage, queue);
  const result = await redriveDeadLetters(sqs, deadLetter, source);
  const how = result.method === 'move-task' ? 'an SQS message move task' : 'receive, send and delete';
  return [
    `Dead-letter queue ${deadLetterQueueName(queue)}: ${result.found} message(s) found.`,
    `Moved ${result.moved} message(s) back to ${queue} (${how}).`,
  ];
}

async function forceFinish(db: Database, workspaceId: string, batchId: string): Promise<string[]> {
  const queues = db.sqs
    ? {
        dial: (await findQueue(db.sqs, db.stage, 'dial')).url,
        webhook: (await findQueue(db.sqs, db.stage, 'webhook')).url,
      }
    : null;
  const deps = operatorRunDeps({ store: db.store, runStore: db.runStore, sqs: db.sqs, queues });
  const report = await forceFinishBatch(deps, workspaceId, batchId);
  if (report.before === report.after) return [`Batch ${batchId} is already ${report.after}: nothing to do.`];
  return [
    `Batch ${batchId}: ${report.before} → ${report.after}.`,
    `Calls failed ("force-finished by an operator"): ${report.failedCalls}; waiting recipients skipped: ${report.skipped}.`,
    ...(queues
      ? []
      : ['No queues reachable: its webhooks wait in the outbox for the next sweep of the running service.']),
  ];
}

function formatKeys(keys: ApiKeyRecord[]): string[] {
  if (keys.length === 0) return ['No API keys.'];
  const rows = [
    ['ID', 'NAME', 'PREFIX', 'CREATED', 'REVOKED'],
    ...keys.map((k) => [k.id, k.name ?? '-', `${k.prefix}…`, k.createdAt, k.revokedAt ?? '-']),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`Error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { command, target } = parsed;
  try {
    const lines =
      command.kind === 'redrive'
        ? await withQueues(target, (sqs, stage) => redrive(sqs, stage, command.queue))
        : await withDatabase(target, (db) => run(command, db));
    console.log(lines.join('\n'));
    return 0;
  } catch (error) {
    console.error(`Error: ${describeFailure(error)}`);
    return 1;
  }
}

/** One line for a person: no stack, and no SDK internals beyond the error's own message. */
function describeFailure(error: unknown): string {
  if (
    error instanceof DomainError ||
    error instanceof DataDirBusyError ||
    error instanceof ResourceNotFoundError
  )
    return error.message;
  if (error instanceof Error) {
    if (error.name === 'ResourceNotFoundException') return `Table not found: ${error.message}`;
    if (error.name === 'CredentialsProviderError') return `No AWS credentials: ${error.message}`;
  }
  return describeError(error);
}

// Run as the CLI; imported (tests of the argument handling), it only defines.
const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`Error: ${describeFailure(error)}`);
      process.exit(1);
    },
  );
}
