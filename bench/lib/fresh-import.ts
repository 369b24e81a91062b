import { spawn } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { esbuildOptions } from '#infra/bundling.ts';
import { functionEnvironment } from '#infra/function-environment.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';

/**
 * Importing a function bundle in a fresh Node process, as a Lambda cold start does before the first
 * invocation: the module-level work (composition root, SDK clients) without the runtime's own start.
 * The bench's cold-start section times it; the dependencies layer's test uses it to prove that the
 * shipped bundles load against the layer.
 */

/**
 * Bundles a function with the stack's options (infra/bundling.ts) for the dependencies layer mounted
 * at `layerMount`, `overrides` over them (a variant), into `outfile` with the function's data files
 * beside it, as in its Lambda package (a function that validates phones reads their metadata at load).
 */
export async function bundleFunction(
  root: string,
  name: FunctionName,
  outfile: string,
  layerMount: string,
  overrides: Partial<BuildOptions> = {},
): Promise<string> {
  await build({ ...esbuildOptions(root, FUNCTIONS[name].entry, outfile, layerMount), ...overrides });
  for (const file of FUNCTIONS[name].dataFiles ?? []) {
    await copyFile(join(root, file.from), join(dirname(outfile), file.to));
  }
  return outfile;
}

/** What the stack gives each function (dummy values: importing makes no request), plus the runtime's. */
export function lambdaLikeEnv(name: FunctionName): Record<string, string> {
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

export interface FreshImport {
  /** From the `import()` call to its end, measured inside the child. */
  importMs: number;
  /** From spawning the child to its exit. */
  processMs: number;
  /** What the child printed after the import (`after`'s output). */
  output: string;
}

/**
 * Imports `file` in a new Node process with the function's Lambda-like environment (and `extraEnv`
 * over it); `after` is module code run once the import is done, with the module as `mod` (it may
 * print to stdout). Rejects with the child's error output when it fails.
 */
export function importOnce(
  name: FunctionName,
  file: string,
  extraEnv: Record<string, string> = {},
  after = '',
): Promise<FreshImport> {
  // The Lambda Node runtime defines the global `awslambda` (response streaming) before it loads a
  // handler; a streaming function (events) reads it at import, so the child gets the same shape.
  const runtimeGlobal =
    'globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };';
  const script = `${runtimeGlobal} const t = performance.now(); const mod = await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t) + '\\n'); ${after}`;
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
      if (code !== 0) {
        // A minified bundle's error prints a whole source line first: keep the message lines.
        const message = err
          .split('\n')
          .filter((line) => line.length < 400)
          .join('\n');
        reject(new Error(`importing ${file} failed (${code}): ${message.slice(0, 1500)}`));
        return;
      }
      const [first = '', ...rest] = out.split('\n');
      resolvePromise({
        importMs: Number(first),
        processMs: performance.now() - started,
        output: rest.join('\n'),
      });
    });
  });
}
