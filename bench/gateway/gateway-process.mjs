// Runs the kcanary gateway in its own process for the benchmark.
// Usage: node gateway-process.mjs <primaryUrl> <canaryUrl> <canaryWeight>   (prints {"url": ...})
import { startGateway } from '../../dist/gateway/index.js';

const [primary, canary, weight] = process.argv.slice(2);
const gateway = await startGateway({ upstreams: { primary, canary }, canaryWeight: Number(weight) });
process.stdout.write(`${JSON.stringify({ url: gateway.url })}\n`);
process.on('SIGTERM', () => {
  const { primary: p, canary: c } = gateway.stats();
  process.stderr.write(`gateway served primary=${p.requests} canary=${c.requests}\n`);
  void gateway.close().then(() => process.exit(0));
});
