import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultListen, parseListen } from './operator.js';

test('kcanary operator listens on all interfaces only in a pod', () => {
  assert.equal(defaultListen({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }), '0.0.0.0:8080', 'the kubelet probes and Prometheus scrape the pod IP');
  assert.equal(defaultListen({}), '127.0.0.1:8080', 'a workstation exposes nothing to its network');
  assert.deepEqual(parseListen(defaultListen({})), { host: '127.0.0.1', port: 8080 });
});
