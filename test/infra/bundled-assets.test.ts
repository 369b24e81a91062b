import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { LAMBDA_LAYER_MOUNT, LAYER_PACKAGE, moduleOfLayerPath } from '#infra/deps-layer.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';

/**
 * The stateless stack synthesized with its assets bundled, as `cdk deploy` bundles them: the CDK
 * construct runs esbuild's command line (NodejsFunction), not the API the budget test and the bench
 * call, so this checks what the stack itself ships. Each function's asset imports, from outside
 * itself, only entries of the dependencies layer by their path under /opt, and the stack's layer
 * asset holds each of them. (test/unit/deps-layer.test.ts loads the bundles against a built layer.)
 */

interface AssetFunction {
  name: FunctionName;
  dir: string;
  layers: unknown[];
}

const outdir = mkdtempSync(join(tmpdir(), 'batch-calls-cdk-bundled-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const functions: AssetFunction[] = [];
let layerDir = '';

beforeAll(() => {
  const built = buildApp({
    context: { 'aws:cdk:bundling-stacks': ['**/Stateless'], region: 'eu-west-1', account: '123456789012' },
    outdir,
    env: {},
    nagChecks: false,
  });
  built.app.synth();
  const template = JSON.parse(readFileSync(join(outdir, 'Stateless.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const assetDir = (code: unknown) =>
    join(outdir, `asset.${String((code as { S3Key: string }).S3Key).replace(/\.zip$/, '')}`);
  for (const resource of Object.values(template.Resources)) {
    const description = String(resource.Properties.Description ?? '');
    if (resource.Type === 'AWS::Lambda::LayerVersion' && description.includes(LAYER_PACKAGE)) {
      layerDir = assetDir(resource.Properties.Content);
    }
    const name = /^batch-calls (\w+) \(/.exec(description)?.[1] as FunctionName | undefined;
    if (resource.Type === 'AWS::Lambda::Function' && name && name in FUNCTIONS) {
      functions.push({
        name,
        dir: assetDir(resource.Properties.Code),
        layers: resource.Properties.Layers as unknown[],
      });
    }
  }
}, 240_000);

/** Every import path of a bundle, as esbuild parses it (static and dynamic). */
function importsOf(file: string): string[] {
  const result = buildSync({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    external: ['*'],
  });
  return Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
}

describe('the synthesized function assets', () => {
  it('are one per function, each with the layer', () => {
    expect(functions.map((f) => f.name).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    expect(layerDir).not.toBe('');
    for (const f of functions) expect(f.layers, f.name).toHaveLength(1);
  });

  it('import from outside themselves only the layer entries, by their /opt path, all in the layer asset', () => {
    for (const f of functions) {
      const outside = importsOf(join(f.dir, 'index.mjs')).filter((p) => !isBuiltin(p));
      expect(outside.length, f.name).toBeGreaterThan(0);
      expect(
        outside.filter((p) => moduleOfLayerPath(p) === null),
        f.name,
      ).toEqual([]);
      for (const path of new Set(outside)) {
        const inAsset = join(layerDir, path.slice(LAMBDA_LAYER_MOUNT.length + 1));
        expect(existsSync(inAsset), `${f.name}: ${path}`).toBe(true);
      }
      // Its data files beside it (infra/wiring.ts dataFiles).
      for (const file of FUNCTIONS[f.name].dataFiles ?? [])
        expect(readdirSync(f.dir), f.name).toContain(file.to);
    }
  });
});
