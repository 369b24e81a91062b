import { rmSync } from 'node:fs';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_ALIASES } from '../../bundling.ts';
import { ESM_REQUIRE_BANNER } from '../../deps-layer.ts';
import { FUNCTIONS, type FunctionName } from '../../wiring.ts';

/**
 * The functions as Lambda gets them: each entry bundled by esbuild (as the CDK stack's
 * NodejsFunction does), here once per process into a temporary directory, with the chunks the
 * entries share split out. A worker then loads one prepared file instead of compiling the TypeScript
 * graph itself: measured on this 2-core machine under load, ≈0.5 s per worker instead of ≈1.4 s.
 */

let bundles: Promise<Record<FunctionName, string>> | undefined;

export function functionBundles(repoRoot: string): Promise<Record<FunctionName, string>> {
  bundles ??= bundle(repoRoot).catch((error: unknown) => {
    bundles = undefined; // A fixed source may be bundled on the next try.
    throw error;
  });
  return bundles;
}

async function bundle(repoRoot: string): Promise<Record<FunctionName, string>> {
  const outdir = await mkdtemp(join(tmpdir(), 'batch-calls-functions-'));
  process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  const entryPoints = Object.fromEntries(names.map((name) => [name, join(repoRoot, FUNCTIONS[name].entry)]));
  await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Stack traces name the sources (the worker enables source maps; the stack ships none).
    sourcemap: 'linked',
    sourceRoot: relative(outdir, repoRoot),
    outExtension: { '.js': '.mjs' },
    // As in the stack: CommonJS dependencies bundled into ESM need a `require`.
    banner: { js: ESM_REQUIRE_BANNER },
    // As in the stack: phone validation reads its data from a file beside the bundle. The SDK and
    // the Tracer are bundled from node_modules (the stack takes the same versions from its layer).
    alias: { ...BUNDLE_ALIASES },
    absWorkingDir: repoRoot,
    logLevel: 'silent',
    tsconfig: join(repoRoot, 'tsconfig.json'),
  });
  // The data files the wiring lists, beside the bundles as in Lambda (one folder serves every function).
  for (const file of names.flatMap((name) => FUNCTIONS[name].dataFiles ?? [])) {
    await copyFile(join(repoRoot, file.from), join(outdir, file.to));
  }
  return Object.fromEntries(names.map((name) => [name, join(outdir, `${name}.mjs`)])) as Record<
    FunctionName,
    string
  >;
}
