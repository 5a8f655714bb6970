import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerName, decodeLabels, encodeLabels, labelFilters, podBridgeName, podNetworkName, sandboxContainerName } from './labels.js';

test('labels and annotations round-trip; image and runtime labels stay out', () => {
  const labels = { app: 'web', 'io.kubernetes.pod.uid': 'u1' };
  const annotations = { 'io.kubernetes.container.restartCount': '2', 'example.com/note': 'a=b c' };
  const docker = { ...encodeLabels(labels, annotations, { 'io.skiff.node.name': 'n1', 'io.kubernetes.pod.uid': 'u1' }), 'from.image': 'x' };
  assert.deepEqual(decodeLabels(docker), { labels, annotations });
});

test('identity labels written by the runtime are reported even when not passed as labels', () => {
  const docker = encodeLabels({}, {}, { 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.container.name': 'c' });
  assert.deepEqual(decodeLabels(docker).labels, { 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.container.name': 'c' });
});

test('selectors: identity keys plain, everything else prefixed', () => {
  assert.deepEqual(labelFilters({ 'io.kubernetes.pod.uid': 'u1', app: 'web' }), ['io.kubernetes.pod.uid=u1', 'io.skiff.label.app=web']);
});

test('names: dockershim container names, a per-node network and a bridge name within 15 bytes', () => {
  const pod = { name: 'web-1', namespace: 'default', uid: '1234-abcd', attempt: 2 };
  assert.equal(sandboxContainerName(pod), 'k8s_POD_web-1_default_1234-abcd_2');
  assert.equal(containerName({ name: 'app', attempt: 0 }, pod), 'k8s_app_web-1_default_1234-abcd_0');
  assert.equal(podNetworkName('pi-1'), 'skiff-pi-1');
  const long = podBridgeName('a-very-long-node-name.example.internal');
  assert.match(long, /^sk-[0-9a-f]{8}$/);
  assert.notEqual(podBridgeName('node-a'), podBridgeName('node-b'));
  assert.equal(podBridgeName('node-a'), podBridgeName('node-a'));
});
