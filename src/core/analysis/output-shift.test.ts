import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildJudgeConfig, DEFAULT_BUCKET_BOUNDS } from './config.js';
import { binOf, initOutputShift, outputShiftLogE, updateOutputShift, MAX_SHIFT_BINS } from './output-shift.js';
import { answerDistance, type Answer } from './predictions.js';
import { decideSequential } from './sequential-judgment.js';
import { initSequentialJudge, updateSequentialJudge } from './sequential-state.js';
import { drawAnswer, type AnswerModel } from './simulation/answers.js';
import { createRandom, trialSeed, type Random } from './simulation/prng.js';
import { runTrial, sequentialEntry } from './simulation/race.js';
import { poisson } from './simulation/samplers.js';
import type { ArmModel, TrafficModel } from './simulation/traffic.js';
import { Decision, Metric } from './types.js';

const housing: AnswerModel = { kind: 'number', median: 2, sigma: 0.5 };
const arm = (answers: AnswerModel): ArmModel => ({ errorRate: 0, latencyMedianS: 0.05, latencySigma: 0.5, answers });
const split = (primary: AnswerModel, canary: AnswerModel, requestsPerSecond = 100): TrafficModel => ({
  requestsPerSecond, canaryShare: 0.2, bucketBounds: DEFAULT_BUCKET_BOUNDS, primary: arm(primary), canary: arm(canary),
});
const shiftOnly = (alpha: number) => sequentialEntry('output shift', { maxFalseRollback: alpha, metrics: [Metric.OutputShift] });

function rollbacks(model: TrafficModel, alpha: number, runs: number, horizonS: number, seed: number): (number | null)[] {
  return Array.from({ length: runs }, (_, i) => runTrial({ model, judges: [shiftOnly(alpha)], horizonS, seed: trialSeed(seed, i), stopWhenAllRolledBack: true })[0]?.rollbackAtS ?? null);
}

test('bins: labels as themselves, numbers by sign and magnitude', () => {
  assert.equal(binOf('cat', 4), 'l:cat');
  assert.equal(binOf(0, 4), '0');
  assert.equal(binOf(Number.NaN, 4), 'nan');
  assert.equal(binOf(1, 1), '+0');
  assert.equal(binOf(3.9, 1), '+1');
  assert.equal(binOf(-3.9, 1), '-1');
  assert.notEqual(binOf(2.5, 4), binOf(250, 4), 'a ×100 answer lands elsewhere');
});

test('every bet is fair under the null: E[factor | y] = 1 for any table', () => {
  // One canary answer and one primary answer in the same bin, each weighted by its H0 probability.
  let state = initOutputShift();
  state = updateOutputShift(state, 0.2, [[1], [1], [300]], [[300], [300], [5]]);
  for (const value of [1, 300, 5, 77]) {
    // Per resolution the expectation is exactly 1, so their average is too.
    for (const r of state.resolutions) {
      const only = { ...state, resolutions: [r] };
      const up = Math.exp(outputShiftLogE(updateOutputShift(only, 0.2, [], [[value]])) - r.log);
      const down = Math.exp(outputShiftLogE(updateOutputShift(only, 0.2, [[value]], [])) - r.log);
      assert.ok(Math.abs(0.2 * up + 0.8 * down - 1) < 1e-12, `value ${value}: ${0.2 * up + 0.8 * down}`);
    }
  }
});

test('no comparison at a share of 0 or 1, and bins stay bounded', () => {
  const state = initOutputShift();
  assert.equal(updateOutputShift(state, 0, [[1]], [[100]]), state);
  assert.equal(updateOutputShift(state, 1, [[1]], [[100]]), state);
  const labels: Answer[] = Array.from({ length: 1000 }, (_, i) => [`class-${i}`]);
  const big = updateOutputShift(state, 0.5, labels, labels);
  for (const r of big.resolutions) assert.ok(Object.keys(r.bins).length <= MAX_SHIFT_BINS + 1);
  assert.equal(big.canaryAnswers, 1000);
});

test('validity: equal arms are flagged at most α of the time over 5 minutes (numbers and labels)', () => {
  const alpha = 0.1;
  const runs = 120;
  const bound = alpha + 2 * Math.sqrt((alpha * (1 - alpha)) / runs);
  const labels: AnswerModel = { kind: 'label', labels: ['setosa', 'versicolor', 'virginica'], probabilities: [0.5, 0.3, 0.2] };
  for (const [name, model] of [['numbers', split(housing, housing, 20)], ['labels', split(labels, labels, 20)]] as const) {
    const alarms = rollbacks(model, alpha, runs, 300, 11).filter((t) => t !== null).length;
    assert.ok(alarms / runs <= bound, `${name}: ${alarms}/${runs} false alarms`);
  }
});

test('validity holds when the traffic mix drifts and the share steps up', () => {
  // Both arms see the same drifting inputs; the share goes 10% → 20% → 50%.
  const alpha = 0.1;
  const runs = 100;
  const config = buildJudgeConfig({ maxFalseRollback: alpha, metrics: [Metric.OutputShift] });
  let alarms = 0;
  for (let i = 0; i < runs; i++) {
    const random: Random = createRandom(trialSeed(5, i));
    let state = initSequentialJudge(config);
    for (let t = 1; t <= 300; t++) {
      const share = t <= 100 ? 0.1 : t <= 200 ? 0.2 : 0.5;
      const median = 1 + 10 * (t / 300) ** 2;
      const primary: Answer[] = [];
      const canary: Answer[] = [];
      for (let k = poisson(random, 20); k > 0; k--) (random() < share ? canary : primary).push(drawAnswer(random, { kind: 'number', median, sigma: 0.3 }));
      const counts = (n: number) => ({ requests: n, errors: 0, latencyBuckets: [] });
      state = updateSequentialJudge(state, config, { atMs: t * 1000, canaryShare: share, primary: counts(primary.length), canary: counts(canary.length), answers: { primary, canary } });
    }
    if (state.alarms[Metric.OutputShift] !== undefined) alarms += 1;
  }
  assert.ok(alarms / runs <= alpha + 2 * Math.sqrt((alpha * (1 - alpha)) / runs), `${alarms}/${runs}`);
});

test('power: a ×100 model at 100 req/s and 20% is rolled back within seconds', () => {
  const times = rollbacks(split(housing, { ...housing, scale: 100 }), 0.01, 30, 120, 3).map((t) => t ?? Infinity).sort((a, b) => a - b);
  assert.ok((times[15] as number) <= 5, `median ${times[15]} s`);
  assert.ok((times[29] as number) <= 10, `slowest ${times[29]} s`);
});

test('power: a classifier whose class mix moves is caught, and so is a ×1.5 model', () => {
  const before: AnswerModel = { kind: 'label', labels: ['0', '1'], probabilities: [0.7, 0.3] };
  const after: AnswerModel = { kind: 'label', labels: ['0', '1'], probabilities: [0.4, 0.6] };
  const labelTimes = rollbacks(split(before, after), 0.01, 20, 600, 4);
  assert.ok(labelTimes.every((t) => t !== null && t <= 120), `label shift: ${labelTimes.join(', ')}`);
  const fast = rollbacks(split(housing, { ...housing, scale: 1.5 }), 0.01, 10, 600, 9);
  assert.ok(fast.every((t) => t !== null), `×1.5 at 100 req/s: ${fast.join(', ')}`);
});

test('the judge passes an equal canary after enough answers, and waits while it has too few', () => {
  const config = buildJudgeConfig({ metrics: [Metric.OutputShift], shiftMinAnswers: 200 });
  const run = (canary: AnswerModel) => {
    const trial = runTrial({ model: split(housing, canary), judges: [sequentialEntry('s', { metrics: [Metric.OutputShift], shiftMinAnswers: 200 })], horizonS: 120, seed: 1, stopWhenAllDecided: true });
    return trial[0];
  };
  const equal = run(housing);
  assert.equal(equal?.rollbackAtS, null);
  assert.ok(equal?.promoteAtS !== null && (equal?.promoteAtS as number) <= 15, `promote at ${equal?.promoteAtS}`);
  const state = updateSequentialJudge(initSequentialJudge(config), config, {
    atMs: 1, canaryShare: 0.2, primary: { requests: 1, errors: 0, latencyBuckets: [] }, canary: { requests: 0, errors: 0, latencyBuckets: [] },
    answers: { primary: [[2]], canary: [] },
  });
  assert.equal(decideSequential(state, config, { nowMs: 2, stepStartedAtMs: 0 }).decision, Decision.Continue);
});

test('answer distance: numbers by the largest difference, labels equal or not', () => {
  assert.equal(answerDistance([1, 2], [1.5, 2]), 0.5);
  assert.equal(answerDistance(['a'], ['a']), 0);
  assert.equal(answerDistance(['a'], ['b']), Infinity);
  assert.equal(answerDistance([1], ['1']), Infinity);
  assert.equal(answerDistance([1], [1, 2]), Infinity);
  assert.equal(answerDistance([Number.NaN], [1]), Infinity);
});
