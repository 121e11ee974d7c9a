// npm run e2e:cluster [-- --runs 5 --routers istio,gateway-api,knative,kserve-raw --cases healthy,bad]
// Full rollouts on the cluster stand (real kube-apiserver, real Prometheus, the operator under its RBAC);
// prints a table of outcomes and times. Never fails on a timing; exits 1 when a rollout ends wrong.
import { parseArgs } from 'node:util';
import { startClusterStand } from '../../dist/testing/cluster-stand/stand.js';
import { runRollout } from '../../dist/testing/cluster-stand/run-rollout.js';
import { resultTable } from '../../dist/testing/cluster-stand/report.js';

const { values } = parseArgs({ options: {
  runs: { type: 'string', default: '5' },
  routers: { type: 'string', default: 'istio,gateway-api,knative,kserve-raw' },
  cases: { type: 'string', default: 'healthy,bad' },
  scrape: { type: 'string', default: '1000' },
  verbose: { type: 'boolean', default: false },
} });
const stand = await startClusterStand({ scrapeIntervalMs: Number(values.scrape) });
const results = [];
let wrong = 0;
try {
  for (let run = 1; run <= Number(values.runs); run++) {
    for (const router of values.routers.split(',')) {
      for (const canary of values.cases.split(',')) {
        const result = await runRollout(stand, router, canary);
        results.push(result);
        const expected = canary === 'healthy' ? 'Succeeded' : 'RolledBack';
        const ok = result.phase === expected && result.notReady === 0;
        if (!ok) wrong++;
        process.stderr.write(`run ${run} ${router} ${canary}: ${result.phase} in ${result.seconds.toFixed(1)} s, not-Ready requests ${result.notReady}${result.rollbackWrites !== null ? `, rollback writes ${result.rollbackWrites}` : ''}${ok ? '' : `  ← expected ${expected}: ${result.message}`}\n`);
        if (!ok || values.verbose) process.stderr.write(`${result.history.map((h) => `    ${h}`).join('\n')}\n`);
      }
    }
  }
} finally {
  if (wrong && values.verbose) process.stderr.write(`operator log (tail):\n${stand.operator.log().split('\n').slice(-40).join('\n')}\n`);
  await stand.stop();
}
console.log(resultTable(results));
process.exitCode = wrong ? 1 : 0;
