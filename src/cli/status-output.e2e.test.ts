// What `status`, `set-weight` and `up` print while a rollout runs, as a spawned binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliProcess, runCli, sendTraffic, specInTempDir, tinySpec } from '../testing/cli.js';

test('status shows each metric in its unit with the e-value apart; set-weight draws the weight now in force; up names every metric', { timeout: 90_000 }, async () => {
  const { dir, file } = await specInTempDir(tinySpec({ spec: {
    rollout: { steps: [20, 50, 100], interval: '1h' },
    analysis: { minRequests: 5, metrics: [{ name: 'error-rate', max: 5 }, { name: 'latency-p99', max: '500ms' }] },
  } }));
  const up = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
  const cli = (...args: string[]) => runCli([...args, '-f', file], { cwd: dir });
  try {
    const gateway = (await up.waitFor(/gateway (http:\/\/\S+)/))[1]!;
    await up.waitFor(/Progressing\s+canary\s+20%/);
    const traffic = sendTraffic(gateway, 'tiny', 50);
    let status = '';
    for (let i = 0; i < 100 && !/error-rate +0% /.test(status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await cli('status')).stdout;
    }
    await traffic.stop();
    // The value in its unit, then the bound, the e-value and p-value in columns of their own.
    assert.match(status, /^ {2}metric +value +rollback at +E +p +verdict +message$/m, status);
    assert.match(status, /^ {2}error-rate +0% +E ≥ \d+ +\d[\d.e+-]* +\d[\d.e+-]* +\w+ +/m, status);
    assert.match(status, /^ {2}latency-p99 +\d[\d.]* ms +E ≥ \d+ +/m, status);
    for (const line of status.split('\n').filter((l) => /^ {2}(error-rate|latency-p99) /.test(l))) {
      assert.doesNotMatch(line.split(/ {2,}/).slice(0, 5).join(' '), /\d\.\d{4,}/, `rounded: ${line}`);
    }
    // Canary requests were served: there is data, even with no errors among them.
    assert.doesNotMatch(status, /no data yet/);

    const set = await cli('set-weight', '35');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /primary \(65%\) +█████████████░░░░░░░/);
    assert.match(set.stdout, /canary {2}\(35%\) +███████░░░░░░░░░░░░░/);

    // The progress view names every metric it judges, by the spec's names, with its value.
    assert.match(up.stdout, /evidence: error-rate (0%|–) E=\S+ p=\S+ · latency-p99 (\d[\d.]* ms|–) E=\S+ p=\S+/);
    assert.doesNotMatch(up.stdout, /collecting evidence on [^\n]*\blatency\b(?!-p99)/);
  } finally {
    up.child.kill('SIGTERM');
    await up.exited;
  }
});
