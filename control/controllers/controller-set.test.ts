import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTROLLER_NAMES, parseControllerSet } from './controller-set.js';

test('--controllers: * is all, -name leaves one out, names add, unknown names are refused', () => {
  assert.deepEqual([...parseControllerSet('*')].sort(), [...CONTROLLER_NAMES].sort());
  const most = parseControllerSet('*,-deployment,-replicaset');
  assert.equal(most.has('deployment'), false);
  assert.equal(most.has('replicaset'), false);
  assert.equal(most.has('scheduler'), true);
  assert.deepEqual([...parseControllerSet('scheduler, nodeipam')], ['scheduler', 'nodeipam']);
  assert.deepEqual([...parseControllerSet('')], []);
  assert.throws(() => parseControllerSet('*,-kube-proxy'), /unknown controller "kube-proxy"/);
});
