import { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';

/**
 * Local stand-in for the Lambda Node runtime's response streaming: the global `awslambda` with
 * `streamifyResponse` and `HttpResponseStream.from`, installed in a function's worker before its
 * module loads (function-worker.ts), so the handler the stack deploys runs unchanged. As in Lambda,
 * `HttpResponseStream.from(stream, {statusCode, headers})` sets the status and headers that go out
 * before the first byte of the body; without it the answer is a 200 of `application/octet-stream`.
 */

export interface StreamHead {
  statusCode: number;
  headers: Record<string, string>;
}

/** Where a streamed answer goes (the worker posts each part to the gateway). */
export interface StreamSink {
  head(head: StreamHead): void;
  chunk(data: Uint8Array): void;
}

type StreamingHandler = (event: unknown, stream: Writable, context: Context) => Promise<unknown>;

const STREAMING = Symbol.for('batch-calls.local.streamifyResponse');
const DEFAULT_HEAD: StreamHead = { statusCode: 200, headers: { 'content-type': 'application/octet-stream' } };

class LocalResponseStream extends Writable {
  private head: StreamHead | null = null;
  private headSent = false;

  constructor(private readonly sink: StreamSink) {
    super();
  }

  setHead(metadata: Record<string, unknown>): void {
    const headers = Object.fromEntries(
      Object.entries((metadata.headers as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [
        k.toLowerCase(),
        String(v),
      ]),
    );
    this.head = { statusCode: Number(metadata.statusCode ?? 200), headers };
  }

  setContentType(contentType: string): void {
    this.head = {
      ...(this.head ?? DEFAULT_HEAD),
      headers: { ...(this.head ?? DEFAULT_HEAD).headers, 'content-type': contentType },
    };
  }

  sendHead(): void {
    if (this.headSent) return;
    this.headSent = true;
    this.sink.head(this.head ?? DEFAULT_HEAD);
  }

  override _write(
    chunk: Buffer | string,
    encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.sendHead();
    this.sink.chunk(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : new Uint8Array(chunk));
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    this.sendHead();
    done();
  }
}

/** Installs the global `awslambda` stand-in (once). */
export function installAwsLambdaStandIn(): void {
  const global = globalThis as { awslambda?: unknown };
  if (global.awslambda) return;
  global.awslambda = {
    streamifyResponse(handler: StreamingHandler) {
      Object.defineProperty(handler, STREAMING, { value: true });
      return handler;
    },
    HttpResponseStream: {
      from(stream: Writable, metadata: Record<string, unknown>) {
        if (stream instanceof LocalResponseStream) stream.setHead(metadata);
        return stream;
      },
    },
  };
}

export function isStreamingHandler(handler: unknown): handler is StreamingHandler {
  return typeof handler === 'function' && (handler as unknown as Record<symbol, unknown>)[STREAMING] === true;
}

/**
 * One streamed invocation: resolves when the handler has returned and its stream is finished (ended
 * for it if the handler did not). `abort` (the client went away) destroys the stream, as a closed
 * connection does in Lambda: the handler sees it closed and should return.
 */
export function invokeStreaming(
  handler: StreamingHandler,
  event: unknown,
  context: Context,
  sink: StreamSink,
): { abort(): void; done: Promise<void> } {
  const stream = new LocalResponseStream(sink);
  const done = (async () => {
    await handler(event, stream, context);
    if (!stream.destroyed && !stream.writableEnded) {
      await new Promise<void>((resolve) => stream.end(() => resolve()));
    }
  })();
  return { abort: () => stream.destroy(), done };
}
