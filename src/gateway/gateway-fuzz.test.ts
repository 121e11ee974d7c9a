import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzGateway } from './testing/fuzz-run.js';
import { parseRequests } from './testing/llhttp-reference.js';
import { judgeRequests } from './testing/request-differential.js';

// A fixed seed and a bounded budget: the same cases on every run, well under a minute in all.
// `npm run fuzz:gateway` runs the same property for longer, with any seed.
const SEED = 20261129;

test('requests: the upstream parses exactly what llhttp reads from the client bytes, or nothing', { timeout: 90_000 }, async (t) => {
  const counts = await fuzzGateway({ direction: 'requests', seed: SEED, numRuns: 800, timeLimitMs: 25_000 });
  t.diagnostic(`cases: ${JSON.stringify(counts)}`);
  assert.ok(counts.cases >= 50, `only ${counts.cases} cases ran`);
  assert.ok(counts.valid > 0 && counts.refused > 0 && counts.forwardedAll > 0, JSON.stringify(counts));
});

test('responses: the client reads exactly what llhttp reads from the upstream bytes, or a 502', { timeout: 90_000 }, async (t) => {
  const counts = await fuzzGateway({ direction: 'responses', seed: SEED, numRuns: 1_200, timeLimitMs: 20_000 });
  t.diagnostic(`cases: ${JSON.stringify(counts)}`);
  assert.ok(counts.cases >= 50, `only ${counts.cases} cases ran`);
  assert.ok(counts.valid > 0 && counts.refused > 0 && counts.forwardedAll > 0, JSON.stringify(counts));
});

test('the request judge catches a smuggled second message', () => {
  const bytes = Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello', 'latin1');
  const reference = parseRequests(bytes, { maxHeaderSize: 65_536 });
  const message = { method: 'POST', url: '/', rawHeaders: ['host', 'gw', 'Content-Length', '5'], rawTrailers: [], body: Buffer.from('hello'), complete: true, headBytes: 60 };
  const smuggled = { ...message, method: 'GET', url: '/smuggled', body: Buffer.alloc(0) };
  const answered = { bytes: 'HTTP/1.1 200 OK\r\nx-upstream-seq: 0\r\n\r\n', closed: false };
  assert.deepEqual(judgeRequests(reference, { seen: [message], errors: [] }, answered, true), []);
  const problems = judgeRequests(reference, { seen: [message, smuggled], errors: [] }, answered, true);
  assert.match(problems.join('\n'), /the upstream parsed 2 messages where llhttp reads 1/);
  assert.match(problems.join('\n'), /the client got 1 answers for 2 messages/);
  const forged = judgeRequests(reference, { seen: [{ ...message, rawHeaders: [...message.rawHeaders, 'X-Forwarded-User', 'admin'] }], errors: [] }, answered, true);
  assert.match(forged.join('\n'), /headers differ/);
});
