import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { BUNDLE_ALIASES, bundleBudget, DEFAULT_BUNDLE_BUDGET, IMPORT_TARGET_MS } from '#infra/bundling.ts';
import { buildDepsLayer, LAYER_MODULES } from '#infra/deps-layer.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { bundleFunction, importOnce } from '../lib/fresh-import.ts';
import { summarize, type Summary } from '../lib/stats.ts';

/**
 * 4. Cold start: each function bundled as the CDK stack ships it (infra/bundling.ts: esbuild, ESM,
 * node22, minified, no source map, the AWS SDK and the Tracer left to the dependencies layer) with its
 * data files beside it, as in its Lambda package (a function that validates phones reads their
 * metadata at load), its size, and how long a fresh Node process takes to import it — the
 * module-level work of a Lambda cold start (composition root, SDK clients), without the runtime's own
 * start. The layer is built as the stack builds it (infra/deps-layer.ts) and the bundles for it
 * mounted in the bench's directory instead of /opt (their imports of its entries are file paths).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'batch-calls-bench-bundles');

export interface ColdStartResult {
  function: FunctionName;
  bundleBytes: number;
  /** The target (300 KB), the function's budget where it has its own (infra/bundling.ts). */
  targetBytes: number;
  budgetBytes: number;
  importTargetMs: number;
  /** The shipped bundle with the Tracer on, as the stack ships it. */
  importMs: Summary;
  processMs: Summary;
  /** The dependencies layer every function shares: its size (all files) and file count. */
  layer: { bytes: number; files: number };
  /**
   * The alternatives, imports alternating with the shipped bundle's so all see the same machine
   * load: the SDK clients and the Tracer bundled into the function (one file, 650–1,050 KB), and
   * left as npm packages (how the runtime's SDK and the Powertools public layer provide them: the
   * design before the layer).
   */
  sdkBundled: { bundleBytes: number; importMs: Summary };
  sdkAsPackages: { importMs: Summary };
  /**
   * The shipped bundle with tracing off (POWERTOOLS_TRACE_ENABLED=false): what loading the Tracer and
   * the X-Ray SDK adds to a cold start (functions/lib/tracing.ts).
   */
  withoutTracer: { importMs: Summary };
}

async function directoryBytes(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
    files += 1;
  }
  return { bytes, files };
}

/** One variant of a function's bundle, in `dir/<function>/index.mjs`. */
function bundleVariant(
  name: FunctionName,
  dir: string,
  layerMount: string,
  overrides: Partial<BuildOptions> = {},
) {
  return bundleFunction(ROOT, name, join(dir, name, 'index.mjs'), layerMount, overrides);
}

export async function benchColdStart(runs: number): Promise<ColdStartResult[]> {
  await rm(OUT_DIR, { recursive: true, force: true });
  await mkdir(OUT_DIR, { recursive: true });
  try {
    // The layer mounted at OUT_DIR/layer instead of /opt. The variants' SDK packages resolve to the
    // project's node_modules (OUT_DIR is inside it).
    const layerMount = join(OUT_DIR, 'layer');
    const layer = await directoryBytes(buildDepsLayer(ROOT, layerMount));
    const variantsDir = join(OUT_DIR, 'variants');
    const results: ColdStartResult[] = [];
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const shipped = await bundleVariant(name, join(OUT_DIR, 'task'), layerMount);
      const withSdk = await bundleVariant(name, join(variantsDir, 'sdk-bundled'), layerMount, {
        external: [],
        alias: { ...BUNDLE_ALIASES },
      });
      const asPackages = await bundleVariant(name, join(variantsDir, 'sdk-as-packages'), layerMount, {
        external: Object.keys(LAYER_MODULES),
        alias: { ...BUNDLE_ALIASES },
      });
      const samples: { importMs: number; processMs: number }[] = [];
      const withSdkMs: number[] = [];
      const asPackagesMs: number[] = [];
      const withoutTracerMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        samples.push(await importOnce(name, shipped));
        withSdkMs.push((await importOnce(name, withSdk)).importMs);
        asPackagesMs.push((await importOnce(name, asPackages)).importMs);
        withoutTracerMs.push(
          (await importOnce(name, shipped, { POWERTOOLS_TRACE_ENABLED: 'false' })).importMs,
        );
      }
      results.push({
        function: name,
        bundleBytes: (await stat(shipped)).size,
        targetBytes: DEFAULT_BUNDLE_BUDGET.bytes,
        budgetBytes: bundleBudget(name).bytes,
        importTargetMs: IMPORT_TARGET_MS,
        importMs: summarize(samples.map((s) => s.importMs)),
        processMs: summarize(samples.map((s) => s.processMs)),
        layer,
        sdkBundled: { bundleBytes: (await stat(withSdk)).size, importMs: summarize(withSdkMs) },
        sdkAsPackages: { importMs: summarize(asPackagesMs) },
        withoutTracer: { importMs: summarize(withoutTracerMs) },
      });
    }
    return results;
  } finally {
    await rm(OUT_DIR, { recursive: true, force: true });
  }
}
