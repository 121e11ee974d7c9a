// A tampered local state file, met by the spawned binary: refused with exit 2, named, and left byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initialStatus } from '../core/decide.js';
import { specHash } from '../engine/spec-hash.js';
import { loadSpecFile } from '../spec-file.js';
import { STATE_KIND, STATE_VERSION, stateFilePath, type LocalState } from '../store/state-file.js';
import { runCli, specInTempDir, tinySpec } from '../testing/cli.js';

const cases: [string, Record<string, unknown>, RegExp][] = [
  ['a weight of 1e308', { canaryWeight: 1e308 }, /status\.canaryWeight: must be a percent from 0 to 100/],
  ['a negative weight', { canaryWeight: -10 }, /status\.canaryWeight: must be a percent from 0 to 100/],
  ['step 51 of 3', { phase: 'Progressing', stepIndex: 50, canaryWeight: 20 }, /status\.stepIndex: 50 is past the last of the spec's 3 steps/],
  // Edited settings with the same canary are adopted in place, so the saved step must fit the spec as it is now.
  ['step 51 of 3 saved under earlier settings', { phase: 'Progressing', stepIndex: 50, canaryWeight: 20, specHash: 'an-earlier-spec' }, /status\.stepIndex: 50 is past the last of the spec's 3 steps/],
  ['an unknown phase', { phase: 'Bogus' }, /status\.phase: must be one of Pending, Progressing, Paused/],
];

for (const [name, changes, problem] of cases) {
  test(`up and status refuse a state file with ${name}, and leave it as it was`, async () => {
    const { dir, file } = await specInTempDir(tinySpec());
    const { canary } = await loadSpecFile(file);
    const base = initialStatus(canary, specHash(canary.spec), Date.parse('2026-11-28T12:00:00Z'));
    const state: LocalState = {
      kind: STATE_KIND, version: STATE_VERSION, canary: { name: 'tiny', specFile: file },
      status: { ...base, ...changes } as LocalState['status'], control: null, processes: [],
    };
    const stateDir = join(dir, '.kcanary');
    const path = stateFilePath(stateDir, 'tiny');
    await mkdir(stateDir);
    // Not the layout kcanary writes: any rewrite would show in the bytes.
    const bytes = Buffer.from(`${JSON.stringify(state)}\n\n`);
    await writeFile(path, bytes);

    // `status` alone finds ./.kcanary and checks the state against the spec file it names.
    for (const args of [['up', '-f', file, '--once'], ['status', '-f', file], ['status']]) {
      const result = await runCli(args, { cwd: dir });
      assert.equal(result.code, 2, `${args[0]}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`the state file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid`));
      assert.match(result.stderr, problem);
      assert.match(result.stderr, /it was left as it is/);
      assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
      assert.ok((await readFile(path)).equals(bytes), `${args[0]} changed the state file`);
      assert.deepEqual(await readdir(stateDir), ['tiny.state.json'], `${args[0]} wrote beside the state file`);
    }
  });
}
