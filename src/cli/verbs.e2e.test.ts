// The CLI verbs against a running `kcanary up`, each as a spawned binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliProcess, runCli, sendTraffic, specInTempDir, tinySpec } from '../testing/cli.js';

test('status, verify, set-weight, pause, resume, promote on a running rollout', { timeout: 60_000 }, async () => {
  // A gate before 100% and a long interval keep the rollout where the verbs put it.
  const { dir, file } = await specInTempDir(tinySpec({ spec: { rollout: { steps: [20, 50, 100], interval: '1h' } } }));
  const up = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
  try {
    await up.waitFor(/Progressing\s+canary\s+20%/);
    const cli = (...args: string[]) => runCli([...args, '-f', file], { cwd: dir });

    const status = await cli('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /tiny {2}Progressing {2}step 1\/3 \(20 → 50 → 100%\)/);
    assert.match(status.stdout, /primary \(80%\) +████████████████░░░░/);
    assert.match(status.stdout, /canary {2}\(20%\) +████░░░░░░░░░░░░░░░░/);

    const verify = await cli('verify', '--requests', '200', '--data', '{"instances": [[1, 2]]}', '-o', 'json');
    assert.equal(verify.code, 0, verify.stderr);
    const split = JSON.parse(verify.stdout) as { observed: { primary: number; canary: number }; pValue: number; statusCodes: Record<string, number> };
    assert.deepEqual(split.observed, { primary: 160, canary: 40, other: 0 }, 'the split is exact');
    assert.deepEqual(split.statusCodes, { 200: 200 });
    assert.ok(split.pValue > 0.999, String(split.pValue));

    // The judge's evidence is on the gateway's /metrics, beside the traffic counters.
    const gateway = (JSON.parse((await cli('status', '-o', 'json')).stdout) as { gateway: string }).gateway;
    let exposition = '';
    for (let i = 0; i < 50 && !/kcanary_canary_analysis_e_value\{name="tiny",metric="error-rate"\} \d/.test(exposition); i++) {
      await new Promise((r) => setTimeout(r, 100));
      exposition = await (await fetch(`${gateway}/metrics`)).text();
    }
    assert.match(exposition, /kcanary_canary_analysis_e_value\{name="tiny",metric="error-rate"\} \d/);
    assert.match(exposition, /kcanary_canary_analysis_p_value\{name="tiny",metric="error-rate"\} [\d.]+/);
    assert.match(exposition, /kcanary_gateway_requests_total\{variant="canary",code="200"\} 40/);

    // Standalone, as through a cluster's ingress: the Host header picks the route (here the canary's own host).
    const byHost = (weight: string) => runCli(['verify', '--url', gateway, '--host', 'canary.localhost', '--model', 'tiny', '--weight', weight, '--requests', '30', '-o', 'json'], { cwd: dir });
    const allCanary = await byHost('100');
    assert.equal(allCanary.code, 0, allCanary.stderr);
    assert.deepEqual((JSON.parse(allCanary.stdout) as { observed: unknown }).observed, { primary: 0, canary: 30, other: 0 });
    const off = await byHost('20');
    assert.equal(off.code, 3, 'a split that is off fails verify');

    const set = await cli('set-weight', '35');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /weight set by hand to 35%/);
    const table = await cli('verify', '--requests', '100');
    assert.match(table.stdout, /canary +35% +35\.0% +35/);
    assert.match(table.stdout, /binomial test p = 1\.00: split matches the target/);

    const json = JSON.parse((await cli('status', '-o', 'json')).stdout) as { status: { phase: string; canaryWeight: number } };
    assert.deepEqual([json.status.phase, json.status.canaryWeight], ['Paused', 35]);
    const yaml = await cli('status', '-o', 'yaml');
    assert.match(yaml.stdout, /phase: Paused/);

    const pauseAgain = await cli('pause');
    assert.equal(pauseAgain.code, 0, pauseAgain.stderr);
    assert.match(pauseAgain.stdout, /^already paused: nothing changed/);

    assert.equal((await cli('resume')).code, 0);
    const resumeAgain = await cli('resume');
    assert.equal(resumeAgain.code, 0, resumeAgain.stderr);
    assert.match(resumeAgain.stdout, /^already running \(Progressing\): nothing changed/);
    const traffic = sendTraffic(JSON.parse((await cli('status', '-o', 'json')).stdout).gateway as string, 'tiny');
    const promote = await cli('promote');
    assert.equal(promote.code, 0, promote.stderr);
    const watched = await runCli(['status', '-f', file, '--watch', '--timeout', '20s'], { cwd: dir });
    await traffic.stop();
    assert.equal(watched.code, 0, watched.stdout);
    assert.match(watched.stdout, /Succeeded/);
  } finally {
    up.child.kill('SIGTERM');
    assert.equal(await up.exited, 0, 'up stops cleanly on SIGTERM');
  }
});

test('status --watch --timeout exits 4 when the rollout does not finish in time', { timeout: 30_000 }, async () => {
  const { dir, file } = await specInTempDir(tinySpec({ spec: { rollout: { steps: [20, 100], interval: '1h' } } }));
  const up = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
  try {
    await up.waitFor(/Progressing/);
    const watched = await runCli(['status', '-f', file, '--watch', '--timeout', '1s'], { cwd: dir });
    assert.equal(watched.code, 4);
    assert.match(watched.stderr, /--timeout reached with the rollout Progressing/);
  } finally {
    up.child.kill('SIGTERM');
    await up.exited;
  }
});

test('a malformed spec gets one clear error per bad field and exit 2', async () => {
  const { dir } = await specInTempDir(tinySpec());
  const file = join(dir, 'bad.yaml');
  await writeFile(file, [
    'apiVersion: kcanary.io/v1alpha1', 'kind: ModelCanary', 'metadata: { name: tiny }',
    'spec:', '  router: linkerd', '  predictor: { model: { storageUri: file://a } }', '  canary: { storageUri: file://b }',
    '  rollout: { steps: [20, 10], interval: soon }', '',
  ].join('\n'));
  for (const verb of ['validate', 'up']) {
    const result = await runCli([verb, '-f', file], { cwd: dir });
    assert.equal(result.code, 2, verb);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /bad\.yaml: invalid ModelCanary/);
    assert.match(result.stderr, /spec\.router: must be one of local, knative, kserve-raw, istio, gateway-api/);
    assert.match(result.stderr, /spec\.rollout\.interval: "soon" is not a duration/);
    assert.doesNotMatch(result.stderr, /internal error/);
  }
  const notYaml = join(dir, 'broken.yaml');
  await writeFile(notYaml, 'spec: [unclosed\n');
  const broken = await runCli(['validate', '-f', notYaml], { cwd: dir });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /not valid YAML/);
  const missing = await runCli(['validate', '-f', join(dir, 'nope.yaml')], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*nope\.yaml: no such file/);
});

test('usage errors exit 2; validate -o yaml prints the defaults', async () => {
  assert.equal((await runCli(['frobnicate'])).code, 2);
  assert.equal((await runCli(['set-weight', 'lots'])).code, 2);
  assert.equal((await runCli(['up'])).code, 2);
  const { dir, file } = await specInTempDir(tinySpec());
  const shown = await runCli(['validate', '-f', file, '-o', 'yaml'], { cwd: dir });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /failureLimit: 0/);
  assert.match(shown.stdout, /progressDeadline: 600000/);
  const noRollout = await runCli(['status', '--state-dir', join(dir, 'nowhere')], { cwd: dir });
  assert.equal(noRollout.code, 2);
  assert.match(noRollout.stderr, /no local rollout found/);
});
