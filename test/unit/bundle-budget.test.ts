import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUDGETS, bundleBudget, DEFAULT_BUNDLE_BUDGET, esbuildOptions } from '#infra/bundling.ts';
import { LAYER_MODULES, moduleOfLayerPath } from '#infra/deps-layer.ts';
import { FUNCTIONS, PHONE_METADATA_DATA, type FunctionAccess, type FunctionName } from '#infra/wiring.ts';

/**
 * Every function's bundle, built with the options the CDK construct ships (infra/bundling.ts), stays
 * within its budget: a dependency that pulls a whole library into a function (a namespace import of
 * zod, an AWS client a function does not use, a data file inlined) fails the build here, with the
 * bundle's largest inputs named.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'batch-calls-bundle-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The inputs that weigh most, by package (or our own folder), largest first. */
function largestInputs(inputs: Record<string, { bytesInOutput: number }>, count: number): string[] {
  const byOwner = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const owner =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + bytesInOutput);
  }
  return [...byOwner.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([owner, bytes]) => `${owner} ${(bytes / 1024).toFixed(0)} KB`);
}

/** The layer modules a bundle imports by the given kind of import, by their package names. */
function layerImports(imports: { path: string; kind: string }[], kind: string): string[] {
  const modules = imports.filter((i) => i.kind === kind).map((i) => moduleOfLayerPath(i.path));
  return [...new Set(modules.filter((m) => m !== null))].sort();
}

/** The AWS SDK client packages among them (DynamoDB's document client counts as DynamoDB). */
const sdkClients = (modules: string[]) => modules.filter((m) => m.startsWith('@aws-sdk/client-'));

/** The clients a function's grants (infra/wiring.ts) need: the table always, the rest by grant. */
function clientsGranted(access: FunctionAccess): string[] {
  const clients = ['@aws-sdk/client-dynamodb'];
  if (access.sendTo?.length) clients.push('@aws-sdk/client-sqs');
  if (access.transcripts || access.uploads || access.exports) clients.push('@aws-sdk/client-s3');
  if (access.scheduler) clients.push('@aws-sdk/client-scheduler');
  if (access.secrets) clients.push('@aws-sdk/client-secrets-manager');
  return clients.sort();
}

describe('function bundle budgets', () => {
  it("are the issue's 300 KB for every function, with no exception", () => {
    expect(DEFAULT_BUNDLE_BUDGET.bytes).toBe(300 * 1024);
    expect(BUNDLE_BUDGETS).toEqual({});
  });

  it.each(Object.keys(FUNCTIONS) as FunctionName[])(
    '%s fits its budget',
    async (name) => {
      const outfile = join(dir, name, 'index.mjs');
      const result = await build({ ...esbuildOptions(ROOT, FUNCTIONS[name].entry, outfile), metafile: true });
      const bytes = statSync(outfile).size;
      const output = result.metafile.outputs[Object.keys(result.metafile.outputs)[0] ?? ''];
      const budget = bundleBudget(name);
      expect(
        bytes,
        `${name}: ${(bytes / 1024).toFixed(0)} KB > ${(budget.bytes / 1024).toFixed(0)} KB; largest: ${largestInputs(output?.inputs ?? {}, 6).join(', ')}`,
      ).toBeLessThanOrEqual(budget.bytes);
      // The layer's modules (infra/deps-layer.ts) stay outside, a bundled client is 150–350 KB more,
      // and nothing else does: every import left for run time is Node's own or one of the layer's.
      const bundled = Object.keys(output?.inputs ?? {}).filter((path) =>
        Object.keys(LAYER_MODULES).some((module) => path.includes(`node_modules/${module}/`)),
      );
      const imports = (output?.imports ?? []).filter((i) => i.external);
      expect(imports.filter((i) => !isBuiltin(i.path) && !moduleOfLayerPath(i.path))).toEqual([]);
      expect(bundled).toEqual([]);
      // The SDK clients it loads at a cold start are the ones its grants use, no more: each client
      // left in by an import it does not need costs tens of milliseconds of every cold start.
      // S3 is loaded on first use (shared/adapters/s3/s3-client.ts), and so is the POST pre-signer
      // of the function that signs uploads (it imports S3).
      const atStart = layerImports(imports, 'import-statement');
      const onUse = layerImports(imports, 'dynamic-import');
      const granted = clientsGranted(FUNCTIONS[name].access);
      const signs = FUNCTIONS[name].access.uploads === 'sign';
      expect(sdkClients(atStart), name).toEqual(granted.filter((c) => c !== '@aws-sdk/client-s3'));
      expect(sdkClients(onUse), name).toEqual(granted.filter((c) => c === '@aws-sdk/client-s3'));
      expect(onUse.includes('@aws-sdk/s3-presigned-post'), name).toBe(signs);
      expect(atStart.includes('@aws-sdk/s3-presigned-post'), name).toBe(false);
      // Every function has the Tracer, and loads it only when tracing is on (functions/lib/tracing.ts).
      expect(onUse.includes('@aws-lambda-powertools/tracer'), name).toBe(true);
      expect(atStart.includes('@aws-lambda-powertools/tracer'), name).toBe(false);
      // Phone validation reads libphonenumber's metadata from a file beside the bundle: a function
      // that validates phones ships it, and none carries the metadata as code.
      const inputs = Object.entries(output?.inputs ?? {})
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path);
      expect(inputs.filter((path) => /libphonenumber-js\/metadata\.\w+\.json/.test(path))).toEqual([]);
      const readsPhoneData = inputs.some((path) => path.endsWith('functions/lib/phone-metadata-file.ts'));
      expect(FUNCTIONS[name].dataFiles?.includes(PHONE_METADATA_DATA) ?? false, name).toBe(readsPhoneData);
    },
    60_000,
  );
});
