import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Size rules (README, Map of the code): no source module over 400 lines, no page module
 * (`web/src/pages/**`) over 200. A file that grows past them has more than one job: split it along a
 * seam (the batch entity's transitions, a page's components), not by cutting a function in half.
 * Tests are outside the rule (a test file holds one behaviour's cases, however many).
 */

const ROOT = resolve(import.meta.dirname, '../..');

/** Where the service's, the dashboard's and the benchmark's code lives. */
const SOURCE_ROOTS = ['shared', 'functions', 'infra', 'web/src', 'bench'];
/** Code modules. JSON, Markdown and the dashboard's one stylesheet (web/styles.css) are not modules. */
const MODULE = /\.(ts|tsx|js|mjs)$/;
/** Built output and dependencies, never written by hand. */
const GENERATED = new Set(['node_modules', 'dist', 'cdk.out', 'results']);

const MAX_LINES = 400;
const MAX_PAGE_LINES = 200;
const PAGES = 'web/src/pages/';

/**
 * Files allowed over their limit for now, each with why. An entry must still be over its limit:
 * once its file is split, the entry fails this test until it is removed, so the list only shrinks.
 */
const ALLOWED_OVER: Readonly<Record<string, string>> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return GENERATED.has(entry.name) ? [] : sourceFiles(path);
    return MODULE.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function lineCount(path: string): number {
  const text = readFileSync(path, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

const files = SOURCE_ROOTS.flatMap((root) => sourceFiles(join(ROOT, root))).map((path) => ({
  path: relative(ROOT, path).split('\\').join('/'),
  lines: lineCount(path),
}));

function limitOf(path: string): number {
  return path.startsWith(PAGES) ? MAX_PAGE_LINES : MAX_LINES;
}

const over = files.filter((f) => f.lines > limitOf(f.path));

describe('source size', () => {
  it('reads the source tree', () => {
    // A walk that found nothing would pass every rule below.
    expect(files.length).toBeGreaterThan(200);
    const paths = files.map((f) => f.path);
    expect(paths).toContain('shared/http/api-routes.ts');
    expect(paths).toContain('web/src/pages/batch-detail/index.tsx');
    expect(paths.filter((p) => p.startsWith('test/') || p.endsWith('.test.ts'))).toEqual([]);
  });

  it(`has no module over ${MAX_LINES} lines and no page module over ${MAX_PAGE_LINES}`, () => {
    const offenders = over
      .filter((f) => ALLOWED_OVER[f.path] === undefined)
      .map((f) => `${f.path}: ${f.lines} lines (limit ${limitOf(f.path)})`);
    expect(offenders).toEqual([]);
  });

  it('allows only files still over their limit', () => {
    const stale = Object.keys(ALLOWED_OVER)
      .filter((path) => !over.some((f) => f.path === path))
      .map((path) => `${path} is within its limit (or gone): remove it from ALLOWED_OVER`);
    expect(stale).toEqual([]);
  });
});
