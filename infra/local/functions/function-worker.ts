import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import {
  installAwsLambdaStandIn,
  invokeStreaming,
  isStreamingHandler,
  type StreamHead,
} from './response-stream.ts';

/**
 * The inside of one local function's worker thread (started by function-pool.ts), the local stand-in
 * for a Lambda sandbox: its own module instance, its own memory and its own process.env — exactly the
 * environment the pool gave the Worker. It loads the entry once (the cold start), then runs each
 * invocation it is sent and posts back the result or the error. Events and results cross by
 * structured clone, as they cross the wire to a real Lambda.
 */

export interface WorkerData {
  entry: string;
}

/** The Context fields that cross; getRemainingTimeInMillis is rebuilt here from the deadline. */
export interface ContextFields {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  /** Epoch ms at which the host gives the invocation up. */
  deadline: number;
}

export type ToWorker =
  | { type: 'invoke'; id: number; event: unknown; context: ContextFields }
  /** A response-streaming invocation (a function URL): the answer comes back in parts. */
  | { type: 'invokeStream'; id: number; event: unknown; context: ContextFields }
  /** The client of a streamed invocation went away. */
  | { type: 'abort'; id: number }
  /** What process.env holds inside the worker: how tests see that isolation holds. */
  | { type: 'environment'; id: number };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'loadFailed'; error: SerializedError }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'streamHead'; id: number; head: StreamHead }
  | { type: 'streamChunk'; id: number; data: Uint8Array }
  | { type: 'error'; id: number; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

function contextOf(fields: ContextFields): Context {
  const unsupported = () => {
    throw new Error('The callback-style Context methods are not supported: return a promise instead');
  };
  const { deadline, ...rest } = fields;
  return {
    ...rest,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('function-worker.ts runs inside a worker thread only');
  const { entry } = workerData as WorkerData;
  let handler: Handler;
  // Local stack traces name the TypeScript sources (the stack ships minified bundles without maps).
  process.setSourceMapsEnabled(true);
  // Lambda's runtime global for response streaming, before the module that uses it loads.
  installAwsLambdaStandIn();
  const streams = new Map<number, () => void>();
  try {
    const module = (await import(pathToFileURL(entry).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
    handler = module.handler as Handler;
  } catch (error) {
    port.postMessage({ type: 'loadFailed', error: serializeError(error) } satisfies FromWorker);
    return;
  }
  port.on('message', (message: ToWorker) => {
    if (message.type === 'environment') {
      port.postMessage({ type: 'result', id: message.id, value: { ...process.env } } satisfies FromWorker);
      return;
    }
    if (message.type === 'abort') {
      streams.get(message.id)?.();
      return;
    }
    if (message.type === 'invokeStream') {
      const { id } = message;
      if (!isStreamingHandler(handler)) {
        const error = new Error(`${entry} is not wrapped in awslambda.streamifyResponse`);
        port.postMessage({ type: 'error', id, error: serializeError(error) } satisfies FromWorker);
        return;
      }
      const running = invokeStreaming(handler, message.event, contextOf(message.context), {
        head: (head) => port.postMessage({ type: 'streamHead', id, head } satisfies FromWorker),
        chunk: (data) => port.postMessage({ type: 'streamChunk', id, data } satisfies FromWorker),
      });
      streams.set(id, running.abort);
      running.done
        .then(
          () => port.postMessage({ type: 'result', id, value: null } satisfies FromWorker),
          (error: unknown) =>
            port.postMessage({ type: 'error', id, error: serializeError(error) } satisfies FromWorker),
        )
        .finally(() => streams.delete(id));
      return;
    }
    // Promise.resolve().then(...) turns a synchronous throw into a rejection, as the runtime does.
    Promise.resolve()
      .then(() => handler(message.event, contextOf(message.context)))
      .then(
        (value) => port.postMessage({ type: 'result', id: message.id, value } satisfies FromWorker),
        (error: unknown) =>
          port.postMessage({
            type: 'error',
            id: message.id,
            error: serializeError(error),
          } satisfies FromWorker),
      )
      .catch((error: unknown) =>
        // A result that cannot be cloned (a function, a socket) fails as it would fail to serialize.
        port.postMessage({
          type: 'error',
          id: message.id,
          error: serializeError(error),
        } satisfies FromWorker),
      );
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

await main();
