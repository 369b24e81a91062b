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

/**
 * Provided by the Powertools Lambda layer of the pinned version (infra/powertools-layer.ts), not
 * bundled: the Tracer, which with aws-xray-sdk-core would add 121 KB to every function. The
 * functions load it only when tracing is on (functions/lib/tracing.ts).
 */
export const LAYER_PROVIDED_MODULES = ['@aws-lambda-powertools/tracer'] as const;

/** Every module a function imports at run time from outside its bundle. */
export const PROVIDED_AT_RUN_TIME: readonly string[] = [
  ...RUNTIME_PROVIDED_MODULES,
  ...LAYER_PROVIDED_MODULES,
];

/**
 * Modules replaced when bundling, so phone validation costs the functions that do it 23 KB of code
 * instead of 190 KB: libphonenumber's metadata is read from a data file beside the bundle
 * (functions/lib/phone-metadata-file.ts: 153 KB of JSON parse faster than as code), and its parser is
 * the package's ES2015+ build (functions/lib/phone-parser.ts). Paths relative to the project root
 * (esbuild resolves an alias from its working directory).
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  'libphonenumber-js/metadata.max': './functions/lib/phone-metadata-file.ts',
  'libphonenumber-js/core': './functions/lib/phone-parser.ts',
};

export const FUNCTION_BUNDLE = {
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: false,
  external: PROVIDED_AT_RUN_TIME,
  banner: ESM_REQUIRE_BANNER,
  alias: BUNDLE_ALIASES,
} as const;

/** A function's bundle budget in bytes (minified, without source map), and why if it is not the default. */
export interface BundleBudget {
  bytes: number;
  why: string | null;
}

const KB = 1024;
export const DEFAULT_BUNDLE_BUDGET: BundleBudget = { bytes: 300 * KB, why: null };

/**
 * The functions over the default, each with the reason: none. The api function (589 KB: every route
 * in one bundle) is split by route group (infra/wiring.ts), and phone validation reads its data from
 * a file (BUNDLE_ALIASES). A function given an exception here names why.
 */
export const BUNDLE_BUDGETS: Partial<Record<FunctionName, BundleBudget>> = {};

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
    alias: { ...FUNCTION_BUNDLE.alias },
    absWorkingDir: projectRoot,
    tsconfig: join(projectRoot, 'tsconfig.json'),
    logLevel: 'error',
  };
}
