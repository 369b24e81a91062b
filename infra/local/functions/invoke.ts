import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionName, type FunctionSpec } from '../../wiring.ts';
import { createLambdaContext, invokeWithTimeout } from './lambda-invoke.ts';

/**
 * How every local trigger (queue and stream pollers, the scheduler, the recurring timers) calls a
 * function: its handler (in its worker, function-pool.ts) with a Lambda-like context, bounded by the
 * function's timeout from the wiring. The gateway calls the HTTP functions through the same
 * lambda-invoke.ts.
 */

// Method syntax keeps the parameter bivariant, so handlers typed for their own event fit.
interface HandlerShape {
  handle(event: unknown, context: Context): Promise<unknown>;
}
export type FunctionHandler = HandlerShape['handle'];

/** The ARN a function has locally; the same one its Context reports as invokedFunctionArn. */
export function localFunctionArn(name: FunctionName): string {
  return createLambdaContext(name, FUNCTIONS[name], 0).invokedFunctionArn;
}

/** The function a local ARN names (a version or alias suffix is ignored), or null. */
export function functionNameFromArn(arn: string): FunctionName | null {
  const unqualified = arn.split(':').slice(0, 7).join(':');
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    if (localFunctionArn(name) === unqualified) return name;
  }
  return null;
}

export class FunctionModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FunctionModuleError';
  }
}

/** One invocation; rejects on a thrown error or when the function's timeout passes. */
export function invokeFunction(
  name: FunctionName,
  handler: FunctionHandler,
  event: unknown,
  spec: FunctionSpec = FUNCTIONS[name],
): Promise<unknown> {
  // A deep copy, as across the wire: a handler must not share objects with its trigger.
  const payload = structuredClone(event);
  return invokeWithTimeout(name, spec, (context) => handler(payload, context));
}
