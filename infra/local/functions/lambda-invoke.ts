import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../../wiring.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../gateway/http-event.ts';

/**
 * Calls a handler the way the Lambda runtime does: with a Context whose remaining time counts down
 * from the function's timeout, and gives up when the timeout passes. The handler's promise cannot be
 * killed in-process, so a timed-out invocation keeps running in the background; its result is dropped,
 * which is what the caller of a real Lambda sees too.
 */

export class FunctionTimeoutError extends Error {
  constructor(functionName: string, seconds: number) {
    super(`${functionName} timed out after ${seconds} s`);
    this.name = 'FunctionTimeoutError';
  }
}

export function createLambdaContext(name: string, spec: FunctionSpec, startedAt: number): Context {
  const functionName = `batch-calls-local-${name}`;
  const deadline = startedAt + spec.timeoutSeconds * 1000;
  const unsupported = () => {
    throw new Error('The callback-style Context methods are not supported: return a promise instead');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

export async function invokeWithTimeout<T>(
  name: string,
  spec: FunctionSpec,
  run: (context: Context) => Promise<T>,
): Promise<T> {
  const context = createLambdaContext(name, spec, Date.now());
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FunctionTimeoutError(context.functionName, spec.timeoutSeconds)),
      spec.timeoutSeconds * 1000,
    );
  });
  try {
    // Promise.resolve().then(...) turns a synchronous throw into a rejection, as the runtime does.
    return await Promise.race([Promise.resolve().then(() => run(context)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
