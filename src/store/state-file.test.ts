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
  ['huge weight', withStatus({ canaryWeight: 1e308 }), /not valid:\n {2}status\.canaryWeight: must be a percent from 0 to 100/],
  ['negative weight', withStatus({ canaryWeight: -10 }), /status\.canaryWeight: must be a percent from 0 to 100/],
  ['unknown phase', withStatus({ phase: 'Bogus' }), /status\.phase: must be one of Pending, Progressing/],
  ['step before -1', withStatus({ stepIndex: -5 }), /status\.stepIndex: must be -1/],
  ['fractional failures', withStatus({ failures: 1.5 }), /status\.failures: must be a whole number/],
  ['time not a time', withStatus({ startedAt: 'yesterday' }), /status\.startedAt: must be an ISO time/],
  ['bad history entry', withStatus({ history: [{ at: '2026-01-01T00:00:00Z', from: null, to: 'Nowhere', weight: 0, reason: '' }] }), /status\.history\[0\]\.to: must be one of/],
  ['bad control pid', JSON.stringify({ ...state(), control: { url: 'http://127.0.0.1:1', token: 't', pid: -3 } }), /control\.pid: must be a process id/],
];

function withStatus(changes: Record<string, unknown>): string {
  const base = state();
  return JSON.stringify({ ...base, status: { ...base.status, ...changes } }, null, 2);
}

for (const [name, content, message] of bad) {
  test(`a ${name} state file is refused and kept`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kcanary-state-'));
    const path = join(dir, 'housing.state.json');
    await writeFile(path, content);
    await assert.rejects(readState(path, 'housing'), (error: unknown) => error instanceof StateError && message.test(error.message));
    assert.equal(await readFile(path, 'utf8'), content);
  });
}

test('a step index past the steps of the spec is refused when the state was computed for that spec', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kcanary-state-'));
  const path = join(dir, 'housing.state.json');
  const content = withStatus({ phase: 'Progressing', stepIndex: 50, canaryWeight: 20, specHash: 'h' });
  await writeFile(path, content);
  const spec = { steps: [20, 50, 100], specHash: 'h' };
  await assert.rejects(readState(path, { name: 'housing', spec }), (error: unknown) =>
    error instanceof StateError && /status\.stepIndex: 50 is past the last of the spec's 3 steps \(20, 50, 100\)/.test(error.message) && error.message.includes(path));
  assert.equal(await readFile(path, 'utf8'), content);
  // Computed for another spec, the engine adopts or restarts it: not refused here.
  assert.equal((await readState(path, { name: 'housing', spec: { ...spec, specHash: 'other' } }))?.status.stepIndex, 50);
});
