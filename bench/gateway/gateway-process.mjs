// Runs the kcanary gateway in its own process for the benchmark.
// Usage: node gateway-process.mjs <primaryUrl> <canaryUrl> <canaryWeight>   (prints {"url": ...})
// On SIGTERM it reports to stderr what could stall it: event-loop delay and GC pauses.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { startGateway } from '../../dist/gateway/index.js';

const [primary, canary, weight] = process.argv.slice(2);
const gateway = await startGateway({ upstreams: { primary, canary }, canaryWeight: Number(weight) });
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const gc = { count: 0, totalMs: 0, maxMs: 0, over5ms: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count++;
    gc.totalMs += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
    if (entry.duration > 5) gc.over5ms++;
  }
}).observe({ entryTypes: ['gc'] });
process.stdout.write(`${JSON.stringify({ url: gateway.url })}\n`);
process.on('SIGTERM', () => {
  const { primary: p, canary: c } = gateway.stats();
  const ms = (ns) => (ns / 1e6).toFixed(1);
  process.stderr.write(
    `gateway served primary=${p.requests} canary=${c.requests}; event-loop delay p50 ${ms(loopDelay.percentile(50))} ms, p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms; ` +
      `GC ${gc.count} pauses, ${gc.totalMs.toFixed(0)} ms in all, longest ${gc.maxMs.toFixed(1)} ms, ${gc.over5ms} over 5 ms\n`,
  );
  void gateway.close().then(() => process.exit(0));
});
