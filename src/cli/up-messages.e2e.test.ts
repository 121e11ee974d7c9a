// What `kcanary up` tells its user, as the spawned binary prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { CliProcess, KCANARY_BIN, TEST_STATE_HOME, sendTraffic, specInTempDir, tinySpec } from '../testing/cli.js';

interface SavedState { control: { token: string; pid: number } | null }

test('up prints the dashboard token only to a terminal; in a log it says where the token is', { timeout: 60_000 }, async () => {
  const { dir, file } = await specInTempDir(tinySpec({ spec: { rollout: { steps: [20, 100], interval: '1h' } } }));
  const up = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
  try {
    const [line, url, tokenFile] = await up.waitFor(/kcanary: dashboard (http:\/\/127\.0\.0\.1:\d+\/)\s+\(its token is in (\S+), readable by you only\)/);
    assert.doesNotMatch(up.stdout, /token=/, line);
    const token = (await readFile(tokenFile!, 'utf8')).trim();
    assert.match(token, /^[0-9a-f]{48}$/);
    assert.equal((await stat(tokenFile!)).mode & 0o777, 0o600);
    assert.equal((await fetch(`${url}api/v1/status`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  } finally {
    up.child.kill('SIGTERM');
    await up.exited;
  }

  // On a terminal (script(1) gives the process a pseudo-terminal), the address carries the token.
  const shell = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(KCANARY_BIN)} up -f ${JSON.stringify(file)} --tick 200ms`;
  const tty = spawn('script', ['-qfec', shell, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KCANARY_STATE_HOME: TEST_STATE_HOME } });
  let out = '';
  tty.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise((resolve) => tty.once('exit', resolve));
  try {
    const deadline = Date.now() + 30_000;
    while (!/dashboard http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{48}/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /dashboard http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{48}/);
  } finally {
    const state = JSON.parse(await readFile(`${dir}/.kcanary/tiny.state.json`, 'utf8')) as SavedState;
    if (state.control) process.kill(state.control.pid, 'SIGTERM');
    tty.stdin.end();
    await exited;
  }
});

const primaryIs = (behaviour: string, extra: Record<string, unknown> = {}) => {
  const spec = tinySpec();
  const inner = spec.spec as Record<string, Record<string, unknown>>;
  return { ...spec, spec: { ...inner, predictor: { model: { storageUri: `file://v1/${behaviour}` } }, local: { ...inner.local, ...extra } } };
};

test('a primary that cannot start ends up at once with its stderr and exit 3, claiming nothing serves', { timeout: 30_000 }, async () => {
  const { dir, file } = await specInTempDir(primaryIs('crash'));
  const started = Date.now();
  const up = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
  const code = await up.exited;
  assert.equal(code, 3, `${up.stdout}\n${up.stderr}`);
  assert.ok(Date.now() - started < 15_000, `up ended after ${Date.now() - started} ms`);
  assert.match(up.stderr, /the primary \(file:\/\/v1\/crash\) did not start: exited \(code 2\); the last lines of its stderr:\n {4}tiny: loading file:\/\/v1\/crash\n {4}tiny: cannot load the model: no such file\n/);
  assert.match(up.stderr, /all its output is in \S+tiny-primary\.log/);
  assert.match(up.stderr, /Nothing serves; nothing was rolled out/);
  assert.doesNotMatch(up.stdout + up.stderr, /serves all traffic|rolled back/);
});

test('a primary not Ready by local.readyTimeout is given up on and reported (exit 3)', { timeout: 30_000 }, async () => {
  const { dir, file } = await specInTempDir(primaryIs('unready', { readyTimeout: '2s' }));
  const up = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
  assert.equal(await up.exited, 3, `${up.stdout}\n${up.stderr}`);
  assert.match(up.stderr, /the primary \(file:\/\/v1\/unready\) did not start: not Ready within local\.readyTimeout \(2s\)/);
  assert.doesNotMatch(up.stdout, /serves all traffic/);
});

test('a canary that cannot start is rolled back at once with its stderr; the primary serves, and says so', { timeout: 30_000 }, async () => {
  const { dir, file } = await specInTempDir(tinySpec({ canary: 'crash' }));
  const up = new CliProcess(['up', '-f', file, '--once', '--tick', '200ms'], dir);
  assert.equal(await up.exited, 3, `${up.stdout}\n${up.stderr}`);
  assert.match(up.stdout, /RollingBack .*the canary failed: exited \(code 2\): tiny: loading file:\/\/v2\/crash \| tiny: cannot load the model: no such file; its output is in \S+tiny-canary\.log/);
  assert.match(up.stdout, /RolledBack .*file:\/\/v1\/ok serves all traffic/);
});

test('up on a finished spec says what happened and how to start again; --restart and a new version start again', { timeout: 120_000 }, async () => {
  const quick = tinySpec({ spec: { rollout: { steps: [50], interval: '1s' } } });
  const { dir, file } = await specInTempDir(quick);
  /** One `up --once` with traffic through its gateway. */
  const runOnce = async (...extra: string[]) => {
    const up = new CliProcess(['up', '-f', file, '--once', '--tick', '200ms', ...extra], dir);
    const [, gateway] = await up.waitFor(/gateway (http:\/\/127\.0\.0\.1:\d+)/);
    const traffic = sendTraffic(gateway!, 'tiny', 50);
    const code = await up.exited;
    await traffic.stop();
    return { code, out: up.stdout, err: up.stderr };
  };
  const first = await runOnce();
  assert.equal(first.code, 0, first.out + first.err);
  assert.match(first.out, /Succeeded/);

  const again = await runOnce();
  assert.equal(again.code, 0, again.out + again.err);
  assert.match(again.out, /kcanary: the rollout "tiny" ended Succeeded at \S+ \(promoted: file:\/\/v2\/ok now serves all traffic\)\. Nothing was started again: `kcanary up -f \S+canary\.yaml --restart` rolls the same versions out from the first step, or change spec\.canary\.storageUri/);
  assert.doesNotMatch(again.out, /resumed|Progressing/);

  const restarted = await runOnce('--restart');
  assert.equal(restarted.code, 0, restarted.out + restarted.err);
  assert.match(restarted.out, /starting "tiny" over from its first step \(--restart\); the saved state was Succeeded/);
  assert.match(restarted.out, /Progressing\s+canary\s+50%/);
  assert.match(restarted.out, /Succeeded/);

  const spec = quick.spec as Record<string, unknown>;
  await writeFile(file, stringify({ ...quick, spec: { ...spec, canary: { storageUri: 'file://v3/ok' } } }));
  const next = await runOnce();
  assert.equal(next.code, 0, next.out + next.err);
  assert.match(next.out, /the spec now names a new canary version, file:\/\/v3\/ok: a new rollout starts/);
  assert.doesNotMatch(next.out, /Succeeded .*resumed|step \d+\/\d+ +resumed/);
  assert.match(next.out, /Progressing\s+canary\s+50%/);
});
