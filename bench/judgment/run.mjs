// Judgment benchmark: the sequential judge and Flagger-style threshold judges on the same
// simulated traffic. Usage: npm run bench:judgment -- [--trials 1000] [--validity-trials 2000]
// [--workers 2] [--seed 1] [--only errors-100,equal-100]
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { JUDGE_NAMES, SCENARIOS } from './scenarios.mjs';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '1000' },
    'validity-trials': { type: 'string', default: '2000' },
    workers: { type: 'string', default: String(Math.max(1, availableParallelism())) },
    seed: { type: 'string', default: '1' },
    only: { type: 'string' },
  },
});
const trials = Number(values.trials);
const validityTrials = Number(values['validity-trials']);
const workers = Number(values.workers);
const seed = Number(values.seed);
const names = values.only ? values.only.split(',') : Object.keys(SCENARIOS);
for (const [flag, value] of [['--trials', trials], ['--validity-trials', validityTrials], ['--workers', workers], ['--seed', seed]]) {
  if (!Number.isInteger(value) || value < (flag === '--seed' ? 0 : 1)) throw new Error(`${flag} must be a whole number`);
}
for (const name of names) if (!SCENARIOS[name]) throw new Error(`--only: unknown case ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);

function runSlice(scenario, from, to) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { scenario, from, to, seed } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function runScenario(name, count) {
  const size = Math.ceil(count / workers);
  const slices = [];
  for (let from = 0; from < count; from += size) slices.push(runSlice(name, from, Math.min(count, from + size)));
  return (await Promise.all(slices)).flat();
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** "median / p95 s" over all trials, where a trial that never decided counts as "> horizon". */
function times(outcomes, judge, key, horizonS) {
  const all = outcomes.map((o) => o[judge][key] ?? Infinity).sort((a, b) => a - b);
  const show = (t) => (t === Infinity ? `> ${horizonS}` : String(t));
  return `${show(quantile(all, 0.5))} / ${show(quantile(all, 0.95))} s`;
}

function rate(outcomes, judge, withinS) {
  const hits = outcomes.filter((o) => o[judge].rollbackAtS !== null && o[judge].rollbackAtS <= withinS).length;
  const p = hits / outcomes.length;
  const se = Math.sqrt((Math.max(p, 1 / outcomes.length) * (1 - p)) / outcomes.length);
  return `${(100 * p).toFixed(2)}% ± ${(100 * se).toFixed(2)}`;
}

const rows = [];
const started = performance.now();
for (const name of names) {
  const scenario = SCENARIOS[name];
  // The split test's hour holds 360,000 answers per trial: its validity case caps the trials (maxTrials).
  const count = Math.min(scenario.kind === 'equal' && scenario.horizonS >= 3600 ? validityTrials : trials, scenario.maxTrials ?? Infinity);
  const t0 = performance.now();
  const outcomes = await runScenario(name, count);
  const cells = (fn) => JUDGE_NAMES.map((_, j) => (scenario.sequentialOnly && j > 0 ? 'n/a (no such check)' : fn(j)));
  if (scenario.kind === 'bad') {
    rows.push([`${scenario.label}: time to roll back, median / p95`, ...cells((j) => times(outcomes, j, 'rollbackAtS', scenario.horizonS))]);
  } else if (scenario.horizonS >= 3600) {
    rows.push([`${scenario.label}: time to promote-ok, median / p95`, ...cells((j) => times(outcomes, j, 'promoteAtS', scenario.horizonS))]);
    rows.push([`${scenario.label}: false rollbacks within 10 min`, ...cells((j) => rate(outcomes, j, 600))]);
    rows.push([`${scenario.label}: false rollbacks within 60 min`, ...cells((j) => rate(outcomes, j, 3600))]);
  } else {
    rows.push([`${scenario.label}: false rollbacks within 10 min`, ...cells((j) => rate(outcomes, j, 600))]);
  }
  console.error(`${name}: ${count} trials in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const header = ['case', ...JUDGE_NAMES];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(`\n${trials} trials per case (${validityTrials} for the 60-minute equal-canary cases), seed ${seed}, canary share 20%, tick 1 s, ${((performance.now() - started) / 1000).toFixed(0)} s on ${workers} workers.`);
