import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import type { FunctionName } from './wiring.ts';

/**
 * How every function is bundled: one description, read by the CDK construct
 * (infra/constructs/service-function.ts), the bundle budget test (test/unit/bundle-budget.test.ts)
 * and the bench's cold-start section, so what they measure is what the stack ships.
 *
 * - ESM, minified, no source map: a map ships inside the asset and, with --enable-source-maps, makes
 *   every thrown error's stack cost a map lookup; errors are logged with their message and the
 *   ids of what failed, and local mode bundles with maps, where stacks name the sources.
 * - The AWS SDK clients are the ones the Node.js 22 runtime ships (RUNTIME_PROVIDED_MODULES): the
 *   stack applies runtime updates only when it deploys (docs/deploy.md, "Runtime and AWS SDK").
 */

/** esbuild output is ESM; CommonJS dependencies that call `require` need one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __batchCallsCreateRequire } from 'node:module'; const require = __batchCallsCreateRequire(import.meta.url);";

/**
 * Provided by the Lambda runtime, not bundled: the SDK clients and the DynamoDB document client the
 * functions use, by exact name. Everything else is bundled, the S3 pre-signers included: an ESM
 * handler resolves the runtime's `@aws-sdk/*` packages, but not every package the SDK depends on
 * (`@smithy/node-http-handler` is not found: aws/aws-sdk-js-v3#6169), and a package missing at run
 * time fails every invocation, so only the clients themselves are left out. A new client goes here.
 */
export const RUNTIME_PROVIDED_MODULES = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/util-dynamodb',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-scheduler',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-sqs',
] as const;

export const FUNCTION_BUNDLE = {
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: false,
  external: RUNTIME_PROVIDED_MODULES,
  banner: ESM_REQUIRE_BANNER,
} as const;

/** A function's bundle budget in bytes (minified, without source map), and why if it is not the default. */
export interface BundleBudget {
  bytes: number;
  why: string | null;
}

const KB = 1024;
export const DEFAULT_BUNDLE_BUDGET: BundleBudget = { bytes: 300 * KB, why: null };

/**
 * The functions over the default, each with the reason. The api function serves every route of the
 * public API: libphonenumber's full metadata (~150 KB: recipients' numbers are validated per country),
 * the CSV reader and the multipart parser ship with it, because one router imports every route's
 * handler. Splitting it by route group (docs/deploy.md, "Bundle budgets") brings each part under the
 * default; until then its budget holds the line where it is, so it cannot grow unnoticed.
 */
export const BUNDLE_BUDGETS: Partial<Record<FunctionName, BundleBudget>> = {
  api: { bytes: 600 * KB, why: 'every route in one bundle: phone metadata, CSV and multipart parsers' },
};

export function bundleBudget(name: FunctionName): BundleBudget {
  return BUNDLE_BUDGETS[name] ?? DEFAULT_BUNDLE_BUDGET;
}

/** The bench's target for a fresh import of a bundle (median), as the issue sets it. */
export const IMPORT_TARGET_MS = 150;

/** The same options as esbuild's API takes them (the budget test and the bench build with these). */
export function esbuildOptions(projectRoot: string, entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [join(projectRoot, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: FUNCTION_BUNDLE.format,
    target: FUNCTION_BUNDLE.target,
    mainFields: [...FUNCTION_BUNDLE.mainFields],
    minify: FUNCTION_BUNDLE.minify,
    sourcemap: FUNCTION_BUNDLE.sourcemap,
    external: [...FUNCTION_BUNDLE.external],
    banner: { js: FUNCTION_BUNDLE.banner },
    tsconfig: join(projectRoot, 'tsconfig.json'),
    logLevel: 'error',
  };
}
