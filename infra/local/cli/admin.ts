import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { createWorkspaceWithKey, issueApiKey, listApiKeys, revokeApiKey } from '#shared/app/workspaces.ts';
import { AUTHORIZER_CACHE_SECONDS } from '#shared/config/runtime-config.ts';
import { DomainError } from '#shared/domain/errors.ts';
import type { ApiKeyRecord } from '#shared/domain/workspace.ts';
import type { WorkspaceStore } from '#shared/ports/store.ts';
import { openLocalStore, resolveDataDir, startDataDirDynamoDb } from './data-dir-store.ts';
import type { DynamoDbLocal } from '../emulators/dynamodb-local.ts';
import { claimDataDir, DataDirBusyError, readRuntime } from './runtime-file.ts';
import { describeError, errorMessage } from '../http-helpers.ts';

/**
 * `npm run admin -- …`: workspaces and API keys, which the public API deliberately cannot manage.
 * Works on DATA_DIR's local store (through a running `npm start`, or by starting DynamoDB Local for
 * the duration of the command) or on a deployed stack's table.
 */

const USAGE = `Usage:
  npm run admin -- workspace create --name <name>
  npm run admin -- key create --workspace <workspace id> [--name <key name>]
  npm run admin -- key list --workspace <workspace id>
  npm run admin -- key revoke --workspace <workspace id> --key <key id>

Store options:
  (none)                          the local store of DATA_DIR (default .data), whether or not
                                  npm start is running; --data-dir <dir> overrides DATA_DIR
  --table <name> --region <name>  a deployed stack's table, with the default AWS credential chain

A new API key is printed once, alone on the last line; only its hash is stored.`;

class UsageError extends Error {}

type Command =
  | { kind: 'workspace create'; name: string }
  | { kind: 'key create'; workspaceId: string; name: string | null }
  | { kind: 'key list'; workspaceId: string }
  | { kind: 'key revoke'; workspaceId: string; keyId: string };

type Target = { kind: 'deployed'; table: string; region: string } | { kind: 'local'; dataDir: string };

const NAME_MAX = 200;

function parseCommand(argv: string[]): { command: Command; target: Target } | 'help' {
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
  const action = positionals.join(' ');
  const allow = (...options: Array<'name' | 'workspace' | 'key'>) => {
    for (const option of ['name', 'workspace', 'key'] as const) {
      if (values[option] !== undefined && !options.includes(option)) {
        throw new UsageError(`--${option} does not apply to "${action}"`);
      }
    }
  };

  switch (action) {
    case 'workspace create': {
      allow('name');
      const name = text('name', true) ?? '';
      if (name.length > NAME_MAX) throw new UsageError(`--name must be at most ${NAME_MAX} characters`);
      return { command: { kind: action, name }, target };
    }
    case 'key create': {
      allow('workspace', 'name');
      const name = text('name', false);
      if (name && name.length > NAME_MAX)
        throw new UsageError(`--name must be at most ${NAME_MAX} characters`);
      return { command: { kind: action, workspaceId: text('workspace', true) ?? '', name }, target };
    }
    case 'key list':
      allow('workspace');
      return { command: { kind: action, workspaceId: text('workspace', true) ?? '' }, target };
    case 'key revoke':
      allow('workspace', 'key');
      return {
        command: { kind: action, workspaceId: text('workspace', true) ?? '', keyId: text('key', true) ?? '' },
        target,
      };
    default:
      throw new UsageError(action === '' ? 'No command given' : `Unknown command "${action}"`);
  }
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
      table: { type: 'string' },
      region: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function parseTarget(values: ReturnType<typeof parse>['values']): Target {
  const { table, region } = values;
  if (table !== undefined || region !== undefined) {
    if (!table || !region) throw new UsageError('--table and --region go together');
    if (values['data-dir'] !== undefined)
      throw new UsageError('--data-dir does not apply to a deployed table');
    return { kind: 'deployed', table, region };
  }
  return { kind: 'local', dataDir: resolveDataDir(values['data-dir'] ?? process.env.DATA_DIR) };
}

async function run(command: Command, store: WorkspaceStore): Promise<string[]> {
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
        `A running service stops accepting it within ${AUTHORIZER_CACHE_SECONDS} s (the authorizer's cache).`,
      ];
  }
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

async function withStore<T>(target: Target, work: (store: WorkspaceStore) => Promise<T>): Promise<T> {
  if (target.kind === 'deployed') {
    const client = createDocumentClient({ region: target.region });
    try {
      return await work(createDynamoStore({ client, tableName: target.table }));
    } finally {
      client.destroy();
    }
  }

  const holder = await readRuntime(target.dataDir);
  if (holder?.kind === 'start' && holder.dynamodbEndpoint) {
    // `npm start` owns the database file; go through its DynamoDB Local instead of a second JVM.
    const opened = await openLocalStore(holder.dynamodbEndpoint);
    try {
      return await work(opened.store);
    } finally {
      opened.close();
    }
  }
  if (holder) throw new DataDirBusyError(holder, target.dataDir);

  await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
  const claim = await claimDataDir(target.dataDir, 'admin');
  // stderr: stdout's last line is the command's answer (a key), which scripts read.
  for (const notice of claim.notices) console.error(notice);
  let dynamo: DynamoDbLocal | undefined;
  const cleanUp = async () => {
    await dynamo?.stop();
    await claim.release();
  };
  // Without this, Ctrl-C would leave the JVM and runtime.json behind.
  const onSignal = () => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    dynamo = await startDataDirDynamoDb(target.dataDir, claim);
    await claim.update({ dynamodbEndpoint: dynamo.endpoint });
    const opened = await openLocalStore(dynamo.endpoint);
    try {
      return await work(opened.store);
    } finally {
      opened.close();
    }
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
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
    const lines = await withStore(target, (store) => run(command, store));
    console.log(lines.join('\n'));
    return 0;
  } catch (error) {
    console.error(`Error: ${describeFailure(error)}`);
    return 1;
  }
}

/** One line for a person: no stack, and no SDK internals beyond the error's own message. */
function describeFailure(error: unknown): string {
  if (error instanceof DomainError || error instanceof DataDirBusyError) return error.message;
  if (error instanceof Error) {
    if (error.name === 'ResourceNotFoundException') return `Table not found: ${error.message}`;
    if (error.name === 'CredentialsProviderError') return `No AWS credentials: ${error.message}`;
  }
  return describeError(error);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Error: ${describeFailure(error)}`);
    process.exit(1);
  },
);
