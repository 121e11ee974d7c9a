// Runs a slice of one case's trials and posts the outcomes back.
import { parentPort, workerData } from 'node:worker_threads';
import { runTrial } from '../../dist/core/analysis/simulation/race.js';
import { trialSeed } from '../../dist/core/analysis/simulation/prng.js';
import { runClusterTrial } from './cluster.mjs';
import { CLUSTER_SCENARIOS, SCENARIOS, judgesFor } from './scenarios.mjs';

const { scenario: name, from, to, seed } = workerData;
const outcomes = [];
if (CLUSTER_SCENARIOS[name]) {
  const scenario = CLUSTER_SCENARIOS[name];
  for (let i = from; i < to; i++) outcomes.push(await runClusterTrial({ ...scenario, seed: trialSeed(seed, i) }));
} else {
  const scenario = SCENARIOS[name];
  const judges = judgesFor(scenario.latencyMaxMs, scenario.sequentialOnly, scenario.sequential);
  for (let i = from; i < to; i++) {
    outcomes.push(runTrial({
      model: scenario.model, judges, horizonS: scenario.horizonS, seed: trialSeed(seed, i),
      stopWhenAllRolledBack: scenario.kind === 'bad',
    }));
  }
}
parentPort.postMessage(outcomes);
