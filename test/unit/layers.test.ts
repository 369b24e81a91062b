import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of `shared/` import only inward (README, Architecture): the domain nothing of ours but
 * itself; contracts the domain; ports the domain and contracts; use cases (app) and HTTP no
 * adapter; adapters no use case and no HTTP. Every import of every file is read here, so a leak
 * fails this test with the file and the import that points the wrong way.
 */

const ROOT = resolve(import.meta.dirname, '../..');

type Layer = 'domain' | 'contracts' | 'ports' | 'app' | 'http' | 'adapters' | 'config' | 'client';

/** What each layer may import from `shared/` (besides itself). Nothing in shared imports functions/ or infra/. */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  domain: [],
  contracts: ['domain'],
  ports: ['domain', 'contracts'],
  app: ['domain', 'contracts', 'ports'],
  http: ['domain', 'contracts', 'ports', 'app'],
  adapters: ['domain', 'contracts', 'ports', 'config'],
  config: [],
  // The typed API client (shared/client): the route table and nothing of the service's insides.
  client: ['domain', 'contracts'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier a file names: static imports and re-exports, side-effect and dynamic imports. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1] ?? '');
  return found;
}

/** Where a specifier points, relative to the repository root (`shared/app/…`), or null for a package. */
function target(file: string, specifier: string): string | null {
  if (specifier.startsWith('.')) return relative(ROOT, resolve(dirname(file), specifier));
  const alias = /^#(shared|functions|infra)\/(.*)$/.exec(specifier);
  if (alias) return `${alias[1]}/${alias[2]}`;
  return null;
}

interface Edge {
  from: string;
  specifier: string;
  to: string | null;
}

function importsUnder(dir: string): Edge[] {
  return sourceFiles(join(ROOT, dir)).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8')).map((specifier) => ({
      from: relative(ROOT, file),
      specifier,
      to: target(file, specifier),
    })),
  );
}

const layerOf = (path: string) => path.split('/')[1] as Layer;
const shown = (edges: Edge[]) => edges.map((e) => `${e.from} imports '${e.specifier}'`);

describe('layer rules', () => {
  const shared = importsUnder('shared');

  it('reads the imports of every layer (the rules below are not checked against nothing)', () => {
    const layers = new Set(shared.map((e) => layerOf(e.from)));
    expect([...layers].sort()).toEqual(Object.keys(ALLOWED).sort());
    expect(shared.filter((e) => e.to?.startsWith('shared/')).length).toBeGreaterThan(100);
  });

  it('each layer of shared/ imports only itself and the layers inward of it', () => {
    const wrong = shared.filter((e) => {
      if (e.to === null) return false;
      if (!e.to.startsWith('shared/')) return true; // functions/ or infra/
      const from = layerOf(e.from);
      const to = layerOf(e.to);
      return to !== from && !ALLOWED[from].includes(to);
    });
    expect(shown(wrong)).toEqual([]);
  });

  it('only adapters use the AWS SDK', () => {
    const wrong = shared.filter((e) => e.specifier.startsWith('@aws-sdk/') && layerOf(e.from) !== 'adapters');
    expect(shown(wrong)).toEqual([]);
  });

  it('the dashboard imports only contracts, the domain and the typed client from shared/', () => {
    // Whether what it imports is browser-safe is checked by `tsc -p web` (no Node types there).
    const wrong = importsUnder('web/src').filter(
      (e) =>
        e.to !== null &&
        !e.to.startsWith('web/') &&
        !e.to.startsWith('shared/contracts/') &&
        !e.to.startsWith('shared/client/') &&
        !e.to.startsWith('shared/domain/'),
    );
    expect(shown(wrong)).toEqual([]);
  });
});
