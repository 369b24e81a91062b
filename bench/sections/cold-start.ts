import { spawn } from 'node:child_process';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { bundleBudget, DEFAULT_BUNDLE_BUDGET, esbuildOptions, IMPORT_TARGET_MS } from '#infra/bundling.ts';
import { functionEnvironment } from '#infra/function-environment.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { summarize, type Summary } from '../lib/stats.ts';

/**
 * 4. Cold start: each function bundled as the CDK stack ships it (infra/bundling.ts: esbuild, ESM,
 * node22, minified, no source map, the AWS SDK left to the runtime) with its data files beside it, as
 * in its Lambda package (a function that validates phones reads their metadata at load), its size,
 * and how long a fresh
 * Node process takes to import it — the module-level work of a Lambda cold start (composition root,
 * SDK clients), without the runtime's own start. The bundles are written under node_modules/.cache,
 * so their SDK imports resolve to the locked SDK as Lambda's resolve to the runtime's, and the
 * Tracer (on, as the stack ships it) to the locked Powertools as Lambda's resolve to its layer.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'batch-calls-bench-bundles');

/** What the stack gives each function (dummy values: importing makes no request), plus the runtime's. */
function lambdaLikeEnv(name: FunctionName): Record<string, string> {
  return {
    ...functionEnvironment(name, {
      tableName: 'batch-calls-bench',
      publicBaseUrl: 'https://calls.example.com',
      queueUrls: {
        dial: 'https://sqs.us-east-1.amazonaws.com/123456789012/dial',
        webhook: 'https://sqs.us-east-1.amazonaws.com/123456789012/webhook',
      },
      filesBucket: 'batch-calls-files-bench',
      scheduler: {
        groupName: 'batch-calls',
        targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:start-batch',
        roleArn: 'arn:aws:iam::123456789012:role/scheduler',
        deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:scheduler-dlq',
      },
      authCacheTtlSeconds: 60,
      secretsPrefix: 'batch-calls/bench/',
      retentionDays: 90,
      observability: { metricsNamespace: 'batch-calls/bench', tracer: true },
    }),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export interface ColdStartResult {
  function: FunctionName;
  bundleBytes: number;
  /** The target (300 KB), the function's budget where it has its own (infra/bundling.ts). */
  targetBytes: number;
  budgetBytes: number;
  importTargetMs: number;
  importMs: Summary;
  processMs: Summary;
  /**
   * The same function with the SDK clients bundled too (the alternative to the runtime's SDK):
   * what leaving them out saves in size and costs in import time, imports alternating with the
   * shipped bundle's so both see the same machine load.
   */
  sdkBundled: { bundleBytes: number; importMs: Summary };
  /**
   * The shipped bundle with tracing off (POWERTOOLS_TRACE_ENABLED=false): what loading the Tracer and
   * the X-Ray SDK from the Powertools layer adds to a cold start (functions/lib/tracing.ts).
   */
  withoutTracer: { importMs: Summary };
}

function importOnce(
  name: FunctionName,
  file: string,
  extraEnv: Record<string, string> = {},
): Promise<{ importMs: number; processMs: number }> {
  // The Lambda Node runtime defines the global `awslambda` (response streaming) before it loads a
  // handler; a streaming function (events) reads it at import, so the child gets the same shape.
  const runtimeGlobal =
    'globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };';
  const script = `${runtimeGlobal} const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...lambdaLikeEnv(name), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`importing ${file} failed (${code}): ${err.slice(0, 500)}`));
      else resolvePromise({ importMs: Number(out), processMs: performance.now() - started });
    });
  });
}

export async function benchColdStart(runs: number): Promise<ColdStartResult[]> {
  await rm(OUT_DIR, { recursive: true, force: true });
  await mkdir(OUT_DIR, { recursive: true });
  try {
    const results: ColdStartResult[] = [];
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const outfile = join(OUT_DIR, name, 'index.mjs');
      await build(esbuildOptions(ROOT, FUNCTIONS[name].entry, outfile));
      const bundleBytes = (await stat(outfile)).size;
      const withSdk = join(OUT_DIR, `${name}-sdk`, 'index.mjs');
      await build({ ...esbuildOptions(ROOT, FUNCTIONS[name].entry, withSdk), external: [] });
      for (const file of FUNCTIONS[name].dataFiles ?? []) {
        for (const bundle of [outfile, withSdk])
          await copyFile(join(ROOT, file.from), join(dirname(bundle), file.to));
      }
      const samples: { importMs: number; processMs: number }[] = [];
      const withSdkMs: number[] = [];
      const withoutTracerMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        samples.push(await importOnce(name, outfile));
        withSdkMs.push((await importOnce(name, withSdk)).importMs);
        withoutTracerMs.push(
          (await importOnce(name, outfile, { POWERTOOLS_TRACE_ENABLED: 'false' })).importMs,
        );
      }
      results.push({
        function: name,
        bundleBytes,
        targetBytes: DEFAULT_BUNDLE_BUDGET.bytes,
        budgetBytes: bundleBudget(name).bytes,
        importTargetMs: IMPORT_TARGET_MS,
        importMs: summarize(samples.map((s) => s.importMs)),
        processMs: summarize(samples.map((s) => s.processMs)),
        sdkBundled: { bundleBytes: (await stat(withSdk)).size, importMs: summarize(withSdkMs) },
        withoutTracer: { importMs: summarize(withoutTracerMs) },
      });
    }
    return results;
  } finally {
    await rm(OUT_DIR, { recursive: true, force: true });
  }
}
