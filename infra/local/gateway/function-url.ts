import type { ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FunctionName, FunctionSpec } from '../../wiring.ts';
import type { StreamFunctionHandler } from '../functions/function-pool.ts';
import { FunctionTimeoutError, invokeWithTimeout } from '../functions/lambda-invoke.ts';
import { describeError } from '../http-helpers.ts';
import { sendMessage, type RequestIds } from './answers.ts';

/**
 * A route served by a Lambda function URL with response streaming (infra/wiring.ts `via:
 * 'functionUrl'`), as the gateway serves it locally: no authorizer and no 30 s API Gateway timeout
 * (the function checks the key itself and runs until its own timeout), each part of the answer written
 * to the client as the function writes it, and the function's stream closed when the client goes away.
 * The event is the HTTP API's payload 2.0, which is what a function URL sends too.
 */
export async function serveStreamed(
  name: FunctionName,
  spec: FunctionSpec,
  handler: StreamFunctionHandler,
  event: APIGatewayProxyEventV2,
  res: ServerResponse,
  ids: RequestIds,
  logError: (message: string) => void,
): Promise<void> {
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  const sink = {
    head({ statusCode, headers }: { statusCode: number; headers: Record<string, string> }) {
      if (res.headersSent) return;
      res.writeHead(statusCode, { ...headers, 'x-amzn-requestid': ids.requestId });
      // The head goes out at once: a client waits for it before it reads any event.
      res.flushHeaders();
    },
    chunk(data: Uint8Array) {
      if (!res.destroyed) res.write(data);
    },
  };
  try {
    await invokeWithTimeout(name, spec, (context) => handler(event, context, sink, abort.signal));
  } catch (error) {
    if (abort.signal.aborted) return;
    const what =
      error instanceof FunctionTimeoutError
        ? error.message
        : `${name} failed: ${describeError(error, { withStack: true })}`;
    logError(`[gateway] ${ids.requestId} ${what}`);
    // A function URL answers 502 for a function error before its first byte; after it, it cuts the stream.
    if (!res.headersSent) {
      sendMessage(res, ids, 502, 'Internal Server Error');
      return;
    }
  }
  if (!res.writableEnded) res.end();
}
