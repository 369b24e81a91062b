import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { ESM_REQUIRE_BANNER, LAMBDA_LAYER_MOUNT, layerAliases, layerExternal } from './deps-layer.ts';
import type { FunctionName } from './wiring.ts';

/**
 * How every function is bundled: one description, read by the CDK construct
 * (infra/constructs/service-function.ts), the bundle budget test (test/unit/bundle-budget.test.ts)
 * and the bench's cold-start section, so what they measure is what the stack ships.
 *
 * - ESM, minified, no source map: a map ships inside the asset and, with --enable-source-maps, makes
 *   every thrown error's stack cost a map lookup; errors are logged with their message and the
 *   ids of what failed, and local mode bundles with maps, where stacks name the sources.
 * - The AWS SDK clients and the Tracer come from the project's dependencies layer
 *   (infra/deps-layer.ts), built from the lockfile: each import of one of them is aliased to its
 *   entry's path in the layer (/opt/...) and left out of the bundle.
 */

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

/**
 * What a bundle leaves to the dependencies layer mounted at `mount` (/opt in Lambda): every import of
 * a layer module aliased to its entry's path there, and those paths left external.
 */
function layerImports(mount: string): { external: string[]; alias: Record<string, string> } {
  return { external: [layerExternal(mount)], alias: { ...BUNDLE_ALIASES, ...layerAliases(mount) } };
}

export const FUNCTION_BUNDLE = {
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: false,
  banner: ESM_REQUIRE_BANNER,
  /** Everything a function imports from outside its bundle: the layer's entries. */
  ...layerImports(LAMBDA_LAYER_MOUNT),
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

/**
 * The same options as esbuild's API takes them (the budget test and the bench build with these).
 * `layerMount`: where the dependencies layer is mounted, /opt as in Lambda unless a test or the
 * bench mounts it elsewhere.
 */
export function esbuildOptions(
  projectRoot: string,
  entry: string,
  outfile: string,
  layerMount: string = LAMBDA_LAYER_MOUNT,
): BuildOptions {
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
    banner: { js: FUNCTION_BUNDLE.banner },
    ...layerImports(layerMount),
    absWorkingDir: projectRoot,
    tsconfig: join(projectRoot, 'tsconfig.json'),
    logLevel: 'error',
  };
}
