// No request is lost at promotion or rollback: the gateway stops sending to the
// variant, waits for its requests in flight, and only then stops its process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliProcess, runCli, sendTraffic, specInTempDir, tinySpec } from '../testing/cli.js';

/** Both variants answer in 200 ms and die at once on SIGTERM: a request cut off would show. */
const abrupt = () => {
  const spec = tinySpec({ canary: 'abrupt', spec: { rollout: { steps: [50], interval: '1h' } } });
  const inner = spec.spec as Record<string, unknown>;
  return { ...spec, spec: { ...inner, predictor: { model: { storageUri: 'file://v1/abrupt' } } } };
};

for (const [verb, ending] of [['promote', 'Succeeded'], ['rollback', 'RolledBack']] as const) {
  test(`steady load through ${verb}: every request is answered 200`, { timeout: 60_000 }, async () => {
    const { dir, file } = await specInTempDir(abrupt());
    const up = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
    try {
      const [, gateway] = await up.waitFor(/gateway (http:\/\/127\.0\.0\.1:\d+)/);
      await up.waitFor(/Progressing\s+canary\s+50%/);
      // Eight clients back to back: about eight requests in flight at any moment, on both variants.
      const load = Array.from({ length: 8 }, () => sendTraffic(gateway!, 'tiny', 1000));
      await new Promise((r) => setTimeout(r, 1000));
      const command = await runCli([verb, '-f', file], { cwd: dir });
      assert.equal(command.code, 0, command.stderr);
      await up.waitFor(new RegExp(`${ending}\\s+canary`));
      await new Promise((r) => setTimeout(r, 1000));
      const counts: Record<string, number> = {};
      for (const one of await Promise.all(load.map((l) => l.stop()))) {
        for (const [key, n] of Object.entries(one)) counts[key] = (counts[key] ?? 0) + n;
      }
      const failed = Object.entries(counts).filter(([key]) => !key.endsWith(':200'));
      assert.deepEqual(failed, [], JSON.stringify(counts));
      assert.ok((counts['canary:200'] ?? 0) > 10 && (counts['primary:200'] ?? 0) > 10, JSON.stringify(counts));
    } finally {
      up.child.kill('SIGTERM');
      await up.exited;
    }
  });
}
