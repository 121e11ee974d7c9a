import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('never processes one key twice at a time, and runs a key added meanwhile once more', async () => {
    const running = new Set<string>();
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const queue = new WorkQueue({
      concurrency: 4,
      process: async (key) => {
        assert.ok(!running.has(key), `${key} processed twice at once`);
        running.add(key);
        runs.push(key);
        if (runs.length === 1) await gate;
        running.delete(key);
      },
    });
    queue.add('a');
    queue.resume();
    await sleep(5);
    queue.add('a');
    queue.add('a'); // coalesced with the one before
    queue.add('b');
    await sleep(5);
    assert.deepEqual(runs, ['a', 'b']);
    release();
    await sleep(5);
    await queue.idle();
    assert.deepEqual(runs, ['a', 'b', 'a']);
    await queue.shutdown();
  });

  it('holds work while paused, retries failures with backoff, and honours the earliest addAfter', async () => {
    const runs: string[] = [];
    let failures = 1;
    const errors: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      retryDelayMs: () => 10,
      onError: (key) => errors.push(key),
      process: async (key) => {
        runs.push(key);
        if (key === 'flaky' && failures-- > 0) throw new Error('transient');
      },
    });
    queue.add('x');
    await sleep(5);
    assert.equal(runs.length, 0, 'paused until resumed');
    queue.resume();
    queue.add('flaky');
    await sleep(40);
    assert.deepEqual(runs, ['x', 'flaky', 'flaky']);
    assert.deepEqual(errors, ['flaky']);
    queue.addAfter('late', 10_000);
    queue.addAfter('late', 5);
    await sleep(30);
    assert.equal(runs.at(-1), 'late');
    await queue.shutdown();
    queue.add('after-shutdown');
    await sleep(5);
    assert.ok(!runs.includes('after-shutdown'));
  });
});
