// getPhase with init containers and the remaining grace period of a pod being deleted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus, Pod } from '../../api/types.js';
import { remainingGrace } from './kubelet.js';
import { computePodStatus, podPhase } from './pod-status.js';

function pod(restartPolicy: 'Always' | 'OnFailure' | 'Never', init: { name: string; sidecar?: boolean }[]): Pod {
  return {
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      restartPolicy,
      initContainers: init.map((c) => ({ name: c.name, image: 'x', ...(c.sidecar ? { restartPolicy: 'Always' } : {}) })),
      containers: [{ name: 'app', image: 'x' }],
    },
  };
}

const waitingInit: ContainerStatus = { name: 'app', state: { waiting: { reason: 'PodInitializing' } }, lastState: {}, ready: false, restartCount: 0, image: 'x', imageID: '' };
const st = (name: string, state: ContainerStatus['state'], lastState: ContainerStatus['state'] = {}, started = false): ContainerStatus => ({
  name,
  state,
  lastState,
  ready: false,
  restartCount: 0,
  image: 'x',
  imageID: '',
  started,
});

test('podPhase with init containers', () => {
  const cases: [string, Pod, ContainerStatus[], ContainerStatus[], string][] = [
    ['init running', pod('Always', [{ name: 'i' }]), [waitingInit], [st('i', { running: {} })], 'Pending'],
    ['init failed, Never', pod('Never', [{ name: 'i' }]), [waitingInit], [st('i', { terminated: { exitCode: 1 } })], 'Failed'],
    ['init in back-off, Always', pod('Always', [{ name: 'i' }]), [waitingInit], [st('i', { waiting: { reason: 'CrashLoopBackOff' } }, { terminated: { exitCode: 1 } })], 'Pending'],
    ['init done, app running', pod('Always', [{ name: 'i' }]), [st('app', { running: {} })], [st('i', { terminated: { exitCode: 0 } })], 'Running'],
    ['sidecar not started', pod('Always', [{ name: 's', sidecar: true }]), [waitingInit], [st('s', { running: {} })], 'Pending'],
    ['sidecar started, app running', pod('Never', [{ name: 's', sidecar: true }]), [st('app', { running: {} })], [st('s', { running: {} }, {}, true)], 'Running'],
    ['app done, sidecar still running', pod('Never', [{ name: 's', sidecar: true }]), [st('app', { terminated: { exitCode: 0 } })], [st('s', { running: {} }, {}, true)], 'Succeeded'],
  ];
  for (const [name, p, app, init, want] of cases) assert.equal(podPhase(p, app, init), want, name);
});

test('remainingGrace: full period at first, what is left after an agent restart, never more than asked', () => {
  const p = (deletionTimestamp: string | undefined, grace: number): Pod => ({
    metadata: { name: 'p', deletionGracePeriodSeconds: grace, ...(deletionTimestamp ? { deletionTimestamp } : {}) },
    spec: { containers: [] },
  });
  const now = Date.parse('2026-01-01T00:00:00.700Z');
  // Deleted just now with grace 30 (timestamp truncated to the second): the whole 30 s.
  assert.equal(remainingGrace(p('2026-01-01T00:00:30Z', 30), now), 30);
  // 20 s into a 30 s grace period: about 10 s left (plus the 1 s of truncation slack).
  assert.equal(remainingGrace(p('2026-01-01T00:00:10Z', 30), now), 11);
  assert.equal(remainingGrace(p('2025-12-31T23:59:00Z', 30), now), 0);
  assert.equal(remainingGrace(p(undefined, 7), now), 7);
});

test('containers not created yet wait as ContainerCreating, or PodInitializing when the pod has init containers', () => {
  const observe = (p: Pod) => computePodStatus({ pod: p, podIP: '', hostIP: '192.0.2.1', sandboxReady: true, containers: [], waiting: new Map(), scheme: 'docker', now: new Date() });
  const plain = observe({ metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'x' }] } });
  assert.equal(plain.containerStatuses![0]!.state.waiting?.reason, 'ContainerCreating');
  assert.equal(plain.initContainerStatuses, undefined);
  assert.equal(plain.conditions!.find((c) => c.type === 'Initialized')?.status, 'True');
  const withInit = observe(pod('Always', [{ name: 'i' }]));
  assert.equal(withInit.containerStatuses![0]!.state.waiting?.reason, 'PodInitializing');
  assert.equal(withInit.initContainerStatuses![0]!.state.waiting?.reason, 'PodInitializing');
  assert.equal(withInit.phase, 'Pending');
  const init = withInit.conditions!.find((c) => c.type === 'Initialized')!;
  assert.deepEqual([init.status, init.reason, init.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [i]']);
});
