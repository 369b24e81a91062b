import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionName, type FunctionSpec } from '../wiring.ts';
import { REPO_ROOT } from './gateway.ts';
import { createLambdaContext, invokeWithTimeout } from './lambda-invoke.ts';
import { freshImportUrl } from './fresh-import.ts';

/**
 * How every local trigger (queue and stream pollers, the scheduler, the recurring timers) calls a
 * function: the module's `handler` with a Lambda-like context, bounded by the function's timeout from
 * the wiring. The gateway calls the HTTP functions through the same lambda-invoke.ts.
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

/**
 * Imports FUNCTIONS[name].entry and returns its handler. `fresh` imports a new module instance:
 * handlers read process.env at load, so a second local service in one process needs its own.
 */
export async function loadFunctionHandler(
  name: FunctionName,
  options: { fresh?: boolean } = {},
): Promise<FunctionHandler> {
  const entry = FUNCTIONS[name].entry;
  const file = join(REPO_ROOT, entry);
  if (!existsSync(file)) throw new FunctionModuleError(`${entry} (function ${name}) does not exist`);
  const url = pathToFileURL(file).href;
  const module = (await import(options.fresh ? freshImportUrl(url) : url)) as {
    handler?: unknown;
  };
  if (typeof module.handler !== 'function') {
    throw new FunctionModuleError(`${entry} does not export a handler function`);
  }
  return module.handler as FunctionHandler;
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
