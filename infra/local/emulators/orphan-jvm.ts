import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * DynamoDB Local left running by a process that is gone. Its JVM normally dies with its parent (the
 * watchdog in dynamodb-local.ts), but one that survived — the watchdog killed too, an older version
 * of this code — still has DATA_DIR's database open, and a second JVM on the same files would corrupt
 * them. runtime.json records the JVM's pid; before that pid is signalled it must still be that JVM:
 * pids are reused, so its command line must be DynamoDB Local's jar on exactly this DATA_DIR.
 */

/** A process's arguments, or null when it is gone, a zombie, or not ours to read. */
export function commandLineOf(pid: number): string[] | null {
  if (existsSync('/proc/self/cmdline')) {
    try {
      // A zombie (state Z) has exited already; its empty command line would say so too.
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.charAt(0);
      if (state === 'Z') return null;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.at(-1) === '') args.pop();
      return args.length > 0 ? args : null;
    } catch {
      return null;
    }
  }
  // No /proc (macOS): ps prints the command line as one string, so paths with spaces are split.
  try {
    const line = execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return line === '' ? null : line.split(/\s+/);
  } catch {
    return null;
  }
}

/** Whether `args` are a DynamoDB Local JVM serving DATA_DIR's database (DATA_DIR/dynamodb). */
export function isDataDirDynamoDb(args: readonly string[], dataDir: string): boolean {
  const [program] = args;
  if (program === undefined || basename(program) !== 'java') return false;
  const after = (flag: string) => {
    const at = args.indexOf(flag);
    return at === -1 ? undefined : args[at + 1];
  };
  const jar = after('-jar');
  return (
    jar !== undefined &&
    basename(jar) === 'DynamoDBLocal.jar' &&
    after('-dbPath') === join(dataDir, 'dynamodb')
  );
}

export type OrphanOutcome = 'stopped' | 'not_running';

/**
 * Stops DATA_DIR's DynamoDB Local at `pid` if that is what runs there: SIGTERM, then SIGKILL after
 * `graceMs`. 'not_running' when the pid is gone or is now another program (left alone).
 */
export async function stopOrphanDynamoDb(
  pid: number,
  dataDir: string,
  graceMs = 3_000,
): Promise<OrphanOutcome> {
  // runtime.json is a file anyone with DATA_DIR can edit: 0 or -1 would signal whole process groups.
  if (!Number.isSafeInteger(pid) || pid <= 1) return 'not_running';
  const args = commandLineOf(pid);
  if (!args || !isDataDirDynamoDb(args, dataDir)) return 'not_running';
  const stillThere = () => {
    const now = commandLineOf(pid);
    return now !== null && isDataDirDynamoDb(now, dataDir);
  };
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (stillThere() && Date.now() < deadline) await sleep(50);
  if (stillThere()) {
    signal(pid, 'SIGKILL');
    const killDeadline = Date.now() + 5_000;
    while (stillThere()) {
      if (Date.now() > killDeadline) throw new Error(`DynamoDB Local (pid ${pid}) did not stop on SIGKILL`);
      await sleep(50);
    }
  }
  return 'stopped';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone meanwhile.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
