import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stopOrphanDynamoDb } from '../emulators/orphan-jvm.ts';

/**
 * DATA_DIR/runtime.json says which process holds DATA_DIR's DynamoDB Local: two JVMs on one database
 * file would corrupt it. `npm start` keeps it while running, so the admin command can use the running
 * instance's endpoint instead of starting a second JVM; the admin command holds it while it works.
 * It also names the holder's DynamoDB Local JVM: when the holder is gone but its JVM is not (see
 * orphan-jvm.ts), the next claim stops that JVM before anyone opens the database again.
 */
export interface RuntimeInfo {
  pid: number;
  kind: 'start' | 'admin';
  /** Null while the holder is still starting DynamoDB Local. */
  dynamodbEndpoint: string | null;
  /** The holder's DynamoDB Local JVM, recorded as soon as it is spawned (absent in older files). */
  dynamodbPid?: number | null;
  apiUrl: string | null;
  /** The holder's SQS emulator (npm start's queues live in its memory), for the admin's redrive. */
  sqsEndpoint?: string | null;
  /** The table, when not LOCAL_TABLE_NAME (a test's service). */
  tableName?: string | null;
  startedAt: string;
}

export class DataDirBusyError extends Error {
  constructor(
    readonly holder: RuntimeInfo,
    dataDir: string,
  ) {
    const what = holder.kind === 'start' ? 'a running `npm start`' : 'a running admin command';
    const where = holder.apiUrl ? `, serving ${holder.apiUrl}` : '';
    const jvm = holder.dynamodbPid ? `, DynamoDB Local pid ${holder.dynamodbPid}` : '';
    super(`DATA_DIR ${dataDir} is in use by ${what} (pid ${holder.pid}${where}${jvm}).`);
    this.name = 'DataDirBusyError';
  }
}

export function runtimeFilePath(dataDir: string): string {
  return join(dataDir, 'runtime.json');
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else — still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of DATA_DIR, or null (a file left by a dead process counts as none). */
export async function readRuntime(dataDir: string): Promise<RuntimeInfo | null> {
  const info = await readRuntimeFile(dataDir);
  return info && isLiveHolder(info) ? info : null;
}

function isLiveHolder(info: RuntimeInfo): boolean {
  return info.pid !== process.pid && isProcessAlive(info.pid);
}

/** What runtime.json says, whether or not its writer still runs; null without a readable file. */
async function readRuntimeFile(dataDir: string): Promise<RuntimeInfo | null> {
  let text: string;
  try {
    text = await readFile(runtimeFilePath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let info: RuntimeInfo;
  try {
    info = JSON.parse(text) as RuntimeInfo;
  } catch {
    // Caught between a holder's create and its first write: look again once before calling it stale.
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    try {
      info = JSON.parse(await readFile(runtimeFilePath(dataDir), 'utf8')) as RuntimeInfo;
    } catch {
      return null;
    }
  }
  return typeof info === 'object' && info !== null && typeof info.pid === 'number' ? info : null;
}

export interface DataDirClaim {
  update(
    changes: Partial<Pick<RuntimeInfo, 'dynamodbEndpoint' | 'dynamodbPid' | 'apiUrl' | 'sqsEndpoint'>>,
  ): Promise<void>;
  release(): Promise<void>;
  /** What taking DATA_DIR over involved, for the user (an orphan DynamoDB Local stopped). */
  notices: string[];
}

/**
 * Takes DATA_DIR for this process, or throws DataDirBusyError naming the live holder. A file left by
 * a holder that is gone is taken over, after stopping that holder's DynamoDB Local if it still runs.
 */
export async function claimDataDir(dataDir: string, kind: RuntimeInfo['kind']): Promise<DataDirClaim> {
  const file = runtimeFilePath(dataDir);
  let info: RuntimeInfo = {
    pid: process.pid,
    kind,
    dynamodbEndpoint: null,
    dynamodbPid: null,
    apiUrl: null,
    startedAt: new Date().toISOString(),
  };
  const notices: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // 'wx' fails when the file exists, so two processes starting together cannot both win.
      await writeFile(file, JSON.stringify(info, null, 2), { flag: 'wx' });
      let released = false;
      return {
        notices,
        async update(changes) {
          info = { ...info, ...changes };
          // Write-then-rename, so a reader never sees a half-written file.
          const temporary = `${file}.${process.pid}.tmp`;
          await writeFile(temporary, JSON.stringify(info, null, 2));
          await rename(temporary, file);
        },
        async release() {
          if (released) return;
          released = true;
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const left = await readRuntimeFile(dataDir);
      if (left && isLiveHolder(left)) throw new DataDirBusyError(left, dataDir);
      // Left by a process that is gone (or by this one, whose JVMs are its own business); the gone
      // process's JVM may still run.
      const orphan = left && left.pid !== process.pid ? left.dynamodbPid : null;
      if (left && orphan && (await stopOrphanDynamoDb(orphan, dataDir)) === 'stopped') {
        notices.push(
          `Stopped DynamoDB Local (pid ${left.dynamodbPid}) left running on this DATA_DIR by pid ${left.pid}, which is gone.`,
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new Error(`Could not take ${file}: it keeps reappearing`);
}
