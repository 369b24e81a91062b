import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { build } from 'esbuild';
import { FUNCTIONS, type FunctionName } from '../../wiring.ts';
import { functionBundles } from './function-bundles.ts';
import type { FromWorker, SerializedError, ToWorker, WorkerData } from './function-worker.ts';
import { FunctionModuleError, type FunctionHandler } from './invoke.ts';
import type { StreamSink } from './response-stream.ts';

/**
 * A response-streaming invocation (a function URL's): parts of the answer go to `sink` as the
 * function writes them; `signal` aborting (the client went away) closes the function's stream.
 */
export type StreamFunctionHandler = (
  event: unknown,
  context: Context,
  sink: StreamSink,
  signal: AbortSignal,
) => Promise<void>;

/**
 * Runs each local function in a worker thread of its own, started with exactly that function's
 * environment (the Worker `env` option): process.env is one per process, and handlers read it both
 * at module load and at call time, so only a separate thread keeps one function from seeing another's
 * settings. Like a Lambda sandbox, a worker loads its module once (on first use) and keeps it warm;
 * a worker that crashes is replaced on the next invocation (a new cold start). Timeouts stay with
 * the caller (lambda-invoke.ts): an invocation it gave up is abandoned here at its deadline, and its
 * late result, if any, dropped.
 */

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WORKER_FILE = join(dirname(fileURLToPath(import.meta.url)), 'function-worker.ts');

/**
 * The worker's own code is TypeScript and worker threads do not inherit the TypeScript loader (tsx
 * under `npm start`, vite under vitest): it is bundled too, once, to plain JavaScript.
 */
let workerCode: Promise<string> | undefined;
function workerBootstrap(): Promise<string> {
  workerCode ??= build({
    entryPoints: [WORKER_FILE],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  }).then((result) => {
    const [output] = result.outputFiles;
    if (!output) throw new Error('esbuild produced no worker code');
    return `data:text/javascript;base64,${Buffer.from(output.text).toString('base64')}`;
  });
  return workerCode;
}

export interface FunctionPoolOptions {
  /** The complete environment of a function's worker; asked once, when the worker starts. */
  environmentOf(name: FunctionName): Record<string, string>;
  /** Wraps the handler the pool hands out (the bench counts and times invocations with it). */
  wrap?(name: FunctionName, handler: FunctionHandler): FunctionHandler;
  /**
   * Sees every chunk a function's worker writes to stdout or stderr (the bench counts the log bytes
   * CloudWatch Logs would ingest). The output is then forwarded to this process's own streams unless
   * this returns false (the bench runs the functions at INFO and keeps only their stderr on screen).
   */
  output?(name: FunctionName, stream: 'stdout' | 'stderr', chunk: Buffer): boolean | void;
  log?: (message: string) => void;
}

export interface FunctionPool {
  /** A handler that invokes the function in its worker (started on first use). */
  handler(name: FunctionName): FunctionHandler;
  /** The same for a response-streaming function. */
  streamHandler(name: FunctionName): StreamFunctionHandler;
  /** Starts the workers of these functions now, so a missing or broken module fails early. */
  warm(names: Iterable<FunctionName>): Promise<void>;
  /** The environment a function's worker is given. */
  environmentOf(name: FunctionName): Record<string, string>;
  /** process.env as read inside the function's worker (started if need be): for tests. */
  environmentInside(name: FunctionName): Promise<Record<string, string>>;
  /** Terminates every worker; invocations still running are rejected. */
  stop(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

class FunctionWorker {
  private readonly pending = new Map<number, Pending>();
  private readonly sinks = new Map<number, StreamSink>();
  private nextId = 0;
  readonly ready: Promise<void>;
  dead = false;

  constructor(
    readonly name: FunctionName,
    private readonly worker: Worker,
    private readonly log: (message: string) => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'loadFailed') {
          this.dead = true;
          reject(new FunctionModuleError(`function ${name}: ${message.error.message}`));
          void worker.terminate();
        } else if (message.type === 'streamHead') this.sinks.get(message.id)?.head(message.head);
        else if (message.type === 'streamChunk') this.sinks.get(message.id)?.chunk(message.data);
        else this.settle(message);
      });
      worker.on('error', (error) => {
        // An uncaught exception ends the sandbox, and with it every invocation it was running.
        this.dead = true;
        this.log(`[functions] ${name}: worker crashed: ${error.message}`);
        reject(error);
        this.failAll(error);
      });
      worker.on('exit', (code) => {
        this.dead = true;
        reject(new Error(`function ${name}: worker exited (${code}) before it was ready`));
        this.failAll(new Error(`function ${name}: worker exited (${code})`));
      });
    });
    // A caller that never invokes must not see an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  async invokeStream(event: unknown, context: Context, sink: StreamSink, signal: AbortSignal): Promise<void> {
    await this.ready;
    const id = ++this.nextId;
    this.sinks.set(id, sink);
    const abort = () => this.worker.postMessage({ type: 'abort', id } satisfies ToWorker);
    signal.addEventListener('abort', abort, { once: true });
    try {
      await this.invoke(event, context, 'invokeStream', id);
    } finally {
      signal.removeEventListener('abort', abort);
      this.sinks.delete(id);
    }
  }

  async invoke(
    event: unknown,
    context: Context,
    type: 'invoke' | 'invokeStream' = 'invoke',
    reservedId?: number,
  ): Promise<unknown> {
    await this.ready;
    const id = reservedId ?? ++this.nextId;
    const remaining = context.getRemainingTimeInMillis();
    return new Promise((resolve, reject) => {
      // Abandoned at the deadline: the caller has given up by then (lambda-invoke.ts).
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`function ${this.name}: abandoned after its ${Math.round(remaining / 1000)} s`));
      }, remaining + 1_000);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      const message: ToWorker = {
        type,
        id,
        event,
        context: {
          functionName: context.functionName,
          functionVersion: context.functionVersion,
          invokedFunctionArn: context.invokedFunctionArn,
          memoryLimitInMB: context.memoryLimitInMB,
          awsRequestId: context.awsRequestId,
          logGroupName: context.logGroupName,
          logStreamName: context.logStreamName,
          deadline: Date.now() + remaining,
        },
      };
      try {
        this.worker.postMessage(message);
      } catch (error) {
        // An event that cannot be cloned never reaches the function, as it could not be serialized.
        clearTimeout(timer);
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  /** process.env as the function sees it, read inside its worker. */
  environmentInside(): Promise<Record<string, string>> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 10_000);
      timer.unref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.worker.postMessage({ type: 'environment', id } satisfies ToWorker);
    });
  }

  private settle(message: Extract<FromWorker, { type: 'result' | 'error' }>) {
    const pending = this.pending.get(message.id);
    if (!pending) return; // Abandoned: a late answer is dropped.
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.type === 'result') pending.resolve(message.value);
    else pending.reject(revive(message.error));
  }

  private failAll(error: Error) {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(error);
    }
  }

  async terminate(): Promise<void> {
    this.dead = true;
    this.failAll(new Error(`function ${this.name}: stopped`));
    await this.worker.terminate();
  }
}

function revive(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

export function createFunctionPool(options: FunctionPoolOptions): FunctionPool {
  const log = options.log ?? ((message: string) => console.error(message));
  const workers = new Map<FunctionName, FunctionWorker>();
  let stopped = false;

  // One start per function at a time: concurrent first invocations share it.
  const starting = new Map<FunctionName, Promise<FunctionWorker>>();
  const workerOf = (name: FunctionName): Promise<FunctionWorker> => {
    if (stopped) return Promise.reject(new Error(`function ${name}: the local functions are stopped`));
    const current = workers.get(name);
    if (current && !current.dead) return Promise.resolve(current);
    let start = starting.get(name);
    if (!start) {
      start = startWorker(name).finally(() => starting.delete(name));
      starting.set(name, start);
    }
    return start;
  };
  const startWorker = async (name: FunctionName): Promise<FunctionWorker> => {
    if (!existsSync(join(REPO_ROOT, FUNCTIONS[name].entry))) {
      throw new FunctionModuleError(`${FUNCTIONS[name].entry} (function ${name}) does not exist`);
    }
    const [code, bundles] = await Promise.all([workerBootstrap(), functionBundles(REPO_ROOT)]);
    if (stopped) throw new Error(`function ${name}: the local functions are stopped`);
    const worker = new Worker(new URL(code), {
      env: options.environmentOf(name),
      workerData: { entry: bundles[name] } satisfies WorkerData,
      // Lambda's memory setting as the heap limit: a function that needs more fails here too.
      resourceLimits: { maxOldGenerationSizeMb: FUNCTIONS[name].memoryMb },
      // Only when someone listens: otherwise Node forwards the worker's output itself.
      stdout: options.output !== undefined,
      stderr: options.output !== undefined,
    });
    const { output } = options;
    if (output) {
      worker.stdout.on('data', (chunk: Buffer) => {
        if (output(name, 'stdout', chunk) !== false) process.stdout.write(chunk);
      });
      worker.stderr.on('data', (chunk: Buffer) => {
        if (output(name, 'stderr', chunk) !== false) process.stderr.write(chunk);
      });
    }
    const started = new FunctionWorker(name, worker, log);
    workers.set(name, started);
    await started.ready;
    return started;
  };

  const handler = (name: FunctionName): FunctionHandler => {
    const direct: FunctionHandler = async (event, context) => (await workerOf(name)).invoke(event, context);
    return options.wrap ? options.wrap(name, direct) : direct;
  };

  const streamHandler =
    (name: FunctionName): StreamFunctionHandler =>
    async (event, context, sink, signal) =>
      (await workerOf(name)).invokeStream(event, context, sink, signal);

  return {
    handler,
    streamHandler,
    async warm(names) {
      await Promise.all([...names].map((name) => workerOf(name)));
    },
    environmentOf: (name) => ({ ...options.environmentOf(name) }),
    environmentInside: async (name) => (await workerOf(name)).environmentInside(),
    async stop() {
      stopped = true;
      await Promise.all([...workers.values()].map((worker) => worker.terminate()));
      workers.clear();
    },
  };
}
