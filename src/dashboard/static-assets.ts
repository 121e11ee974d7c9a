/**
 * The dashboard's built front end (dist/web, written by web/build.mjs), held
 * in memory: a handful of small files served without the token, since they
 * hold no data; the data comes from the token-guarded API.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';

/** Where the build puts the bundle: dist/web beside dist/dashboard. */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../web/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Same-origin only: no inline scripts, no foreign hosts, never framed (a
 * framing page could otherwise trick a click on Promote).
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

export class StaticAssets {
  private constructor(private readonly files: ReadonlyMap<string, Asset>) {}

  /** Reads every file of `dir` (not recursive); an absent dir gives no assets. */
  static async load(dir: string = DEFAULT_ASSETS_DIR): Promise<StaticAssets> {
    const files = new Map<string, Asset>();
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const type = CONTENT_TYPES[extname(name)];
      if (!type) continue;
      files.set(`/${name}`, { body: await readFile(join(dir, name)), type });
    }
    return new StaticAssets(files);
  }

  get isEmpty(): boolean {
    return this.files.size === 0;
  }

  /** Serves `path` if it is one of the assets ('/' is index.html); false when it is not. */
  serve(path: string, response: ServerResponse, head = false): boolean {
    const asset = this.files.get(path === '/' ? '/index.html' : path);
    if (!asset) return false;
    response.writeHead(200, {
      'content-type': asset.type,
      'content-length': asset.body.length,
      // index.html names the bundle; a rebuilt bundle must not meet a stale page.
      'cache-control': 'no-cache',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    response.end(head ? undefined : asset.body);
    return true;
  }
}
