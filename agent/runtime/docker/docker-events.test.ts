import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toRuntimeEvent } from './docker-events.js';

test('toRuntimeEvent maps lifecycle actions and ignores the rest', () => {
  const attrs = { 'io.kubernetes.pod.uid': 'u1' };
  assert.deepEqual(toRuntimeEvent({ Type: 'container', Action: 'start', Actor: { ID: 'c1', Attributes: attrs } }), { containerId: 'c1', podUid: 'u1', type: 'started' });
  assert.deepEqual(toRuntimeEvent({ Type: 'container', Action: 'die', Actor: { ID: 'c1' } }), { containerId: 'c1', type: 'stopped' });
  assert.deepEqual(toRuntimeEvent({ Type: 'container', Action: 'create', Actor: { ID: 'c1' } })?.type, 'created');
  assert.deepEqual(toRuntimeEvent({ Type: 'container', Action: 'destroy', Actor: { ID: 'c1' } })?.type, 'deleted');
  assert.equal(toRuntimeEvent({ Type: 'container', Action: 'exec_start: sh', Actor: { ID: 'c1' } }), undefined);
  assert.equal(toRuntimeEvent({ Type: 'network', Action: 'connect', Actor: { ID: 'n1' } }), undefined);
  assert.equal(toRuntimeEvent({ Type: 'container', Action: 'start' }), undefined);
});
