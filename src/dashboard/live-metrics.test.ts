// LiveMetrics over a real gateway in front of two real upstreams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from '../gateway/index.js';
import { delay, send, startUpstream } from '../gateway/testing/upstreams.js';
import { LiveMetrics, agreementTolerance } from './live-metrics.js';
import type { MetricsPoint, MetricsTotals } from './metrics-series.js';

test('points carry each variant\'s rate and errors since the last sample; mirrored pairs drained through the tap are counted', async () => {
  const primary = await startUpstream({ prediction: 1 });
  const canary = await startUpstream({
    handler: (req, res) => {
      // The canary fails what it serves, and answers mirrored copies close to the primary.
      res.statusCode = req.headers['x-kcanary-mirror'] ? 200 : 500;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ predictions: [1.5] }));
    },
  });
  const gateway = await startGateway({ upstreams: { primary: primary.url, canary: canary.url }, canaryWeight: 50, mirrorPercent: 100 });
  let now = 1_000_000;
  const live = new LiveMetrics({ gateway, tolerance: 0.6, clock: () => now, capacity: 2 });
  const seen: Array<{ point: MetricsPoint; totals: MetricsTotals }> = [];
  live.onPoint((point, totals) => seen.push({ point, totals }));
  try {
    for (let i = 0; i < 20; i++) await send(gateway.url);
    now += 2000;
    const point = live.sample();
    // An exact 50/50 split of 20 requests over 2 s: 5 req/s each.
    assert.equal(point.primary.rps, 5);
    assert.equal(point.canary.rps, 5);
    assert.equal(point.primary.errorPercent, 0);
    assert.equal(point.canary.errorPercent, 100);
    assert.ok(point.primary.p99Ms !== null && point.primary.p99Ms > 0);

    // Mirror pairs complete asynchronously; whoever measures drains them through the tap.
    let drained = 0;
    for (let i = 0; i < 100 && drained === 0; i++) {
      drained += live.tap.drainMirrorPairs().length;
      if (drained === 0) await delay(20);
    }
    assert.ok(drained > 0, 'mirrored pairs completed');
    now += 1000;
    const next = live.sample();
    assert.equal(next.primary.rps, 0, 'no traffic in the second interval');
    // |1.5 − 1| = 0.5 ≤ 0.6 for every comparable pair.
    assert.ok(next.agreementPercent !== null && next.agreementPercent > 0, JSON.stringify(next));

    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.totals.primary.requests, 10);
    assert.equal(seen[1]!.totals.mirror.pairs, drained);
    live.sample();
    const history = live.history();
    assert.equal(history.points.length, 2, 'capacity 2 keeps the newest two');
    assert.equal(history.points[0]!.t, next.t);
    assert.equal(history.totals.canary.requests, 10);
  } finally {
    live.stop();
    await gateway.close();
    await primary.close();
    await canary.close();
  }
});

test('the agreement tolerance comes from the spec\'s prediction-agreement metric', () => {
  assert.equal(agreementTolerance([{ kind: 'error-rate' }, { kind: 'prediction-agreement', tolerance: 0.25 }]), 0.25);
  assert.equal(agreementTolerance([{ kind: 'latency' }]), 0);
});
