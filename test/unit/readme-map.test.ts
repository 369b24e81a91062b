import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README's "Map of the code" is how a newcomer goes from a route or trigger to its use case: a
 * path it names that no longer exists sends them nowhere. Every path in it is checked here, and
 * every relative link of the README. A map entry may be short (`dispatch.ts` after
 * `shared/app/run/call-ended.ts`, `gateway/` after `infra/local/`): it then lives in the folder of a
 * full path named before it in the same row or bullet (table rows start in `functions/`, as their
 * header says).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function mapSection(): string {
  const start = README.indexOf('\n## Map of the code');
  const end = README.indexOf('\n## ', start + 1);
  if (start < 0) throw new Error('README.md has no "## Map of the code" section');
  return README.slice(start, end < 0 ? undefined : end);
}

/** One row of the table, one bullet or one paragraph: where short entries find their folder. */
function units(section: string): string[] {
  return section.split(/\n(?=\| |- |\n)/).filter((unit) => unit.trim() !== '');
}

/** `shared/app/{a,b}.ts` → `shared/app/a.ts`, `shared/app/b.ts`. */
function expand(path: string): string[] {
  const brace = /\{([^}]*)\}/.exec(path);
  if (!brace) return [path];
  return (brace[1] ?? '')
    .split(',')
    .flatMap((part) => expand(path.slice(0, brace.index) + part + path.slice(brace.index + brace[0].length)));
}

/** A code span that names a file or folder (not `/v1/...`, `npm start`, `onWake` or `ACTIVE`). */
function pathsIn(unit: string): string[] {
  return [...unit.matchAll(/`([^`\s]+)`/g)]
    .map((match) => match[1] ?? '')
    .filter((span) => !span.startsWith('/') && /^[\w.{},/-]+$/.test(span))
    .filter((span) => span.includes('/') || /\.(ts|tsx|md|json)$/.test(span))
    .flatMap(expand);
}

function exists(path: string): boolean {
  return existsSync(join(ROOT, path));
}

describe('README map of the code', () => {
  const section = mapSection();

  it('names only paths that exist', () => {
    const missing: string[] = [];
    let named = 0;
    for (const unit of units(section)) {
      const folders = unit.startsWith('| ') ? ['functions/'] : [];
      for (const path of pathsIn(unit)) {
        named += 1;
        // The nearest folder first: `functions/` after `infra/local/` is infra/local/functions/.
        const candidates = [...folders.map((folder) => posix.join(folder, path)).reverse(), path];
        const found = candidates.find(exists);
        if (found === undefined) {
          missing.push(`${path} (in: ${unit.trim().slice(0, 60)}…)`);
          continue;
        }
        folders.push(found.endsWith('/') || !/\.\w+$/.test(found) ? found : posix.dirname(found));
      }
    }
    expect(missing).toEqual([]);
    // A parse that found no path would pass above.
    expect(named).toBeGreaterThan(30);
  });

  it('maps every function the wiring lists', () => {
    const entries = [...section.matchAll(/^\| [^|]+\| `([^`]+)`/gm)].map((m) => `functions/${m[1] ?? ''}`);
    const wiring = readFileSync(join(ROOT, 'infra/wiring.ts'), 'utf8');
    const handlers = new Set([...wiring.matchAll(/'(functions\/[\w/-]+\.ts)'/g)].map((m) => m[1] ?? ''));
    expect(handlers.size).toBeGreaterThan(0);
    expect([...handlers].filter((handler) => !entries.includes(handler))).toEqual([]);
  });

  it('links only to files that exist', () => {
    const targets = [...README.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1] ?? '')
      .filter((target) => !/^[a-z]+:/.test(target));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !exists(target))).toEqual([]);
  });
});
