// Differences with llhttp the differential fuzzing found, kept as plain cases:
// each is checked against llhttp itself, then sent raw through the gateway.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequests, parseResponses } from './testing/llhttp-reference.js';
import { runRequestCase } from './testing/request-differential.js';
import { runResponseCase } from './testing/response-differential.js';

const llhttpRejects = (bytes: string) => parseRequests(Buffer.from(bytes, 'latin1'), { maxHeaderSize: 65_536 }).error;

const TRAILING_TAB_REQUESTS = [
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\t\r\n\r\nhello',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 \t\r\n\r\nhello',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked \t\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
];

test('a tab after the value of Content-Length or Transfer-Encoding is refused, as llhttp does', { timeout: 20_000 }, async () => {
  for (const bytes of TRAILING_TAB_REQUESTS) {
    assert.ok(llhttpRejects(bytes), `llhttp accepts ${JSON.stringify(bytes)}`);
    const outcome = await runRequestCase({ pieces: [Buffer.from(bytes, 'latin1')], valid: false });
    assert.deepEqual(outcome.problems, [], JSON.stringify(bytes));
    assert.equal(outcome.forwarded, 0, `forwarded ${JSON.stringify(bytes)}`);
    assert.equal(outcome.refused, true);
  }
  // Trailing spaces are fine to llhttp, and so to the gateway.
  const spaces = 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5  \r\n\r\nhello';
  assert.equal(llhttpRejects(spaces), undefined);
  assert.deepEqual(await runRequestCase({ pieces: [Buffer.from(spaces, 'latin1')], valid: true }), { problems: [], forwarded: 1, refused: false });
});

test('a response with a tab after its Content-Length is a 502, as llhttp rejects it', { timeout: 20_000 }, async () => {
  const bytes = 'HTTP/1.1 200 OK\r\nContent-Length: 2\t\r\n\r\nok';
  assert.ok(parseResponses(Buffer.from(bytes, 'latin1'), { maxHeaderSize: 65_536 }).error);
  const outcome = await runResponseCase({ responses: [{ method: 'GET', pieces: [Buffer.from(bytes, 'latin1')], closeAfter: false }], valid: false });
  assert.deepEqual(outcome, { problems: [], forwarded: 0, refused: true });
});
