import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildJudgeConfig } from './config.js';
import { decideSequential } from './sequential-judgment.js';
import { initSequentialJudge, restoreSequentialJudge, updateSequentialJudge, type SequentialJudgeState } from './sequential-state.js';
import { createRandom } from './simulation/prng.js';
import { binomial, poisson } from './simulation/samplers.js';
import { Decision, type TickInput } from './types.js';

const config = buildJudgeConfig({ metrics: ['error-rate'] });
const counts = (requests: number) => ({ requests, errors: 0, latencyBuckets: [] });
const tick = (atMs: number, canary: number, primary: number, extra: Partial<TickInput> = {}): TickInput => ({
  atMs, canaryShare: 0.1, canary: counts(canary), primary: counts(primary), ...extra,
});
const timing = (nowMs: number) => ({ nowMs, stepStartedAtMs: 0, stepTimeoutMs: 3_600_000 });

test('the canary at 10% that a metrics pipeline shows at 5% is not "split is off"', () => {
  // 5.13% of 1,950 requests: what increase() made of a canary at 10% whose series were born mid-window.
  let state = initSequentialJudge(config);
  for (let t = 1; t <= 10; t++) state = updateSequentialJudge(state, config, tick(t * 1000, 10, 185));
  assert.equal(state.split.offSinceMs, null);
  assert.notEqual(decideSequential(state, config, timing(10_000)).decision, Decision.Inconclusive);
});

test('a canary that serves nothing where 50% is set is caught once there is enough data', () => {
  let state = initSequentialJudge(config);
  let firedAt: number | null = null;
  for (let t = 1; t <= 30 && firedAt === null; t++) {
    state = updateSequentialJudge(state, config, { ...tick(t * 1000, 0, 10), canaryShare: 0.5 });
    firedAt = state.split.offSinceMs;
  }
  assert.ok(firedAt !== null && firedAt >= 4000 && firedAt <= 10_000, `fired at ${firedAt}`);
  const { decision, reason } = decideSequential(state, config, timing(firedAt));
  assert.equal(decision, Decision.Inconclusive);
  assert.match(reason, /split is off: the canary served 0\.00% of \d+ requests where 50\.00% was set \(sample-ratio test p = /);
});

test('little data is never "split is off": each arm needs 20 expected requests', () => {
  // 0 of 150 at 10% is far off, but only 15 canary requests were expected.
  let state = initSequentialJudge(config);
  state = updateSequentialJudge(state, config, tick(1000, 0, 150));
  assert.equal(state.split.offSinceMs, null);
  state = updateSequentialJudge(state, config, tick(2000, 0, 100));
  assert.equal(state.split.offSinceMs, 2000, 'with 25 expected it may speak');
});

test('an unsettled window counts but cannot fire; the series missing so far is "not yet measurable"', () => {
  let state = initSequentialJudge(config);
  for (let t = 1; t <= 5; t++) state = updateSequentialJudge(state, config, tick(t * 1000, 0, 300, { windowFromMs: 0, settled: false }));
  assert.equal(state.split.offSinceMs, null);
  // The canary's series appears with its first scrape: everything it served so far arrives at once.
  state = updateSequentialJudge(state, config, tick(6000, 190, 300, { windowFromMs: 0, settled: true }));
  assert.equal(state.split.offSinceMs, null, `${state.split.canary} of ${state.split.total}`);
});

test('"split is off" does not stay: a new analysis window (resume, next step) starts a new test', () => {
  let state = initSequentialJudge(config);
  for (let t = 1; t <= 10; t++) state = updateSequentialJudge(state, config, tick(t * 1000, 0, 100, { windowFromMs: 0 }));
  assert.ok(state.split.offSinceMs !== null);
  assert.equal(decideSequential(state, config, timing(10_000)).decision, Decision.Inconclusive);
  state = updateSequentialJudge(state, config, tick(11_000, 10, 90, { windowFromMs: 10_500 }));
  assert.equal(state.split.offSinceMs, null);
  assert.deepEqual([state.split.canary, state.split.total, state.split.windowFromMs], [10, 100, 10_500]);
  assert.notEqual(decideSequential(state, config, timing(11_000)).decision, Decision.Inconclusive);
});

test('validity: a right split, however long it is watched, is rarely called off (α_split = α/10)', () => {
  const random = createRandom(99);
  let fired = 0;
  const runs = 300;
  for (let run = 0; run < runs; run++) {
    const share = [0.05, 0.1, 0.3, 0.5, 0.9][run % 5] as number;
    let state: SequentialJudgeState = initSequentialJudge(config);
    for (let t = 1; t <= 300; t++) {
      const n = poisson(random, 50);
      const c = binomial(random, n, share);
      state = updateSequentialJudge(state, config, { ...tick(t * 1000, c, n - c), canaryShare: share });
    }
    if (state.split.offSinceMs !== null) fired += 1;
  }
  assert.ok(fired <= 1, `${fired} of ${runs} right splits called off`);
});

test('a rollout saved by the version that latched the split guard resumes with a fresh split test', () => {
  const saved = JSON.parse(JSON.stringify({ ...initSequentialJudge(config), version: 1, split: { logs: [9, 9, 9, 9, 9, 9], offSinceMs: 5 } })) as unknown;
  const restored = restoreSequentialJudge(saved, config);
  assert.equal(restored.split.offSinceMs, null);
  const next = updateSequentialJudge(restored, config, tick(1000, 10, 90));
  assert.equal(next.split.total, 100);
});
