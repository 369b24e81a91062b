import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDepsLayer, LAYER_MODULES, LAYER_PACKAGE, type LayerModule } from '#infra/deps-layer.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { bundleFunction, importOnce } from '../../bench/lib/fresh-import.ts';

/**
 * The dependencies layer (infra/deps-layer.ts) as the stack builds it, and the function bundles as
 * the stack ships them, built for the layer mounted in a test directory instead of /opt: each bundle
 * loads in a fresh process, with the Tracer on and off, and
 * each layer entry exports what its package exports. A module the bundles leave out but the layer
 * lacks, a chunk the layer does not resolve, or a CommonJS dependency that cannot `require` in the
 * layer's ESM, fails here instead of at every invocation in AWS.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'batch-calls-deps-layer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let packageDir = '';

beforeAll(() => {
  packageDir = buildDepsLayer(ROOT, join(dir, 'layer'));
}, 60_000);

describe('the dependencies layer', () => {
  it('is an ESM package with one exported entry per module', () => {
    expect(packageDir).toBe(join(dir, 'layer', 'nodejs', 'node_modules', ...LAYER_PACKAGE.split('/')));
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      name: string;
      type: string;
      exports: Record<string, string>;
    };
    expect(pkg.name).toBe(LAYER_PACKAGE);
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.exports).sort()).toEqual(
      Object.values(LAYER_MODULES)
        .map((n) => `./${n}`)
        .sort(),
    );
    for (const file of Object.values(pkg.exports))
      expect(existsSync(join(packageDir, file)), file).toBe(true);
  });

  it.each(Object.keys(LAYER_MODULES) as LayerModule[])('exports what %s exports', async (module) => {
    const entry = join(packageDir, `${LAYER_MODULES[module]}.mjs`);
    const fromLayer = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    const fromPackage = (await import(module)) as Record<string, unknown>;
    const names = (m: Record<string, unknown>) =>
      Object.keys(m)
        .filter((k) => k !== 'default' && k !== '__esModule')
        .sort();
    expect(names(fromLayer)).toEqual(names(fromPackage));
    expect(names(fromLayer).length).toBeGreaterThan(0);
  });
});

describe('each shipped bundle with the layer', () => {
  it.each(Object.keys(FUNCTIONS) as FunctionName[])(
    '%s loads, with the Tracer on and off',
    async (name) => {
      // The shipped options, for the layer mounted here instead of at /opt.
      const outfile = await bundleFunction(
        ROOT,
        name,
        join(dir, 'task', name, 'index.mjs'),
        join(dir, 'layer'),
      );
      for (const tracing of ['true', 'false']) {
        const loaded = await importOnce(
          name,
          outfile,
          { POWERTOOLS_TRACE_ENABLED: tracing },
          'process.stdout.write(typeof mod.handler);',
        );
        expect(loaded.output, `tracing ${tracing}`).toBe('function');
      }
    },
    60_000,
  );
});
