import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictionAbsDiff } from './mirror-compare.js';

const v1 = (predictions: unknown): string => JSON.stringify({ predictions });
const v2 = (...data: unknown[][]): string => JSON.stringify({ model_name: 'm', outputs: data.map((d, i) => ({ name: `out${i}`, shape: [d.length], datatype: 'FP32', data: d })) });

test('absDiff is the largest difference over the predictions', () => {
  const cases: Array<[string, string, string, number]> = [
    ['V1 equal', v1([1, 2, 3]), v1([1, 2, 3]), 0],
    ['V1 one differs', v1([1, 2, 3]), v1([1, 2.5, 2]), 1],
    ['V1 nested rows', v1([[0.1, 0.9], [0.8, 0.2]]), v1([[0.1, 0.7], [0.8, 0.2]]), 0.2],
    ['V2 two outputs', v2([1, 2], [10]), v2([1, 2], [13]), 3],
    ['V1 same class labels', v1(['cat', 'dog']), v1(['cat', 'dog']), 0],
  ];
  for (const [name, a, b, expected] of cases) assert.ok(Math.abs(predictionAbsDiff(200, a, 200, b) - expected) < 1e-12, name);
});

test('absDiff is Infinity when the answers cannot be compared', () => {
  const cases: Array<[string, number, string, number, string]> = [
    ['lengths differ', 200, v1([1, 2]), 200, v1([1, 2, 3])],
    ['nesting differs', 200, v1([[1, 2]]), 200, v1([1, 2])],
    ['protocols differ', 200, v1([1]), 200, v2([1])],
    ['V2 output counts differ', 200, v2([1], [2]), 200, v2([1])],
    ['canary failed', 200, v1([1]), 500, v1([1])],
    ['primary failed', 503, v1([1]), 200, v1([1])],
    ['not JSON', 200, 'oops', 200, v1([1])],
    ['not a prediction', 200, '{"ok":true}', 200, '{"ok":true}'],
    ['different labels', 200, v1(['cat']), 200, v1(['dog'])],
  ];
  for (const [name, sa, a, sb, b] of cases) assert.equal(predictionAbsDiff(sa, a, sb, b), Infinity, name);
});
