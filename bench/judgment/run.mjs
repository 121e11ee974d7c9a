// Judgment benchmark: the sequential judge and Flagger-style threshold judges on the same
// simulated traffic, and the cluster cases (predictions through the prediction collector).
// Usage: npm run bench:judgment -- [--trials 1000] [--validity-trials 2000]
// [--cluster-trials 200] [--cluster-validity-trials 10] [--workers 2] [--seed 1]
// [--only errors-100,equal-100] [--cluster]
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { CLUSTER_SCENARIOS, JUDGE_NAMES, SCENARIOS } from './scenarios.mjs';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '1000' },
    'validity-trials': { type: 'string', default: '2000' },
    workers: { type: 'string', default: String(Math.max(1, availableParallelism())) },
    seed: { type: 'string', default: '1' },
    'cluster-trials': { type: 'string', default: '200' },
    'cluster-validity-trials': { type: 'string', default: '10' },
    only: { type: 'string' },
    cluster: { type: 'boolean', default: false },
  },
});
const trials = Number(values.trials);
const validityTrials = Number(values['validity-trials']);
const workers = Number(values.workers);
const seed = Number(values.seed);
const clusterTrials = Number(values['cluster-trials']);
const clusterValidityTrials = Number(values['cluster-validity-trials']);
const known = [...Object.keys(SCENARIOS), ...Object.keys(CLUSTER_SCENARIOS)];
const names = values.only ? values.only.split(',') : values.cluster ? Object.keys(CLUSTER_SCENARIOS) : known;
for (const [flag, value] of [
  ['--trials', trials], ['--validity-trials', validityTrials], ['--cluster-trials', clusterTrials],
  ['--cluster-validity-trials', clusterValidityTrials], ['--workers', workers], ['--seed', seed],
]) {
  if (!Number.isInteger(value) || value < (flag === '--seed' ? 0 : 1)) throw new Error(`${flag} must be a whole number`);
}
for (const name of names) if (!known.includes(name)) throw new Error(`--only: unknown case ${name}; known: ${known.join(', ')}`);

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

/** The exact (Clopper–Pearson) 95% interval of a binomial proportion. */
function clopperPearson(hits, n) {
  const cdf = (k, p) => {
    // P(X ≤ k) for X ~ Binomial(n, p), summed in log space.
    if (p <= 0) return 1;
    if (p >= 1) return k >= n ? 1 : 0;
    let term = n * Math.log1p(-p);
    let sum = 0;
    for (let i = 0; i <= k; i++) {
      sum += Math.exp(term);
      term += Math.log((n - i) / (i + 1)) + Math.log(p) - Math.log1p(-p);
    }
    return Math.min(1, sum);
  };
  const solve = (f) => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  const lower = hits === 0 ? 0 : solve((p) => 1 - cdf(hits - 1, p) < 0.025);
  const upper = hits === n ? 1 : solve((p) => cdf(hits, p) > 0.025);
  return [lower, upper];
}

function clusterRows(scenario, outcomes) {
  const percent = (x) => `${(100 * x).toFixed(2)}%`;
  const perTrial = (key) => Math.round(outcomes.reduce((sum, o) => sum + o.stats[key], 0) / outcomes.length).toLocaleString('en-US');
  const collected = scenario.mode === 'mirrored' ? `${perTrial('pairs')} pairs` : `${perTrial('answers')} answers`;
  const events = `${perTrial('received')} events, ${collected}, ${perTrial('pending')} pending at the end, ${perTrial('dropped')} dropped`;
  if (scenario.kind === 'bad') {
    const all = outcomes.map((o) => o.rollbackAtS ?? Infinity).sort((a, b) => a - b);
    const show = (t) => (t === Infinity ? `> ${scenario.horizonS}` : String(t));
    return [[`${scenario.label}: time to roll back, median / p95`, `${show(quantile(all, 0.5))} / ${show(quantile(all, 0.95))} s`, events]];
  }
  const hits = outcomes.filter((o) => o.rollbackAtS !== null).length;
  const [lower, upper] = clopperPearson(hits, outcomes.length);
  return [[`${scenario.label}: false rollbacks within 60 min`, `${hits} of ${outcomes.length}: ${percent(hits / outcomes.length)} (95% CI ${percent(lower)} – ${percent(upper)})`, events]];
}

const rows = [];
const cluster = [];
const started = performance.now();
for (const name of names) {
  if (CLUSTER_SCENARIOS[name]) {
    const scenario = CLUSTER_SCENARIOS[name];
    const count = scenario.kind === 'equal' ? clusterValidityTrials : clusterTrials;
    const t0 = performance.now();
    cluster.push(...clusterRows(scenario, await runScenario(name, count)));
    console.error(`${name}: ${count} trials in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    continue;
  }
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

function table(header, body) {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of body) console.log(`| ${row.join(' | ')} |`);
}

const took = `${((performance.now() - started) / 1000).toFixed(0)} s on ${workers} workers`;
if (rows.length > 0) {
  table(['case', ...JUDGE_NAMES], rows);
  console.log(`\n${trials} trials per case (${validityTrials} for the 60-minute equal-canary cases), seed ${seed}, canary share 20%, tick 1 s.\n`);
}
if (cluster.length > 0) {
  table(['cluster case, 100 req/s', 'e-process, α = 0.01 (error rate, latency, prediction-shift)', 'collector, per trial'], cluster);
  console.log(`\n${clusterTrials} trials per case (${clusterValidityTrials} for the equal canaries), seed ${seed}, tick 1 s.\n`);
}
console.log(`${took}.`);
