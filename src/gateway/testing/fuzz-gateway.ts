/**
 * The long differential fuzzing run: `npm run fuzz:gateway [-- --seconds N --seed S]`
 * (or FUZZ_SECONDS, FUZZ_SEED). Half the time on requests, half on responses;
 * prints the number of cases run, and the seed to replay a failure with.
 */
import { parseArgs } from 'node:util';
import { fuzzGateway, type Direction } from './fuzz-run.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, seed: { type: 'string' } } });
const seconds = Number(values.seconds ?? process.env.FUZZ_SECONDS ?? 600);
const seed = Number(values.seed ?? process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
if (!(seconds > 0) || !Number.isInteger(seed)) {
  process.stderr.write('usage: fuzz-gateway [--seconds N] [--seed S]\n');
  process.exit(2);
}
process.stdout.write(`fuzzing the gateway for ${seconds}s, seed ${seed}\n`);
let failed = false;
for (const direction of ['requests', 'responses'] as Direction[]) {
  const started = Date.now();
  try {
    const counts = await fuzzGateway({ direction, seed, numRuns: Number.MAX_SAFE_INTEGER, timeLimitMs: (seconds * 1000) / 2 });
    process.stdout.write(
      `${direction}: ${counts.cases} cases in ${((Date.now() - started) / 1000).toFixed(0)}s, no difference with llhttp ` +
        `(${counts.valid} valid, ${counts.forwardedAll} passed whole, ${counts.refused} refused at some message)\n`,
    );
  } catch (error) {
    failed = true;
    process.stdout.write(`${direction}: FAILED (seed ${seed})\n${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.exit(failed ? 1 : 0);
