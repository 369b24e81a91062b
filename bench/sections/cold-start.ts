import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ENV } from '#shared/config/env-names.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { summarize, type Summary } from '../lib/stats.ts';

/**
 * 4. Cold start: each function bundled as the CDK stack's NodejsFunction bundles it (esbuild, ESM,
 * node22, minified, SDK included, the createRequire banner), its size, and how long a fresh Node
 * process takes to import it — the module-level work of a Lambda cold start (composition root, SDK
 * clients), without the runtime's own start.
 */

const ROOT = resolve(import.meta.dirname, '../..');
/** The same banner infra/constructs/service-function.ts gives its ESM bundles. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __batchCallsCreateRequire } from 'node:module'; const require = __batchCallsCreateRequire(import.meta.url);";

/** What the stack sets on a function (dummy values: importing makes no request). */
const LAMBDA_LIKE_ENV: Record<string, string> = {
  [ENV.tableName]: 'batch-calls-bench',
  [ENV.publicBaseUrl]: 'https://calls.example.com',
  [ENV.dialQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/dial',
  [ENV.webhookQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/webhook',
  [ENV.transcriptsBucket]: 'batch-calls-transcripts-bench',
  [ENV.schedulerGroupName]: 'batch-calls',
  [ENV.schedulerTargetArn]: 'arn:aws:lambda:us-east-1:123456789012:function:start-batch',
  [ENV.schedulerRoleArn]: 'arn:aws:iam::123456789012:role/scheduler',
  [ENV.schedulerDlqArn]: 'arn:aws:sqs:us-east-1:123456789012:scheduler-dlq',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export interface ColdStartResult {
  function: FunctionName;
  bundleBytes: number;
  importMs: Summary;
  processMs: Summary;
}

function importOnce(file: string): Promise<{ importMs: number; processMs: number }> {
  // The Lambda Node runtime defines the global `awslambda` (response streaming) before it loads a
  // handler; a streaming function (events) reads it at import, so the child gets the same shape.
  const runtimeGlobal =
    'globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };';
  const script = `${runtimeGlobal} const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...LAMBDA_LIKE_ENV },
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
  const dir = await mkdtemp(join(tmpdir(), 'batch-calls-bench-bundles-'));
  try {
    const results: ColdStartResult[] = [];
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const outfile = join(dir, name, 'index.mjs');
      await build({
        entryPoints: [join(ROOT, FUNCTIONS[name].entry)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourcemap: true,
        banner: { js: ESM_REQUIRE_BANNER },
        tsconfig: join(ROOT, 'tsconfig.json'),
        logLevel: 'error',
      });
      const bundleBytes = (await stat(outfile)).size;
      const samples: { importMs: number; processMs: number }[] = [];
      for (let i = 0; i < runs; i++) samples.push(await importOnce(outfile));
      results.push({
        function: name,
        bundleBytes,
        importMs: summarize(samples.map((s) => s.importMs)),
        processMs: summarize(samples.map((s) => s.processMs)),
      });
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
