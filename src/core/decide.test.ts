import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, resumeAfterRestart, type Action, type Observations } from './decide.js';
import { applyCommand, type Command } from './commands.js';
import { Phase, PHASES, TRANSITIONS, canTransition } from './phase.js';
import type { RolloutStatus } from './status.js';
import type { ModelCanary } from './spec.js';
import { makeCanary, observe, window } from './testing/fixtures.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const S = 1000;

/** Walks decide() from nothing through the given ticks, returning every decision. */
function run(canary: ModelCanary, ticks: [number, Observations][], start?: RolloutStatus) {
  let status = start;
  return ticks.map(([at, obs]) => {
    const d = decide(canary, status, obs, T0 + at);
    status = d.status;
    return d;
  });
}

/** A status in `phase` reached the ordinary way, for transition tests. */
function statusIn(canary: ModelCanary, phase: Phase): RolloutStatus {
  const created = decide(canary, undefined, observe(0), T0).status;
  const progressing = decide(canary, created, observe(0), T0 + S).status;
  switch (phase) {
    case Phase.Pending: return created;
    case Phase.Progressing: return progressing;
    case Phase.Paused: return (applyCommand(canary, progressing, { type: 'pause' }, T0 + 2 * S) as { status: RolloutStatus }).status;
    case Phase.Promoting: return (applyCommand(canary, progressing, { type: 'promote' }, T0 + 2 * S) as { status: RolloutStatus }).status;
    case Phase.RollingBack: return (applyCommand(canary, progressing, { type: 'rollback' }, T0 + 2 * S) as { status: RolloutStatus }).status;
    case Phase.Succeeded: return decide(canary, statusIn(canary, Phase.Promoting), observe(0, { promoted: true }), T0 + 3 * S).status;
    case Phase.RolledBack: return decide(canary, statusIn(canary, Phase.RollingBack), observe(0, { rolledBack: true }), T0 + 3 * S).status;
    case Phase.Failed: return { ...progressing, phase: Phase.Failed };
  }
}

test('a good canary goes 20 → 50 → 100 and promotes', () => {
  const canary = makeCanary();
  const good = window(100, 0);
  const ds = run(canary, [
    [0, observe(null, { canary: { ready: false } })],
    [1 * S, observe(0)],
    [11 * S, observe(20, { window: good })],
    [21 * S, observe(50, { window: good })],
    [31 * S, observe(100, { window: good })],
    [32 * S, observe(0, { promoted: true })],
  ]);
  assert.deepEqual(ds.map((d) => [d.status.phase, d.status.canaryWeight]), [
    [Phase.Pending, 0], [Phase.Progressing, 20], [Phase.Progressing, 50], [Phase.Progressing, 100], [Phase.Promoting, 100], [Phase.Succeeded, 0],
  ]);
  assert.deepEqual(ds.map((d) => d.actions), [
    [{ type: 'ensure-variants' }], [{ type: 'set-weight', weight: 20 }], [{ type: 'set-weight', weight: 50 }],
    [{ type: 'set-weight', weight: 100 }], [{ type: 'promote' }], [],
  ] satisfies Action[][]);
  const last = ds.at(-1)!.status;
  assert.equal(last.stableStorageUri, 'file://v2');
  assert.deepEqual(last.history.map((h) => h.to), [Phase.Pending, Phase.Progressing, Phase.Promoting, Phase.Succeeded]);
});

test('a failing canary rolls back after failureLimit + 1 failed windows', () => {
  const canary = makeCanary({ analysis: { failureLimit: 1 } });
  const bad = window(100, 20);
  const ds = run(canary, [
    [0, observe(0)], [1 * S, observe(0)],
    [11 * S, observe(20, { window: bad })],
    [21 * S, observe(20, { window: bad })],
    [22 * S, observe(0, { rolledBack: true })],
  ]);
  assert.deepEqual(ds.map((d) => d.status.phase), [Phase.Pending, Phase.Progressing, Phase.Progressing, Phase.RollingBack, Phase.RolledBack]);
  assert.equal(ds[2]!.status.failures, 1);
  assert.deepEqual(ds[3]!.actions, [{ type: 'set-weight', weight: 0 }, { type: 'rollback' }]);
  assert.match(ds[3]!.reason, /error-rate: 20 of 100 canary requests failed \(20%\) \(20 vs ≤ 1%\)/);
  assert.match(ds[4]!.status.message, /^rolled back \(analysis failed 2 time/);
  assert.equal(ds[4]!.status.stableStorageUri, 'file://v1');
});

test('no traffic is inconclusive: never a pass, and the rollout pauses after the limit', () => {
  const canary = makeCanary({ analysis: { inconclusiveLimit: 1 } });
  const empty = window(0, 0);
  const ds = run(canary, [
    [0, observe(0)], [1 * S, observe(0)],
    [11 * S, observe(20, { window: empty })],
    [21 * S, observe(20, { window: empty })],
    [31 * S, observe(20, { window: empty })],
  ]);
  assert.deepEqual(ds.map((d) => [d.status.phase, d.status.canaryWeight]), [
    [Phase.Pending, 0], [Phase.Progressing, 20], [Phase.Progressing, 20], [Phase.Paused, 20], [Phase.Paused, 20],
  ]);
  assert.equal(ds[2]!.status.lastAnalysis?.verdict, 'inconclusive');
  assert.match(ds[3]!.reason, /0 canary requests in the window, 10 needed/);
});

test('a step is judged only after a whole interval with its weight in force', () => {
  const canary = makeCanary();
  const ds = run(canary, [
    [0, observe(0)], [1 * S, observe(0)],
    [5 * S, observe(20, { window: window(100, 0) })],
    [12 * S, observe(0, { window: window(100, 0) })],
    [20 * S, observe(20, { window: window(100, 0) })],
    [22 * S, observe(20, { window: window(100, 0) })],
  ]);
  assert.match(ds[2]!.reason, /observing step 1 at 20% \(6s left\)/);
  assert.deepEqual(ds[3]!.actions, [{ type: 'set-weight', weight: 20 }], 'a weight moved by someone else is re-asserted');
  assert.equal(ds[4]!.status.canaryWeight, 20, 'the window restarted when the weight came back');
  assert.equal(ds[5]!.status.canaryWeight, 50);
});

test('while a weight is not in force the status message says what the router waits for, and the step\'s reason returns after', () => {
  const canary = makeCanary();
  const waitingFor = 'HTTPRoute sklearn-predictor: waiting for a gateway (kserve/gw) to report Accepted and ResolvedRefs';
  const ds = run(canary, [
    [0, observe(0)], [1 * S, observe(0)],
    [2 * S, observe(null, { canaryWeightMessage: waitingFor })],
    [3 * S, observe(20, { window: window(100, 0) })],
  ]);
  assert.equal(ds[2]!.status.message, `waiting for canary weight 20% to take effect (observed unknown: ${waitingFor})`);
  assert.equal(ds[2]!.status.phase, Phase.Progressing);
  assert.equal(ds[3]!.status.message, ds[1]!.status.message, 'once in force, the message is the step\'s again');
});

test('a rollback command records its reason: a person\'s by default, a failed webhook\'s when it aborts', () => {
  const canary = makeCanary();
  const progressing = statusIn(canary, Phase.Progressing);
  const byHand = applyCommand(canary, progressing, { type: 'rollback' }, T0 + 5 * S);
  const aborted = applyCommand(canary, progressing, { type: 'rollback', reason: 'aborted: rollout webhooks failed 2 time(s): load: HTTP 500' }, T0 + 5 * S);
  assert.ok(byHand.ok && aborted.ok);
  assert.equal(byHand.status.history.at(-1)!.reason, 'rolling back: rolled back by hand');
  assert.equal(aborted.status.phase, Phase.RollingBack);
  assert.equal(aborted.status.history.at(-1)!.reason, 'rolling back: aborted: rollout webhooks failed 2 time(s): load: HTTP 500');
  assert.equal(aborted.status.message, 'rolling back: aborted: rollout webhooks failed 2 time(s): load: HTTP 500');
});

test('a manual gate pauses before its weight and resume opens it', () => {
  const canary = makeCanary({ rollout: { steps: [20, 50, 100], interval: '10s', pauseBefore: [100] } });
  const good = window(100, 0);
  const ds = run(canary, [[0, observe(0)], [1 * S, observe(0)], [11 * S, observe(20, { window: good })], [21 * S, observe(50, { window: good })]]);
  const gated = ds.at(-1)!.status;
  assert.equal(gated.phase, Phase.Paused);
  assert.equal(gated.canaryWeight, 50, 'the gate holds the weight before the gated step');
  assert.ok(gated.gated);
  assert.deepEqual(decide(canary, gated, observe(50, { window: good }), T0 + 100 * S).actions, []);
  const resumed = applyCommand(canary, gated, { type: 'resume' }, T0 + 101 * S);
  assert.ok(resumed.ok);
  assert.equal(resumed.status.phase, Phase.Progressing);
  assert.deepEqual(resumed.actions, [{ type: 'set-weight', weight: 100 }]);
});

test('a gate before the first step holds at 0%', () => {
  const canary = makeCanary({ rollout: { steps: [20, 100], interval: '10s', pauseBefore: [20] } });
  const [, started] = run(canary, [[0, observe(0)], [1 * S, observe(0)]]);
  assert.equal(started!.status.phase, Phase.Paused);
  assert.equal(started!.status.canaryWeight, 0);
  assert.deepEqual(started!.actions, []);
});

test('variants not Ready within the progress deadline roll back', () => {
  const canary = makeCanary({ rollout: { progressDeadline: '30s' } });
  const notReady = observe(null, { canary: { ready: false, message: 'CrashLoopBackOff' } });
  const ds = run(canary, [[0, notReady], [10 * S, notReady], [31 * S, notReady]]);
  assert.equal(ds[1]!.status.phase, Phase.Pending);
  assert.match(ds[1]!.reason, /canary: CrashLoopBackOff/);
  assert.equal(ds[2]!.status.phase, Phase.RollingBack);
});

test('a variant that stops being Ready is waited for, then rolled back at the progress deadline', () => {
  const canary = makeCanary({ rollout: { steps: [20, 50, 100], interval: '10s', progressDeadline: '60s' } });
  const down = observe(20, { canary: { ready: false, message: 'restarting' }, window: window(100, 0) });
  const ds = run(canary, [[0, observe(0)], [1 * S, observe(0)], [11 * S, down], [40 * S, down], [41 * S, observe(20, { window: window(100, 0) })], [50 * S, observe(20, { window: window(100, 0) })], [51 * S, observe(20, { window: window(100, 0) })], [60 * S, down], [121 * S, down]]);
  assert.deepEqual(ds.map((d) => d.status.phase).slice(2), [Phase.Progressing, Phase.Progressing, Phase.Progressing, Phase.Progressing, Phase.Progressing, Phase.Progressing, Phase.RollingBack]);
  assert.match(ds[2]!.reason, /waiting for the variants to be Ready \(canary: restarting\)/);
  assert.equal(ds[3]!.status.lastAnalysis, null, 'nothing is judged while a variant is down');
  assert.match(ds[4]!.reason, /observing step 1 at 20% \(9s left\)/, 'the window starts again when both are back');
  assert.equal(ds[5]!.status.canaryWeight, 50);
  assert.match(ds[8]!.reason, /not Ready for longer than the progress deadline/);
});

test('a canary whose process exited is rolled back at once', () => {
  const canary = makeCanary();
  const ds = run(canary, [[0, observe(0)], [1 * S, observe(0)], [2 * S, observe(20, { canary: { ready: false, failed: true, message: 'exited (code 1)' } })]]);
  assert.equal(ds[2]!.status.phase, Phase.RollingBack);
  assert.match(ds[2]!.reason, /the canary failed: exited \(code 1\)/);
});

test('a new canary version during a rollout restarts it from the first step', () => {
  const canary = makeCanary();
  const [, , mid] = run(canary, [[0, observe(0)], [1 * S, observe(0)], [11 * S, observe(20, { window: window(100, 0) })]]);
  const changed = makeCanary({ canary: { storageUri: 'file://v3' } });
  const d = decide(changed, mid!.status, observe(50, { specHash: 'h2' }), T0 + 12 * S);
  assert.equal(d.status.phase, Phase.Pending);
  assert.equal(d.status.canaryStorageUri, 'file://v3');
  assert.equal(d.status.canaryWeight, 0);
  assert.deepEqual(d.actions, [{ type: 'set-weight', weight: 0 }, { type: 'ensure-variants' }]);
});

test('a finished rollout starts again for a new version, and ignores edits that keep the canary', () => {
  const canary = makeCanary();
  const done = statusIn(canary, Phase.Succeeded);
  const same = decide(canary, done, observe(0, { specHash: 'h2' }), T0 + 50 * S);
  assert.equal(same.status.phase, Phase.Succeeded);
  assert.equal(same.status.specHash, 'h2');
  const next = decide(makeCanary({ canary: { storageUri: 'file://v3' } }), done, observe(0, { specHash: 'h3' }), T0 + 60 * S);
  assert.equal(next.status.phase, Phase.Pending);
  assert.equal(next.status.stableStorageUri, 'file://v2');
});

// Commands: every phase × every command, accepted exactly where COMMAND_PHASES says.
const commandTable: [Command, Phase, Phase | null][] = [
  [{ type: 'pause' }, Phase.Pending, Phase.Paused],
  [{ type: 'pause' }, Phase.Progressing, Phase.Paused],
  [{ type: 'pause' }, Phase.Paused, Phase.Paused],
  [{ type: 'pause' }, Phase.Succeeded, null],
  [{ type: 'resume' }, Phase.Paused, Phase.Progressing],
  [{ type: 'resume' }, Phase.Progressing, Phase.Progressing],
  [{ type: 'resume' }, Phase.Pending, Phase.Pending],
  [{ type: 'resume' }, Phase.Succeeded, null],
  [{ type: 'promote' }, Phase.Progressing, Phase.Promoting],
  [{ type: 'promote' }, Phase.Paused, Phase.Promoting],
  [{ type: 'promote' }, Phase.Pending, null],
  [{ type: 'promote' }, Phase.RollingBack, null],
  [{ type: 'rollback' }, Phase.Pending, Phase.RollingBack],
  [{ type: 'rollback' }, Phase.Progressing, Phase.RollingBack],
  [{ type: 'rollback' }, Phase.Paused, Phase.RollingBack],
  [{ type: 'rollback' }, Phase.Failed, Phase.RollingBack],
  [{ type: 'rollback' }, Phase.Promoting, null],
  [{ type: 'rollback' }, Phase.RolledBack, null],
  [{ type: 'set-weight', weight: 35 }, Phase.Progressing, Phase.Paused],
  [{ type: 'set-weight', weight: 35 }, Phase.Paused, Phase.Paused],
  [{ type: 'set-weight', weight: 35 }, Phase.Succeeded, null],
  [{ type: 'set-weight', weight: 101 }, Phase.Progressing, null],
];

for (const [command, from, to] of commandTable) {
  test(`command ${command.type}${command.type === 'set-weight' ? ` ${command.weight}` : ''} in ${from} → ${to ?? 'refused'}`, () => {
    const canary = makeCanary();
    const result = applyCommand(canary, statusIn(canary, from), command, T0 + 10 * S);
    if (to === null) {
      assert.equal(result.ok, false);
      assert.match(result.reason, /cannot|weight must be/);
    } else {
      assert.ok(result.ok, result.reason);
      assert.equal(result.status.phase, to);
      assert.ok(canTransition(from, to));
    }
  });
}

test('set-weight by hand pauses, and resume continues with the next step above it', () => {
  const canary = makeCanary();
  const set = applyCommand(canary, statusIn(canary, Phase.Progressing), { type: 'set-weight', weight: 35 }, T0 + 5 * S);
  assert.ok(set.ok);
  assert.deepEqual(set.actions, [{ type: 'set-weight', weight: 35 }]);
  const resumed = applyCommand(canary, set.status, { type: 'resume' }, T0 + 6 * S);
  assert.ok(resumed.ok);
  assert.equal(resumed.status.canaryWeight, 35);
  const judged = decide(canary, resumed.status, observe(35, { window: window(100, 0) }), T0 + 16 * S);
  assert.equal(judged.status.canaryWeight, 50);
});

test('the transition table is closed and every phase but the start is reachable', () => {
  const reachable = new Set(Object.values(TRANSITIONS).flat());
  for (const phase of PHASES) {
    assert.ok(TRANSITIONS[phase], phase);
    if (phase !== Phase.Pending) assert.ok(reachable.has(phase), `${phase} is unreachable`);
  }
  assert.equal(canTransition(Phase.Succeeded, Phase.Progressing), false);
  assert.equal(canTransition(Phase.RolledBack, Phase.Promoting), false);
});

test('the history is bounded', () => {
  const canary = makeCanary();
  let status = statusIn(canary, Phase.Progressing);
  for (let i = 0; i < 60; i++) {
    const paused = applyCommand(canary, status, { type: 'pause' }, T0 + i * S);
    assert.ok(paused.ok);
    const resumed = applyCommand(canary, paused.status, { type: 'resume' }, T0 + i * S + 1);
    assert.ok(resumed.ok);
    status = resumed.status;
  }
  assert.equal(status.history.length, 50);
});

// The sequential judge decides at every tick from counter deltas.
function tickOf(at: number, share: number, counts: { canary: [number, number]; primary: [number, number] }) {
  const buckets = (n: number) => [0, 0, 0, n, 0, 0, 0, 0, 0, 0, 0, 0];
  return {
    atMs: T0 + at, canaryShare: share,
    canary: { requests: counts.canary[0], errors: counts.canary[1], latencyBuckets: buckets(counts.canary[0]) },
    primary: { requests: counts.primary[0], errors: counts.primary[1], latencyBuckets: buckets(counts.primary[0]) },
  };
}

test('sequential judge: a canary with 10× the errors is rolled back within seconds, with its e-value', () => {
  const canary = makeCanary({ analysis: { judge: 'sequential' }, rollout: { steps: [20, 50, 100], interval: '1m' } });
  let status = decide(canary, undefined, observe(0), T0).status;
  status = decide(canary, status, observe(0), T0 + S).status;
  let rolledBackAt = -1;
  for (let t = 2; t < 120 && rolledBackAt < 0; t++) {
    // 100 req/s, 20% canary: the canary fails 1 in 20, the primary 1 in 200.
    const tick = tickOf(t * S, 0.2, { canary: [20, 1], primary: [80, t % 5 === 0 ? 2 : 0] });
    const d = decide(canary, status, observe(20, { tick }), T0 + t * S);
    status = d.status;
    if (status.phase === Phase.RollingBack) rolledBackAt = t;
  }
  assert.ok(rolledBackAt > 0 && rolledBackAt < 30, `rolled back after ${rolledBackAt}s`);
  const errorRate = status.lastAnalysis?.results.find((r) => r.name === 'error-rate');
  assert.equal(errorRate?.verdict, 'fail');
  assert.ok((errorRate?.eValue ?? 0) >= 200, `E = ${errorRate?.eValue} reaches 1/(α/2)`);
  assert.ok((errorRate?.pValue ?? 1) <= 0.005);
  assert.match(status.message, /rolling back: canary worse on error-rate/);
});

test('sequential judge: an equal canary is never failed and passes its steps by minSoak or stepTimeout', () => {
  const canary = makeCanary({ analysis: { judge: 'sequential', minSoak: '5s', stepTimeout: '20s' }, rollout: { steps: [20, 100], interval: '1m' } });
  let status = decide(canary, undefined, observe(0), T0).status;
  status = decide(canary, status, observe(0), T0 + S).status;
  const weights: number[] = [];
  for (let t = 2; t < 60 && status.phase === Phase.Progressing; t++) {
    const share = status.canaryWeight / 100;
    const tick = tickOf(t * S, share, { canary: [100 * share, 0], primary: [100 * (1 - share), 0] });
    status = decide(canary, status, observe(status.canaryWeight, { tick }), T0 + t * S).status;
    weights.push(status.canaryWeight);
    assert.notEqual(status.lastAnalysis?.verdict, 'fail');
  }
  assert.equal(status.phase, Phase.Promoting);
  assert.ok(weights.indexOf(100) >= 5 && weights.indexOf(100) <= 21, `reached 100% at tick ${weights.indexOf(100)}`);
  assert.ok(status.lastAnalysis?.results.every((r) => typeof r.eValue === 'number' && typeof r.pValue === 'number'));
});

test('sequential judge: no traffic is never a pass: the step pauses for a person at its timeout', () => {
  const canary = makeCanary({ analysis: { judge: 'sequential', stepTimeout: '10s' } });
  let status = decide(canary, undefined, observe(0), T0).status;
  status = decide(canary, status, observe(0), T0 + S).status;
  for (let t = 2; t <= 12; t++) status = decide(canary, status, observe(20, { tick: tickOf(t * S, 0.2, { canary: [0, 0], primary: [0, 0] }) }), T0 + t * S).status;
  assert.equal(status.phase, Phase.Paused);
  assert.equal(status.canaryWeight, 20);
  assert.match(status.message, /no canary traffic in this step/);
});

test('after a restart the step keeps its weight but its clock and window start again', () => {
  const canary = makeCanary();
  const progressing = statusIn(canary, Phase.Progressing);
  const resumed = resumeAfterRestart(progressing, T0 + 100 * S);
  assert.equal(resumed.canaryWeight, progressing.canaryWeight);
  assert.equal(resumed.stepIndex, progressing.stepIndex);
  assert.equal(resumed.stepStartedAt, new Date(T0 + 100 * S).toISOString());
  assert.equal(resumed.windowStartedAt, resumed.stepStartedAt);
  const done = statusIn(canary, Phase.Succeeded);
  assert.equal(resumeAfterRestart(done, T0 + 100 * S), done);
});

// Time paused does not count toward a step: after `resume` the step's soak, its
// timeout and its analysis window run from the resume, on what is measured after it.
interface PauseCase {
  readonly name: string;
  readonly analysis: Record<string, unknown>;
  /** Seconds at which ticks come before the pause, and whether the canary served in them. */
  readonly before: readonly [number, boolean][];
  readonly pauseAt: number;
  readonly resumeAt: number;
  readonly after: readonly [number, boolean][];
  readonly phase: Phase;
  readonly stepIndex: number;
  readonly notMessage?: RegExp;
}

const sequential = { judge: 'sequential', minSoak: '5s', stepTimeout: '20s' };
const pauseCases: PauseCase[] = [
  {
    name: 'evidence gathered before the pause does not pass the step 0.7 s after resume',
    analysis: sequential, before: [[2, true], [3, true], [4, true]], pauseAt: 4.5, resumeAt: 100,
    after: [[100.7, false]], phase: Phase.Progressing, stepIndex: 0,
  },
  {
    name: 'a long pause does not time the step out on the first tick after resume',
    analysis: sequential, before: [[2, false], [3, false]], pauseAt: 3.5, resumeAt: 300,
    after: [[300.2, false], [301, true]], phase: Phase.Progressing, stepIndex: 0, notMessage: /no canary traffic/,
  },
  {
    name: 'the soak runs from the resume: 3 s of traffic after it do not pass the step',
    analysis: sequential, before: [[2, true]], pauseAt: 2.5, resumeAt: 100,
    after: [[101, true], [102, true], [103, true], [104, true]], phase: Phase.Progressing, stepIndex: 0,
  },
  {
    name: 'the step timeout runs from the resume: with traffic, the step passes 20 s after it',
    analysis: sequential, before: [[2, true]], pauseAt: 2.5, resumeAt: 100,
    after: Array.from({ length: 21 }, (_, i) => [101 + i, true] as [number, boolean]), phase: Phase.Progressing, stepIndex: 1,
  },
  {
    name: 'threshold judge: the window runs from the resume, not from the last analysis',
    analysis: { judge: 'threshold' }, before: [[8, true]], pauseAt: 9, resumeAt: 100,
    after: [[100.7, true], [105, true]], phase: Phase.Progressing, stepIndex: 0,
  },
];

for (const c of pauseCases) {
  test(`paused time: ${c.name}`, () => {
    const canary = makeCanary({ analysis: c.analysis, rollout: { steps: [20, 50, 100], interval: '10s' } });
    let status = decide(canary, undefined, observe(0), T0).status;
    status = decide(canary, status, observe(0), T0 + S).status;
    const tickAt = (t: number, served: boolean): void => {
      const share = status.canaryWeight / 100;
      const counts = served ? { canary: [100 * share, 0] as [number, number], primary: [100 * (1 - share), 0] as [number, number] } : { canary: [0, 0] as [number, number], primary: [0, 0] as [number, number] };
      const obs = observe(status.canaryWeight, { tick: tickOf(t * S, share, counts), ...(served ? { window: window(100, 0) } : {}) });
      status = decide(canary, status, obs, T0 + t * S).status;
    };
    for (const [t, served] of c.before) tickAt(t, served);
    assert.equal(status.stepIndex, 0, 'the step has not passed before the pause');
    const paused = applyCommand(canary, status, { type: 'pause' }, T0 + c.pauseAt * S);
    assert.ok(paused.ok);
    const resumed = applyCommand(canary, paused.status, { type: 'resume' }, T0 + c.resumeAt * S);
    assert.ok(resumed.ok);
    assert.equal(resumed.status.stepStartedAt, new Date(T0 + c.resumeAt * S).toISOString());
    assert.equal(resumed.status.windowStartedAt, resumed.status.stepStartedAt);
    status = resumed.status;
    for (const [t, served] of c.after) {
      tickAt(t, served);
      if (c.notMessage) assert.doesNotMatch(status.message, c.notMessage);
    }
    assert.deepEqual([status.phase, status.stepIndex], [c.phase, c.stepIndex], status.message);
  });
}

// Messages state only what is true: who serves is said only when it is Ready.
const endings: [string, Phase, Partial<Observations>, RegExp, RegExp | null][] = [
  ['rolled back, primary Ready', Phase.RollingBack, { rolledBack: true }, /; file:\/\/v1 serves all traffic$/, null],
  ['rolled back, primary not Ready', Phase.RollingBack, { rolledBack: true, primary: { ready: false, message: 'exited (code 2)' } }, /; file:\/\/v1 is not Ready \(exited \(code 2\)\): nothing serves$/, /serves all/],
  ['promoted, new primary Ready', Phase.Promoting, { promoted: true }, /^promoted: file:\/\/v2 now serves all traffic$/, null],
  ['promoted, new primary not Ready', Phase.Promoting, { promoted: true, primary: { ready: false, message: 'not reachable' } }, /file:\/\/v2 is not Ready \(not reachable\): nothing serves$/, /serves all/],
];
for (const [name, from, extra, says, never] of endings) {
  test(`the final message: ${name}`, () => {
    const canary = makeCanary();
    const d = decide(canary, statusIn(canary, from), observe(0, extra), T0 + 10 * S);
    assert.match(d.status.message, says);
    if (never) assert.doesNotMatch(d.status.message, never);
  });
}

for (const from of [Phase.Pending, Phase.Progressing]) {
  test(`a primary whose process exited fails the rollout from ${from}, and nothing claims to serve`, () => {
    const canary = makeCanary();
    const d = decide(canary, statusIn(canary, from), observe(from === Phase.Pending ? 0 : 20, { primary: { ready: false, failed: true, message: 'exited (code 2): no model' } }), T0 + 10 * S);
    assert.equal(d.status.phase, Phase.Failed);
    assert.deepEqual(d.actions, []);
    assert.match(d.status.message, /^the primary \(file:\/\/v1\) failed: exited \(code 2\): no model; it cannot serve/);
  });
}

for (const [command, phase, note] of [[{ type: 'pause' }, Phase.Paused, /^already paused: nothing changed/], [{ type: 'resume' }, Phase.Progressing, /^already running \(Progressing\): nothing changed/]] as const) {
  test(`${command.type} on a rollout already ${phase} succeeds as a no-op, with a note`, () => {
    const canary = makeCanary();
    const before = statusIn(canary, phase);
    const result = applyCommand(canary, before, command, T0 + 10 * S);
    assert.ok(result.ok);
    assert.equal(result.status, before, 'the very same status: nothing to save');
    assert.deepEqual(result.actions, []);
    assert.match(result.reason, note);
  });
}
