// What `kcanary up` tells its user, as the spawned binary prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { CliProcess, KCANARY_BIN, TEST_STATE_HOME, specInTempDir, tinySpec } from '../testing/cli.js';

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
