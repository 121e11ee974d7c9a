// Builds the dashboard's front end into dist/web/: one script, one stylesheet
// and the page, from npm packages only (works offline). Run by `npm run build`.
import { build } from 'esbuild';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', 'dist', 'web');

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  outdir,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome109', 'firefox115', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(join(here, 'index.html'), join(outdir, 'index.html'));

// The page must stay small: a stray runtime import of a server module (the spec schema, say) would quietly multiply it.
const MAX_SCRIPT_BYTES = 200 * 1024;
const scriptBytes = (await stat(join(outdir, 'app.js'))).size;
if (scriptBytes > MAX_SCRIPT_BYTES) {
  console.error(`web/build.mjs: app.js is ${scriptBytes} bytes, over the ${MAX_SCRIPT_BYTES}-byte budget: check what the page imports at run time`);
  process.exit(1);
}

if (process.argv.includes('--sizes')) {
  for (const name of ['index.html', 'app.js', 'app.css']) console.log(`${name}\t${(await stat(join(outdir, name))).size} bytes`);
}
