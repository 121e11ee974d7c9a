// The collector under load, alone in its process (one core: Node runs it on one thread).
// Tells the parent its URL, and on request its CPU time and counters.
import { startCollectorServer } from '../../dist/collector/collector-server.js';
import { PredictionCollector } from '../../dist/collector/prediction-collector.js';
import { KEY, TARGET } from './events.mjs';

const collector = new PredictionCollector();
collector.manage(KEY, TARGET);
const server = await startCollectorServer({ collector });
// The judge reads the pairs every second, as the operator's tick does.
const reader = setInterval(() => collector.take(KEY), 1000);
process.on('message', async (message) => {
  if (message === 'sample') process.send({ cpu: process.cpuUsage(), stats: collector.stats(), heapUsed: process.memoryUsage().heapUsed });
  if (message === 'stop') {
    clearInterval(reader);
    await server.close();
    process.exit(0);
  }
});
process.send({ url: server.url });
