import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from './sse-parser.js';

test('events split across chunks come out whole, named or not', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push('data: {"a":'), []);
  assert.deepEqual(parser.push('1}\n\nevent: metrics\nda'), [{ event: 'message', data: '{"a":1}' }]);
  assert.deepEqual(parser.push('ta: {"b":2}\n\n'), [{ event: 'metrics', data: '{"b":2}' }]);
});

test('comments (keep-alives) and empty events are skipped; multi-line data is joined', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push(': keep-alive\n\n'), []);
  assert.deepEqual(parser.push('data: one\ndata: two\n\n'), [{ event: 'message', data: 'one\ntwo' }]);
});

test('CRLF line ends work, even with the CR and the LF in different chunks', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push('data: x\r'), []);
  assert.deepEqual(parser.push('\n\r\n'), [{ event: 'message', data: 'x' }]);
  // The event name does not leak into the next event.
  assert.deepEqual(parser.push('event: metrics\r\ndata: 1\r\n\r\ndata: 2\n\n'), [{ event: 'metrics', data: '1' }, { event: 'message', data: '2' }]);
});
