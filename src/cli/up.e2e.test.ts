// The local rollout end to end: the real binary, real child processes, real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliProcess, runCli, sendTraffic, specInTempDir, tinySpec } from '../testing/cli.js';
import { isAlive } from '../local/stale-processes.js';

const GATEWAY = /gateway (http:\/\/127\.0\.0\.1:\d+)/;

/** The gateway of a running `up -o json`, from its first line. */
async function gatewayOf(up: CliProcess): Promise<string> {
  const [, gateway] = await up.waitFor(/"event":"ready".*"gateway":"(http:\/\/127\.0\.0\.1:\d+)"/);
  return gateway!;
}

async function readStatus(dir: string, name = 'tiny') {
  const text = await readFile(join(dir, '.kcanary', `${name}.state.json`), 'utf8');
  return JSON.parse(text) as { status: { phase: string; canaryWeight: number; stepIndex: number }; processes: { pid: number }[] };
}

test('a good canary goes 20 → 50 → 100% and is promoted', { timeout: 60_000 }, async () => {
  const { dir, file } = await specInTempDir(tinySpec());
  const up = new CliProcess(['up', '-f', file, '--once', '--tick', '200ms'], dir);
  const [, gateway] = await up.waitFor(GATEWAY);
  const traffic = sendTraffic(gateway!, 'tiny');
  const code = await up.exited;
  const counts = await traffic.stop();
  assert.equal(code, 0, up.stderr);
  const weights = [...up.stdout.matchAll(/(Progressing|Promoting|Succeeded)\s+canary\s+(\d+)%/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual([...new Set(weights)], ['Progressing 20', 'Progressing 50', 'Progressing 100', 'Promoting 100', 'Succeeded 0']);
  assert.ok((counts['canary:200'] ?? 0) > 0 && (counts['primary:200'] ?? 0) > 0, JSON.stringify(counts));
  const saved = await readStatus(dir);
  assert.equal(saved.status.phase, 'Succeeded');
  assert.deepEqual(saved.processes, [], 'no model server is left running');
});

test('a canary that returns errors is rolled back on its own (exit 3)', { timeout: 60_000 }, async () => {
  const { dir, file } = await specInTempDir(tinySpec({ canary: 'fail' }));
  const up = new CliProcess(['up', '-f', file, '--once', '--tick', '200ms', '-o', 'json'], dir);
  const gateway = await gatewayOf(up);
  const traffic = sendTraffic(gateway, 'tiny');
  const code = await up.exited;
  await traffic.stop();
  assert.equal(code, 3, up.stderr);
  const events = up.stdout.trim().split('\n').map((l) => JSON.parse(l) as { phase: string; reason: string });
  const rollback = events.find((e) => e.phase === 'RollingBack');
  assert.match(rollback?.reason ?? '', /canary worse on error-rate .*errors \d+ on the canary \(100\.00%\)/);
  assert.equal(events.at(-1)?.phase, 'RolledBack');
  assert.equal((await readStatus(dir)).status.phase, 'RolledBack');
});

test('killed with SIGKILL mid-rollout, up resumes without moving traffic backwards', { timeout: 90_000 }, async () => {
  const { dir, file } = await specInTempDir(tinySpec({ spec: { rollout: { steps: [20, 50, 80, 100], interval: '2s' } } }));
  const first = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
  const [, gateway1] = await first.waitFor(GATEWAY);
  const traffic1 = sendTraffic(gateway1!, 'tiny');
  await first.waitFor(/Progressing\s+canary\s+50%/);
  const before = await readStatus(dir);
  first.child.kill('SIGKILL');
  await first.exited;
  await traffic1.stop();
  const orphans = before.processes.map((p) => p.pid).filter(isAlive);
  assert.equal(orphans.length, 2, 'the killed run left its two model servers behind');

  const second = new CliProcess(['up', '-f', file, '--once', '--tick', '200ms', '-o', 'json'], dir);
  const gateway2 = await gatewayOf(second);
  const traffic2 = sendTraffic(gateway2, 'tiny');
  const code = await second.exited;
  await traffic2.stop();
  assert.equal(code, 0, `${second.stdout}\n${second.stderr}`);
  for (const pid of orphans) assert.equal(isAlive(pid), false, `orphan ${pid} was stopped`);
  const events = second.stdout.trim().split('\n').map((l) => JSON.parse(l) as { phase: string; canaryWeight: number; step: number });
  const live = events.filter((e) => e.phase === 'Progressing' || e.phase === 'Paused');
  assert.ok(live.length > 0);
  assert.ok(live.every((e) => e.canaryWeight >= before.status.canaryWeight), `weights after resume: ${live.map((e) => e.canaryWeight).join(',')}`);
  assert.ok(live.every((e) => e.step - 1 >= before.status.stepIndex));
  assert.equal(events.at(-1)?.phase, 'Succeeded');
});

test('a corrupt state file stops up with exit 2 and is kept', async () => {
  const { dir, file } = await specInTempDir(tinySpec());
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, '.kcanary'));
  const path = join(dir, '.kcanary', 'tiny.state.json');
  await writeFile(path, '{"kind": "kcanary.io/local-state", "status": ');
  const result = await runCli(['up', '-f', file, '--once'], { cwd: dir });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /tiny\.state\.json is corrupt .* it was left as it is/);
  assert.equal(await readFile(path, 'utf8'), '{"kind": "kcanary.io/local-state", "status": ');
});
