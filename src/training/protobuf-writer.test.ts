import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageField, stringField, varintField } from './protobuf-writer.js';

test('varints are encoded as protobuf does', () => {
  const cases: [number | bigint, number[]][] = [
    [0, [0x08, 0x00]],
    [1, [0x08, 0x01]],
    [150, [0x08, 0x96, 0x01]],
    [300, [0x08, 0xac, 0x02]],
    [-1n, [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ];
  for (const [value, expected] of cases) assert.deepEqual([...varintField(1, value)], expected, `value ${value}`);
});

test('strings and nested messages are length-delimited', () => {
  assert.deepEqual([...stringField(2, 'testing')], [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
  assert.deepEqual([...messageField(3, varintField(1, 150))], [0x1a, 0x03, 0x08, 0x96, 0x01]);
});
