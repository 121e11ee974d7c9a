// A running local rollout is found from any folder, like `docker ps` finds containers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, runCli, specInTempDir, tinySpec } from '../testing/cli.js';

const holding = (name: string) => tinySpec({ name, spec: { rollout: { steps: [20, 50, 100], interval: '1h' } } });

test('status, verify and set-weight find the running rollout from any folder; a name or -f picks one of several', { timeout: 90_000 }, async () => {
  const home = await mkdtemp(join(tmpdir(), 'kcanary-home-'));
  const env = { KCANARY_STATE_HOME: home };
  const elsewhere = await mkdtemp(join(tmpdir(), 'kcanary-elsewhere-'));
  // An entry left by an `up` killed long ago: ignored, and cleaned away.
  await mkdir(join(home, 'running'), { recursive: true });
  await writeFile(join(home, 'running', 'ghost.999999999.json'), JSON.stringify({ name: 'ghost', pid: 999_999_999, specFile: '/gone.yaml', statePath: '/gone/.kcanary/ghost.state.json', startedAt: '2026-01-01T00:00:00.000Z', cmdline: 'node kcanary up' }));

  const first = await specInTempDir(holding('tiny'));
  const up = new CliProcess(['up', '-f', first.file, '--tick', '200ms'], first.dir, env);
  let other: CliProcess | undefined;
  try {
    await up.waitFor(/Progressing\s+canary\s+20%/);
    const status = await runCli(['status'], { cwd: elsewhere, env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /tiny {2}Progressing {2}step 1\/3/);
    assert.deepEqual(await readdir(join(home, 'running')), [`tiny.${up.child.pid}.json`], 'the stale entry is gone');

    const verify = await runCli(['verify', '--requests', '50'], { cwd: elsewhere, env });
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /canary +20% +20\.0% +10/);
    const set = await runCli(['set-weight', '30'], { cwd: elsewhere, env });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /weight set by hand to 30%/);

    const second = await specInTempDir(holding('other'));
    other = new CliProcess(['up', '-f', second.file, '--tick', '200ms'], second.dir, env);
    await other.waitFor(/Progressing\s+canary\s+20%/);
    for (let i = 0; i < 50 && (await readdir(join(home, 'running'))).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const ambiguous = await runCli(['status'], { cwd: elsewhere, env });
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /several local rollouts are running: name one/);
    assert.match(ambiguous.stderr, new RegExp(`tiny +pid ${up.child.pid} +${first.file}`));
    assert.match(ambiguous.stderr, new RegExp(`other +pid ${other.child.pid} +${second.file}`));
    const byName = await runCli(['status', 'other', '-o', 'json'], { cwd: elsewhere, env });
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal((JSON.parse(byName.stdout) as { name: string }).name, 'other');
    const byFile = await runCli(['resume', '-f', first.file], { cwd: elsewhere, env });
    assert.equal(byFile.code, 0, byFile.stderr);
    assert.match(byFile.stdout, /resumed at canary weight 30%/);
  } finally {
    up.child.kill('SIGTERM');
    other?.child.kill('SIGTERM');
    await Promise.all([up.exited, other?.exited]);
  }
  assert.deepEqual(await readdir(join(home, 'running')), [], 'a stopped up leaves no entry');
  const none = await runCli(['status'], { cwd: elsewhere, env });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no local rollout found: none running .* and none saved in/);
});
