/**
 * `npm run train-models [-- --out DIR --seed N]`: trains the demo housing models
 * and writes them (default: models/housing). Prints the held-out errors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED } from './housing-data.js';
import { trainHousingModels } from './housing-training.js';

const { values } = parseArgs({
  options: { out: { type: 'string', default: 'models/housing' }, seed: { type: 'string', default: String(DEFAULT_SEED) } },
});
const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
const outDir = resolve(values.out);
const { files, rmse } = trainHousingModels(seed);
for (const [path, bytes] of files) {
  const target = join(outDir, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bytes);
  process.stderr.write(`wrote ${target} (${bytes.length} bytes)\n`);
}
process.stdout.write(
  `held-out RMSE ($100,000): v1 ${rmse.v1.toFixed(4)}  v2 ${rmse.v2.toFixed(4)}  ` +
    `v3 ${rmse.v3.toFixed(4)} (${(rmse.v3FailingShare * 100).toFixed(1)}% of rows fail)\n`,
);
