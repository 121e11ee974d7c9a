import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCodeOf, ValidationError, RolloutFailedError, TimeoutError, KcanaryError, ErrorCode } from './errors.js';

test('exit codes follow the error class', () => {
  assert.equal(exitCodeOf(new ValidationError([{ path: 'spec.router', message: 'bad' }])), 2);
  assert.equal(exitCodeOf(new RolloutFailedError('rolled back')), 3);
  assert.equal(exitCodeOf(new TimeoutError('late')), 4);
  assert.equal(exitCodeOf(new KcanaryError(ErrorCode.Internal, 'x')), 1);
  assert.equal(exitCodeOf(new Error('plain')), 1);
});

test('a validation error lists every field path', () => {
  const error = new ValidationError([{ path: 'spec.a', message: 'one' }, { path: 'spec.b', message: 'two' }]);
  assert.match(error.message, /spec\.a: one\n\s+spec\.b: two/);
});
