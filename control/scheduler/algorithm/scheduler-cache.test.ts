import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from './scheduler-cache.js';
import { makeNode, makePod, testParser } from './testing.js';
import type { ScheduleResult } from './types.js';

const Gi = 2 ** 30;

function nodeOf(r: ScheduleResult): string {
  assert.ok('nodeName' in r, 'message' in r ? r.message : 'unschedulable');
  return r.nodeName;
}

function requested(cache: SchedulerCache, node: string) {
  const info = cache.getNodeInfo(node);
  return info && { cpu: info.requested.milliCPU, memory: info.requested.memory, pods: info.pods.size };
}

test('addPod counts bound pods; updates replace; removePod subtracts', () => {
  const cache = new SchedulerCache(testParser);
  cache.addNode(makeNode('a', { cpu: '2', memory: '4Gi' }));
  const pod = makePod('p', { cpu: '500m', memory: '1Gi', nodeName: 'a' });
  cache.addPod(pod);
  cache.addPod(pod); // informer resync: no double counting
  assert.deepEqual(requested(cache, 'a'), { cpu: 500, memory: Gi, pods: 1 });
  cache.updatePod(makePod('p', { cpu: '1', memory: '1Gi', nodeName: 'a' })); // resized
  assert.deepEqual(requested(cache, 'a'), { cpu: 1000, memory: Gi, pods: 1 });
  cache.removePod(pod);
  assert.deepEqual(requested(cache, 'a'), { cpu: 0, memory: 0, pods: 0 });
});

test('a pod that finishes stops counting', () => {
  const cache = new SchedulerCache(testParser);
  cache.addNode(makeNode('a', { memory: '4Gi' }));
  cache.addPod(makePod('job', { memory: '4Gi', nodeName: 'a', phase: 'Running' }));
  assert.ok('unschedulable' in cache.schedule(makePod('p', { memory: '1Gi' })));
  cache.updatePod(makePod('job', { memory: '4Gi', nodeName: 'a', phase: 'Succeeded' }));
  assert.equal(nodeOf(cache.schedule(makePod('p', { memory: '1Gi' }))), 'a');
  assert.deepEqual(requested(cache, 'a'), { cpu: 0, memory: 0, pods: 0 });
});

test('unbound pods are not counted', () => {
  const cache = new SchedulerCache(testParser);
  cache.addNode(makeNode('a'));
  cache.addPod(makePod('pending', { cpu: '1' }));
  assert.deepEqual(requested(cache, 'a'), { cpu: 0, memory: 0, pods: 0 });
});

test('assumePod counts before the Binding lands; the informer confirms; forgetPod then does nothing', () => {
  const cache = new SchedulerCache(testParser);
  cache.addNode(makeNode('a', { cpu: '1' }));
  const pod = makePod('p', { cpu: '1' });
  assert.equal(nodeOf(cache.schedule(pod)), 'a');
  cache.assumePod(pod, 'a');
  assert.equal(cache.isAssumed(pod), true);
  assert.deepEqual(cache.schedule(makePod('q', { cpu: '1' })), {
    unschedulable: true,
    message: '0/1 nodes are available: 1 Insufficient cpu.',
    reasons: new Map([['Insufficient cpu', 1]]),
  });
  // A status update from before the Binding (no nodeName) must not drop the assumption.
  cache.addPod(pod);
  assert.deepEqual(requested(cache, 'a'), { cpu: 1000, memory: 0, pods: 1 });
  // The informer sees the pod bound.
  cache.addPod({ ...pod, spec: { ...pod.spec, nodeName: 'a' } });
  assert.equal(cache.isAssumed(pod), false);
  cache.forgetPod(pod);
  assert.deepEqual(requested(cache, 'a'), { cpu: 1000, memory: 0, pods: 1 });
});

test('forgetPod undoes a failed Binding', () => {
  const cache = new SchedulerCache(testParser);
  cache.addNode(makeNode('a', { cpu: '1' }));
  const pod = makePod('p', { cpu: '1' });
  cache.assumePod(pod, 'a');
  cache.forgetPod(pod);
  assert.deepEqual(requested(cache, 'a'), { cpu: 0, memory: 0, pods: 0 });
  assert.equal(cache.isAssumed(pod), false);
});

test('a pod bound elsewhere than assumed moves to where the API says it is', () => {
  const cache = new SchedulerCache(testParser);
  cache.addNode(makeNode('a'));
  cache.addNode(makeNode('b'));
  const pod = makePod('p', { cpu: '1' });
  cache.assumePod(pod, 'a');
  cache.addPod({ ...pod, spec: { ...pod.spec, nodeName: 'b' } });
  assert.deepEqual(requested(cache, 'a'), { cpu: 0, memory: 0, pods: 0 });
  assert.deepEqual(requested(cache, 'b'), { cpu: 1000, memory: 0, pods: 1 });
});

test('updateNode re-reads allocatable, taints and conditions', () => {
  const cache = new SchedulerCache(testParser);
  cache.addNode(makeNode('a', { cpu: '1', ready: 'False' }));
  const pod = makePod('p', { cpu: '2' });
  assert.equal((cache.schedule(pod) as { message: string }).message, '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.');
  cache.updateNode(makeNode('a', { cpu: '1' }));
  assert.equal((cache.schedule(pod) as { message: string }).message, '0/1 nodes are available: 1 Insufficient cpu.');
  cache.updateNode(makeNode('a', { cpu: '4' }));
  assert.equal(nodeOf(cache.schedule(pod)), 'a');
});

test('removeNode: the node is gone for scheduling, its pods stay counted until deleted', () => {
  const cache = new SchedulerCache(testParser);
  const node = makeNode('a', { cpu: '2' });
  cache.addNode(node);
  cache.addPod(makePod('q', { cpu: '2', nodeName: 'a' }));
  cache.removeNode(node);
  assert.equal(cache.nodes().length, 0);
  assert.deepEqual(cache.schedule(makePod('p')), { unschedulable: true, message: 'no nodes available to schedule pods', reasons: new Map() });
  cache.addNode(node); // it comes back, still holding its pod
  assert.ok('unschedulable' in cache.schedule(makePod('p', { cpu: '1' })));
  cache.removeNode('a');
  cache.removePod(makePod('q', { nodeName: 'a' }));
  assert.equal(cache.getNodeInfo('a'), undefined, 'nothing left to remember');
});

test('pods bound to a node the cache has not seen yet are counted when it appears', () => {
  const cache = new SchedulerCache(testParser);
  cache.addPod(makePod('q', { cpu: '2', nodeName: 'late' }));
  assert.equal(cache.nodes().length, 0);
  cache.addNode(makeNode('late', { cpu: '2' }));
  assert.equal((cache.schedule(makePod('p', { cpu: '1' })) as { message: string }).message, '0/1 nodes are available: 1 Insufficient cpu.');
});

test('bad quantities: a bound pod or node never throws, the pod being scheduled does', () => {
  const cache = new SchedulerCache(testParser);
  cache.addNode(makeNode('a', { cpu: 'lots' })); // unparsable allocatable cpu counts as none
  cache.addPod(makePod('q', { cpu: 'plenty', nodeName: 'a' })); // counted with no requests
  assert.deepEqual(requested(cache, 'a'), { cpu: 0, memory: 0, pods: 1 });
  assert.equal((cache.schedule(makePod('p', { cpu: '1' })) as { message: string }).message, '0/1 nodes are available: 1 Insufficient cpu.');
  assert.throws(() => cache.schedule(makePod('p', { cpu: 'some' })));
});

test('schedule does not modify the cache or the pod', () => {
  const cache = new SchedulerCache(testParser);
  cache.addNode(makeNode('a'));
  const pod = makePod('p', { cpu: '1' });
  const before = JSON.stringify(pod);
  nodeOf(cache.schedule(pod));
  assert.equal(JSON.stringify(pod), before);
  assert.deepEqual(requested(cache, 'a'), { cpu: 0, memory: 0, pods: 0 });
});
