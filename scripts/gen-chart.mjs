#!/usr/bin/env node
// Writes charts/kcanary from the objects `kcanary install` applies (dist/operator/helm-chart.js; run `npm run build` first).
// With --check, writes nothing and fails when the committed chart differs.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helmChartFiles } from '../dist/operator/helm-chart.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'charts', 'kcanary');
const files = helmChartFiles();
const check = process.argv.includes('--check');

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [relative(root, join(dir, e.name))]));
}

if (check) {
  const onDisk = listFiles(root).sort();
  const wanted = Object.keys(files).sort();
  const stale = wanted.filter((p) => !existsSync(join(root, p)) || readFileSync(join(root, p), 'utf8') !== files[p]);
  const extra = onDisk.filter((p) => !(p in files));
  if (stale.length || extra.length) {
    console.error(`charts/kcanary is out of date (${[...stale, ...extra].join(', ')}): run npm run gen-chart`);
    process.exit(1);
  }
  console.log('charts/kcanary is up to date');
} else {
  rmSync(root, { recursive: true, force: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  console.log(`wrote ${Object.keys(files).length} files to charts/kcanary`);
}
