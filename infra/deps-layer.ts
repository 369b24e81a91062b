import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';

/**
 * The dependencies layer: the AWS SDK clients the functions use, S3's POST pre-signer and the
 * Powertools Tracer, built from this project's lockfile into one Lambda layer that every function
 * shares. The function bundles leave these modules out (infra/bundling.ts aliases each to its path
 * in the layer), so they stay small, and the modules load from a few minified ESM files with their
 * shared code split into common chunks instead of from hundreds of package files.
 *
 * Why a layer of our own rather than the runtime's SDK and the Powertools public layer:
 * - **Cold starts.** A fresh import of a function with the SDK and the Tracer as npm packages took
 *   182–238 ms on the bench machine, with this layer 106–143 ms (the bench's cold-start section):
 *   resolving and reading the packages' hundreds of files, not running them, was the cost.
 * - **One version, the tested one.** The runtime ships an SDK minor AWS no longer lists and changes
 *   it with runtime updates; a client missing from it would fail every invocation. The layer holds
 *   exactly the lockfile's versions, the ones every test runs against.
 *
 * Layout: `nodejs/node_modules/@batch-calls/deps/<name>.mjs` (Lambda's layer convention), the code
 * the entries share in `chunks/`. The bundles import each entry by its absolute path under /opt,
 * where Lambda extracts a function's layers: whether an ES module's bare specifier resolves in a
 * layer's `nodejs/node_modules` depends on the runtime's loader (Node's ESM resolution ignores
 * NODE_PATH), a file path does not. The bench and the tests mount the layer in a directory of their
 * own and build the bundles for that mount (`layerMount`); nothing else differs.
 */

export const LAYER_PACKAGE = '@batch-calls/deps';

/** Where Lambda extracts the layers of a function. */
export const LAMBDA_LAYER_MOUNT = '/opt';

/** Each module the layer provides, and its entry's name in the layer. A new AWS client goes here. */
export const LAYER_MODULES = {
  '@aws-sdk/client-dynamodb': 'client-dynamodb',
  '@aws-sdk/lib-dynamodb': 'lib-dynamodb',
  '@aws-sdk/util-dynamodb': 'util-dynamodb',
  '@aws-sdk/client-s3': 'client-s3',
  '@aws-sdk/s3-presigned-post': 's3-presigned-post',
  '@aws-sdk/client-scheduler': 'client-scheduler',
  '@aws-sdk/client-secrets-manager': 'client-secrets-manager',
  '@aws-sdk/client-sqs': 'client-sqs',
  '@aws-lambda-powertools/tracer': 'powertools-tracer',
} as const satisfies Record<string, string>;

export type LayerModule = keyof typeof LAYER_MODULES;
const MODULES = Object.keys(LAYER_MODULES) as LayerModule[];

/** Where the package sits inside the layer's directory (the directory Lambda mounts at /opt). */
export const LAYER_PACKAGE_DIR = ['nodejs', 'node_modules', ...LAYER_PACKAGE.split('/')].join('/');

/** The path a bundle imports a module by, the layer mounted at `mount`. */
export function layerEntryPath(module: LayerModule, mount: string = LAMBDA_LAYER_MOUNT): string {
  return `${mount}/${LAYER_PACKAGE_DIR}/${LAYER_MODULES[module]}.mjs`;
}

/** The module an import path of a bundle stands for, or null when it is not one of the layer's. */
export function moduleOfLayerPath(path: string, mount: string = LAMBDA_LAYER_MOUNT): LayerModule | null {
  return MODULES.find((m) => layerEntryPath(m, mount) === path) ?? null;
}

/** The aliases a function bundle is built with: each layer module to its entry in the mounted layer. */
export function layerAliases(mount: string = LAMBDA_LAYER_MOUNT): Record<string, string> {
  return Object.fromEntries(MODULES.map((m) => [m, layerEntryPath(m, mount)]));
}

/** What a function bundle leaves out: everything in the mounted layer. */
export function layerExternal(mount: string = LAMBDA_LAYER_MOUNT): string {
  return `${mount}/${LAYER_PACKAGE_DIR}/*`;
}

/**
 * esbuild output is ESM; CommonJS dependencies that call `require` (aws-xray-sdk-core here, some of
 * ours in the function bundles) need one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __batchCallsCreateRequire } from 'node:module'; const require = __batchCallsCreateRequire(import.meta.url);";

/** How the layer is built: one entry per module, the code they share in common chunks. */
export function depsLayerBuildOptions(projectRoot: string, packageDir: string): BuildOptions {
  return {
    entryPoints: MODULES.map((m) => ({ in: m, out: LAYER_MODULES[m] })),
    outdir: packageDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: false,
    outExtension: { '.js': '.mjs' },
    banner: { js: ESM_REQUIRE_BANNER },
    // Chunk names carry a hash of their content: the same lockfile gives the same files.
    chunkNames: 'chunks/[name]-[hash]',
    absWorkingDir: projectRoot,
    logLevel: 'error',
  };
}

/** The package.json of the layer's package: ESM, each entry exported by its name (for a reader). */
export function layerPackageJson(): string {
  const exports = Object.fromEntries(
    Object.values(LAYER_MODULES).map((name) => [`./${name}`, `./${name}.mjs`]),
  );
  return `${JSON.stringify({ name: LAYER_PACKAGE, private: true, type: 'module', exports }, null, 2)}\n`;
}

/**
 * Builds the layer into `layerDir` (the directory that becomes /opt): synchronous, as CDK's local
 * bundling calls it during synthesis; the bench and the tests build it the same way.
 */
export function buildDepsLayer(projectRoot: string, layerDir: string): string {
  const packageDir = join(layerDir, LAYER_PACKAGE_DIR);
  rmSync(packageDir, { recursive: true, force: true });
  mkdirSync(packageDir, { recursive: true });
  buildSync(depsLayerBuildOptions(projectRoot, packageDir));
  writeFileSync(join(packageDir, 'package.json'), layerPackageJson());
  return packageDir;
}
