// `kcanary demo` as a user runs it: the real binary, the real models, under a minute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { runCli } from '../testing/cli.js';

test('kcanary demo promotes v2, rolls back v3 on its mirrored answers at weight 0, and leaves nothing running', { timeout: 90_000 }, async () => {
  const started = Date.now();
  const result = await runCli(['demo'], { timeoutMs: 80_000 });
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.ok(Date.now() - started < 60_000, 'the demo finishes in under a minute');
  const out = result.stdout;
  for (const weight of [20, 50, 100]) assert.match(out, new RegExp(`Progressing canary +${weight}% step`));
  assert.match(out, /primary \(80%\) +████████████████░░░░/);
  assert.match(out, /verify: 100 predict requests through the gateway[\s\S]*canary +20% +20\.0% +20[\s\S]*split matches the target/);
  assert.match(out, /Succeeded: promoted: file:\/\/\S+\/v2 now serves all traffic/);
  // v3 never served live traffic: it was caught at 0% by comparing mirrored answers.
  assert.match(out, /RollingBack +canary +0% step 1\/4 +rolling back: canary worse on prediction-agreement \(prediction-agreement: canary worse/);
  assert.match(out, /evidence: .*prediction-agreement \S+ E=\S+ p=\S+/);
  const act2 = out.slice(out.indexOf('── 2.'));
  assert.doesNotMatch(act2, /canary:200/, 'no client got an answer from v3');
  assert.doesNotMatch(act2, /Succeeded|resumed/, 'the new rollout is not shown as the old one resumed');
  assert.match(act2, /Pending +canary +0% +new canary version file:\/\/\S+\/v3: a new rollout starts/);
  assert.match(out, /done: v2 was promoted; v3 was rolled back before it served anyone/);
  const left = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => /kcanary\.js serve .*models\/housing/.test(l));
  assert.deepEqual(left, []);
});
