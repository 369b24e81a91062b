import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalStore, startDataDirDynamoDb, LOCAL_TABLE_NAME } from '#infra/local/cli/data-dir-store.ts';
import { freePort } from '#infra/local/emulators/dynamodb-local.ts';
import { startGateway } from '#infra/local/gateway/gateway.ts';
import { createFunctionPool } from '#infra/local/functions/function-pool.ts';
import { localFunctionEnvironment } from '#infra/local/functions/local-env.ts';
import { dynamoJvmsOf, runTsx } from '../helpers/cli.ts';

/**
 * The admin command on a DATA_DIR with no `npm start` running: it starts DynamoDB Local on the data
 * itself, does its work and stops it. The keys it prints are then tried against the real service.
 */

let dataDir: string;
const admin = (...args: string[]) => runTsx('infra/local/cli/admin.ts', args, { DATA_DIR: dataDir });
const lastLine = (output: string) => output.trim().split('\n').at(-1) ?? '';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'batch-calls-admin-'));
});

afterAll(async () => {
  for (const pid of dynamoJvmsOf(dataDir)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm run admin', () => {
  it('refuses bad usage with exit code 2 and the usage text', async () => {
    const cases: Array<[string[], string]> = [
      [[], 'No command given'],
      [['key', 'list'], '--workspace is required'],
      [['workspace', 'create', '--name', 'x', '--bogus'], "Unknown option '--bogus'"],
      [['key', 'explode'], 'Unknown command "key explode"'],
      [['workspace', 'create', '--name', 'x', '--table', 't'], '--table needs --region'],
      [['workspace', 'limit', '--workspace', 'ws_x', '--max-live-calls', '0'], '--max-live-calls must be'],
    ];
    for (const [args, message] of cases) {
      const result = await admin(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.output).toContain(message);
      expect(result.output).toContain('Usage:');
    }
  });

  it('creates a workspace and keys, lists and revokes them; the keys work (or not) against the API', async () => {
    const created = await admin('workspace', 'create', '--name', 'Acme');
    expect(created.code, created.output).toBe(0);
    const workspaceId = /Workspace id:\s+(ws_\S+)/.exec(created.output)?.[1] ?? '';
    const firstKey = lastLine(created.output);
    expect(firstKey).toMatch(/^bck_[A-Za-z0-9_-]{43}$/);

    // The live-call limit, resharded for it (three shards of 200).
    const limited = await admin('workspace', 'limit', '--workspace', workspaceId, '--max-live-calls', '600');
    expect(limited.code, limited.output).toBe(0);
    expect(limited.output).toContain('at most 600 live calls (3 counter shard(s))');

    const second = await admin('key', 'create', '--workspace', workspaceId, '--name', 'ci');
    expect(second.code, second.output).toBe(0);
    const secondKey = lastLine(second.output);
    const secondKeyId = /Created API key (key_\S+)/.exec(second.output)?.[1] ?? '';
    expect(secondKey).toMatch(/^bck_/);
    expect(secondKey).not.toBe(firstKey);

    const listed = await admin('key', 'list', '--workspace', workspaceId);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toContain(secondKeyId);
    expect(listed.output).toContain(secondKey.slice(0, 10));
    expect(listed.output).not.toContain(secondKey);
    expect(listed.output).not.toContain(firstKey);
    expect(listed.output).toMatch(/default/);
    expect(listed.output).toMatch(new RegExp(`${secondKeyId}\\s+ci\\s+\\S+\\s+\\S+\\s+-`));

    const revoked = await admin('key', 'revoke', '--workspace', workspaceId, '--key', secondKeyId);
    expect(revoked.code, revoked.output).toBe(0);
    const relisted = await admin('key', 'list', '--workspace', workspaceId);
    expect(relisted.output).toMatch(
      new RegExp(`${secondKeyId}\\s+ci\\s+\\S+\\s+\\S+\\s+\\d{4}-\\d{2}-\\d{2}T`),
    );

    const missing = await admin('key', 'revoke', '--workspace', workspaceId, '--key', 'key_nope');
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('has no key key_nope');
    expect(missing.output).not.toMatch(/\n\s+at /);

    // Each command stopped its own DynamoDB Local and gave DATA_DIR back.
    expect(dynamoJvmsOf(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);

    // The same data behind the real handlers.
    const dynamo = await startDataDirDynamoDb(dataDir);
    const opened = await openLocalStore(dynamo.endpoint, LOCAL_TABLE_NAME);
    const port = await freePort();
    // Only the table is used here: the queue, bucket and scheduler settings name nothing that runs.
    const nowhere = 'http://127.0.0.1:9';
    const functions = createFunctionPool({
      environmentOf: (name) =>
        localFunctionEnvironment(name, {
          targets: {
            tableName: LOCAL_TABLE_NAME,
            publicBaseUrl: `http://127.0.0.1:${port}`,
            queueUrls: { dial: `${nowhere}/q/dial`, webhook: `${nowhere}/q/webhook` },
            filesBucket: 'unused-bucket',
            scheduler: {
              groupName: 'batch-calls',
              targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:unused',
              roleArn: 'arn:aws:iam::000000000000:role/unused',
              deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:unused',
            },
            authCacheTtlSeconds: 60,
            secretsPrefix: 'batch-calls/local/',
            retentionDays: 90,
          },
          endpoints: { dynamodb: dynamo.endpoint, sqs: nowhere, s3: nowhere, scheduler: nowhere },
          secretsFile: join(dataDir, 'secrets.json'),
          overrides: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
        }),
    });
    const gateway = await startGateway({ port, functions, logError: () => undefined });
    try {
      const call = (key: string) =>
        fetch(`${gateway.url}/v1/agents`, { headers: { authorization: `Bearer ${key}` } });
      expect((await call(firstKey)).status).toBe(200);
      const refused = await call(secondKey);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    } finally {
      await gateway.close();
      await functions.stop();
      opened.close();
      await dynamo.stop();
    }
  }, 120_000);
});
