import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../errors.js';
import { isRetryable, KubeConflictError, KubeForbiddenError, KubeInvalidError, KubeNotFoundError, KubeThrottledError, KubeUnavailableError, toKubeError } from './errors.js';
import { backoffDelay, withRetry } from './retry.js';

const request = { verb: 'patch', resource: 'virtualservices.networking.istio.io', namespace: 'ns', name: 'vs' };
const apiException = (code: number, body: unknown, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP ${code}`), { code, body, headers });

describe('toKubeError', () => {
  const table: [number, unknown, new (...args: never[]) => Error, string][] = [
    [404, { reason: 'NotFound', message: 'not found' }, KubeNotFoundError, ErrorCode.NotFound],
    [409, { reason: 'Conflict', message: 'the object has been modified' }, KubeConflictError, ErrorCode.Conflict],
    [403, { reason: 'Forbidden', message: 'forbidden' }, KubeForbiddenError, ErrorCode.Forbidden],
    [422, JSON.stringify({ reason: 'Invalid', message: 'bad', details: { causes: [{ field: 'spec.x', message: 'Invalid value' }] } }), KubeInvalidError, ErrorCode.Validation],
    [429, { reason: 'TooManyRequests', message: 'slow down' }, KubeThrottledError, ErrorCode.Upstream],
    [503, 'service unavailable', KubeUnavailableError, ErrorCode.Upstream],
  ];
  for (const [status, body, type, code] of table) {
    it(`${status} → ${type.name}`, () => {
      const error = toKubeError(apiException(status, body), request);
      assert.ok(error instanceof type);
      assert.equal(error.code, code);
      assert.equal(error.status, status);
      assert.match(error.message, /^patch virtualservices\.networking\.istio\.io "vs" in namespace "ns": /);
    });
  }
  it('keeps the field causes of a 422', () => {
    const error = toKubeError(apiException(422, JSON.stringify({ details: { causes: [{ field: 'spec.x', message: 'Invalid value' }] } })), request) as KubeInvalidError;
    assert.deepEqual(error.causes, [{ field: 'spec.x', message: 'Invalid value' }]);
  });
  it('reads Retry-After of a 429', () => {
    const error = toKubeError(apiException(429, {}, { 'retry-after': '2' }), request) as KubeThrottledError;
    assert.equal(error.retryAfterMs, 2000);
  });
  it('a reset or refused connection is transient, found through causes', () => {
    const reset = toKubeError(Object.assign(new Error('request failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }), request);
    assert.ok(reset instanceof KubeUnavailableError);
    assert.equal(reset.status, 0);
    assert.ok(toKubeError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), request) instanceof KubeUnavailableError);
  });
  it('retries conflicts, throttling and transient failures; never validation, permission, not-found or AlreadyExists', () => {
    assert.equal(isRetryable(toKubeError(apiException(409, { reason: 'Conflict' }), request)), true);
    assert.equal(isRetryable(toKubeError(apiException(409, { reason: 'AlreadyExists' }), request)), false);
    assert.equal(isRetryable(toKubeError(apiException(429, {}), request)), true);
    assert.equal(isRetryable(toKubeError(apiException(500, {}), request)), true);
    for (const status of [400, 403, 404, 422]) assert.equal(isRetryable(toKubeError(apiException(status, {}), request)), false, String(status));
  });
});

describe('withRetry', () => {
  it('retries a transient failure with growing, capped delays and returns the result', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(async () => {
      if (++calls < 4) throw toKubeError(apiException(503, {}), request);
      return 'ok';
    }, { sleep: async (ms) => { delays.push(ms); }, random: () => 0.999, baseDelayMs: 100, maxDelayMs: 250 });
    assert.equal(result, 'ok');
    assert.equal(calls, 4);
    assert.deepEqual(delays, [100, 200, 250]);
  });
  it('never retries a 422', async () => {
    let calls = 0;
    await assert.rejects(withRetry(async () => { calls++; throw toKubeError(apiException(422, {}), request); }, { sleep: async () => {} }), KubeInvalidError);
    assert.equal(calls, 1);
  });
  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    await assert.rejects(withRetry(async () => { calls++; throw toKubeError(apiException(409, { reason: 'Conflict' }), request); }, { attempts: 3, sleep: async () => {} }), KubeConflictError);
    assert.equal(calls, 3);
  });
  it('waits at least what Retry-After asks', () => {
    const throttled = toKubeError(apiException(429, {}, { 'retry-after': '1' }), request);
    assert.equal(backoffDelay(1, throttled, { random: () => 0, maxDelayMs: 5000 }), 1000);
  });
});
