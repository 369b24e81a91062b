import type { Writable } from 'node:stream';
import type { StreamifyHandler } from 'aws-lambda';
import type { StreamingResponse } from '#shared/http/batch-events.ts';

/**
 * Lambda's response streaming: the Node runtime's global `awslambda` (streamifyResponse,
 * HttpResponseStream). Local mode installs a stand-in with the same surface before it loads a
 * function (infra/local/functions/response-stream.ts), so the same handler runs in both.
 */
function runtime(): typeof awslambda {
  const found = (globalThis as { awslambda?: typeof awslambda }).awslambda;
  if (!found) throw new Error('awslambda is not defined: this handler runs in Lambda or in local mode only');
  return found;
}

export function streamify<E>(handler: StreamifyHandler<E, void>): StreamifyHandler<E, void> {
  return runtime().streamifyResponse(handler);
}

const isClosed = (stream: Writable) => stream.destroyed || stream.writableEnded;

/** The status and headers, then the body as it is written (awaiting each write: back-pressure). */
export function streamingResponse(responseStream: Writable): StreamingResponse {
  return {
    start(statusCode, headers) {
      const body = runtime().HttpResponseStream.from(responseStream, { statusCode, headers });
      return {
        get closed() {
          return isClosed(body);
        },
        write: (chunk) =>
          new Promise<void>((resolve) => {
            if (isClosed(body)) return resolve();
            // A write to a client that has gone fails; `closed` tells the caller on its next turn.
            body.write(chunk, () => resolve());
          }),
        end: () =>
          new Promise<void>((resolve) => {
            if (isClosed(body)) return resolve();
            body.end(() => resolve());
          }),
      };
    },
  };
}
