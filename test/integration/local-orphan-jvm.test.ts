import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dynamoDbLocalArgs, freePort } from '#infra/local/emulators/dynamodb-local.ts';
import {
  claimDataDir,
  DataDirBusyError,
  runtimeFilePath,
  type RuntimeInfo,
} from '#infra/local/cli/runtime-file.ts';
import { dynamoJvmsOf } from '../helpers/cli.ts';
import { until } from '../helpers/wait.ts';

/**
 * DATA_DIR's lock (runtime.json) and a DynamoDB Local JVM that outlived its holder: the next claim
 * stops it before anyone opens the database again, but only when that pid is still that JVM.
 */

let dataDir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'batch-calls-orphan-'));
  await mkdir(join(dataDir, 'dynamodb'));
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const pid of dynamoJvmsOf(dataDir)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

function started(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/** A pid that existed and is gone: a holder killed with `kill -9`. */
async function deadPid(): Promise<number> {
  const child = started('true', []);
  await exited(child);
  return child.pid ?? 0;
}

async function leaveRuntimeFile(holder: Partial<RuntimeInfo>): Promise<void> {
  const info: RuntimeInfo = {
    pid: 0,
    kind: 'start',
    dynamodbEndpoint: null,
    dynamodbPid: null,
    apiUrl: null,
    startedAt: new Date().toISOString(),
    ...holder,
  };
  await writeFile(runtimeFilePath(dataDir), JSON.stringify(info));
}

describe('claiming a DATA_DIR', () => {
  it('stops the DynamoDB Local a dead holder left running on it, then takes it', async () => {
    // A JVM with nobody above it, as `kill -9` of an older `npm start` left one.
    const jvm = started('java', dynamoDbLocalArgs(await freePort(), join(dataDir, 'dynamodb')));
    await until(() => dynamoJvmsOf(dataDir).length === 1, 10_000, 'the orphan JVM runs', 100);
    await leaveRuntimeFile({ pid: await deadPid(), dynamodbPid: jvm.pid ?? 0 });

    const claim = await claimDataDir(dataDir, 'start');
    expect(dynamoJvmsOf(dataDir)).toEqual([]);
    expect(claim.notices).toEqual([expect.stringContaining(`Stopped DynamoDB Local (pid ${jvm.pid})`)]);
    await claim.release();
  }, 30_000);

  it('leaves alone a process that took over the recorded pid', async () => {
    const other = started('sleep', ['60']);
    await leaveRuntimeFile({ pid: await deadPid(), dynamodbPid: other.pid ?? 0 });

    const claim = await claimDataDir(dataDir, 'start');
    expect(claim.notices).toEqual([]);
    expect(other.exitCode).toBeNull();
    expect(() => process.kill(other.pid ?? 0, 0)).not.toThrow();
    await claim.release();
  });

  it('refuses while its holder runs, naming the holder and its JVM', async () => {
    const holder = started('sleep', ['60']);
    await leaveRuntimeFile({ pid: holder.pid ?? 0, dynamodbPid: 424242, apiUrl: 'http://127.0.0.1:3999' });

    const refused = claimDataDir(dataDir, 'start');
    await expect(refused).rejects.toThrow(DataDirBusyError);
    await expect(refused).rejects.toThrow(
      `is in use by a running \`npm start\` (pid ${holder.pid}, serving http://127.0.0.1:3999, DynamoDB Local pid 424242)`,
    );
  });
});
