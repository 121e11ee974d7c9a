import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATE_KIND, STATE_VERSION, readState, stateFilePath, writeState, type LocalState } from './state-file.js';
import { initialStatus } from '../core/decide.js';
import { makeCanary } from '../core/testing/fixtures.js';
import { StateError } from '../errors.js';

function state(name = 'housing'): LocalState {
  return {
    kind: STATE_KIND, version: STATE_VERSION, canary: { name, specFile: 'canary.yaml' },
    status: initialStatus(makeCanary(), 'h', Date.parse('2026-01-01T00:00:00Z')), control: { url: 'http://127.0.0.1:1', token: 'secret', pid: 1 }, processes: [],
  };
}

test('state round-trips, mode 0600, no temp files left', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kcanary-state-'));
  const path = stateFilePath(join(dir, '.kcanary'), 'housing');
  assert.equal(await readState(path), undefined);
  await writeState(path, state());
  await writeState(path, { ...state(), control: null });
  assert.deepEqual(await readState(path, 'housing'), { ...state(), control: null });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(join(dir, '.kcanary')), ['housing.state.json']);
});

const bad: [string, string, RegExp][] = [
  ['corrupt', '{"kind": "kcanary.io/local-state", "vers', /corrupt/],
  ['foreign', '{"apiVersion": "v1", "kind": "ConfigMap"}', /not a kcanary state file/],
  ['newer version', JSON.stringify({ ...state(), version: 99 }), /state version 99/],
  ['incomplete', JSON.stringify({ kind: STATE_KIND, version: 1, canary: { name: 'housing' } }), /incomplete/],
  ['other canary', JSON.stringify(state('iris')), /canary "iris", not "housing"/],
];

for (const [name, content, message] of bad) {
  test(`a ${name} state file is refused and kept`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kcanary-state-'));
    const path = join(dir, 'housing.state.json');
    await writeFile(path, content);
    await assert.rejects(readState(path, 'housing'), (error: unknown) => error instanceof StateError && message.test(error.message));
    assert.equal(await readFile(path, 'utf8'), content);
  });
}
