import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { dashboardSecurityHeaders } from '../../dashboard-headers.ts';

/**
 * Serves the dashboard's files. In AWS the dashboard is hosted apart from the API; locally one port
 * serves both, so the contract's "API under /v1, dashboard at /" holds on one machine. Every file goes
 * out with the dashboard's security headers (Content-Security-Policy and friends, infra/dashboard-headers.ts),
 * the very ones CloudFront adds in AWS.
 */

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

/** The file a URL path names inside `root`, or null when it would leave `root` or is malformed. */
export function resolveStaticPath(root: string, rawPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  const base = resolve(root);
  const target = resolve(join(base, relative));
  // join() already collapses `..`; this check refuses whatever still lands outside the root.
  if (target !== base && !target.startsWith(base + sep)) return null;
  return target;
}

/**
 * Answers a GET/HEAD for a static file; returns false when there is no such file. `connectSources`:
 * the origins besides its own the dashboard may call (the S3 emulator, for pre-signed uploads).
 */
export async function serveStaticFile(
  root: string,
  rawPath: string,
  method: 'GET' | 'HEAD',
  res: ServerResponse,
  extraHeaders: Record<string, string>,
  connectSources: readonly string[] = [],
): Promise<boolean> {
  let file = resolveStaticPath(root, rawPath);
  if (!file) return false;
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return false;
  res.writeHead(200, {
    ...extraHeaders,
    ...dashboardSecurityHeaders(connectSources),
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(info.size),
    'cache-control': 'no-cache',
  });
  if (method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((resolveDone, reject) => {
    const stream = createReadStream(file);
    stream.on('error', reject);
    res.on('close', () => resolveDone());
    stream.pipe(res);
  });
  return true;
}
