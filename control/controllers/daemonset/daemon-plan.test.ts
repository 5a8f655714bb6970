import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node, Pod, Taint } from '../../../api/types.js';
import type { DaemonSet } from '../../../api/workload-types.js';
import { daemonPodNode, newDaemonPod, nodeShouldRunDaemonPod } from './daemon-pods.js';
import { daemonSetStatus, planDaemonSet, type NodeState } from './daemon-plan.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function ds(o: { nodeSelector?: Record<string, string>; tolerations?: unknown[]; strategy?: DaemonSet['spec']['updateStrategy']; minReady?: number } = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid', generation: 3 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'c', image: 'i' }], ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}), ...(o.tolerations ? { tolerations: o.tolerations } : {}) },
      },
      updateStrategy: o.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...(o.minReady ? { minReadySeconds: o.minReady } : {}),
    },
  };
}

function node(name: string, o: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: o.labels ?? {} }, spec: { ...(o.taints ? { taints: o.taints } : {}) } };
}

let seq = 0;
function pod(nodeName: string, hash: string, o: { ready?: boolean; failed?: boolean; deleting?: boolean; age?: number; readyFor?: number } = {}): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `p${seq}`,
      namespace: 'default',
      uid: `u${seq}`,
      labels: { app: 'agent', 'controller-revision-hash': hash },
      creationTimestamp: new Date(NOW - (o.age ?? 100) * 1000).toISOString(),
      ...(o.deleting ? { deletionTimestamp: new Date(NOW).toISOString() } : {}),
    },
    spec: { containers: [], nodeName },
    status: {
      phase: o.failed ? 'Failed' : 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: new Date(NOW - (o.readyFor ?? 60) * 1000).toISOString() }],
    },
  };
}

const runs = { shouldRun: true, shouldContinueRunning: true };
const state = (name: string, pods: Pod[], placement = runs, inBackoff = false): NodeState => ({ name, placement, pods, inBackoff });
const names = (ps: { pod: Pod }[]) => ps.map((d) => d.pod.metadata.name).sort();

test('placement: nodeSelector, untolerated NoSchedule keeps new pods off, untolerated NoExecute evicts, defaults tolerate cordon and not-ready', () => {
  const cases: { name: string; d: DaemonSet; n: Node; want: [boolean, boolean] }[] = [
    { name: 'plain node', d: ds(), n: node('a'), want: [true, true] },
    { name: 'selector matches', d: ds({ nodeSelector: { disk: 'ssd' } }), n: node('a', { labels: { disk: 'ssd' } }), want: [true, true] },
    { name: 'selector misses', d: ds({ nodeSelector: { disk: 'ssd' } }), n: node('a', { labels: { disk: 'hdd' } }), want: [false, false] },
    { name: 'NoSchedule taint', d: ds(), n: node('a', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }), want: [false, true] },
    { name: 'NoExecute taint', d: ds(), n: node('a', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] }), want: [false, false] },
    {
      name: 'tolerated taint',
      d: ds({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoExecute' }] }),
      n: node('a', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] }),
      want: [true, true],
    },
    { name: 'cordoned', d: ds(), n: node('a', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), want: [true, true] },
    { name: 'unreachable', d: ds(), n: node('a', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), want: [true, true] },
    { name: 'PreferNoSchedule ignored', d: ds(), n: node('a', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }), want: [true, true] },
  ];
  for (const c of cases) {
    const p = nodeShouldRunDaemonPod(c.n, c.d);
    assert.deepEqual([p.shouldRun, p.shouldContinueRunning], c.want, c.name);
  }
});

test('a new daemon pod is pinned to its node by affinity, carries the revision hash and the default tolerations once', () => {
  const p = newDaemonPod(ds({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), 'n1', 'h1');
  assert.equal(p.spec.nodeName, undefined, 'the scheduler binds it');
  assert.equal(daemonPodNode(p), 'n1');
  assert.equal(p.metadata.labels?.['controller-revision-hash'], 'h1');
  assert.equal(p.metadata.ownerReferences?.[0]?.uid, 'ds-uid');
  const tolerations = p.spec['tolerations'] as { key: string; effect: string }[];
  assert.equal(tolerations.filter((t) => t.key === 'node.kubernetes.io/unschedulable').length, 1);
  assert.ok(tolerations.some((t) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoExecute'));
});

test('per node: missing pods are created, duplicates keep the oldest, failed and misscheduled pods go, terminating pods are waited for', () => {
  const old = pod('b', 'h', { age: 500 });
  const young = pod('b', 'h', { age: 10 });
  const failed = pod('c', 'h', { failed: true });
  const mis = pod('d', 'h');
  const term = pod('e', 'h', { deleting: true });
  const nodes = [
    state('a', []),
    state('b', [young, old]),
    state('c', [failed]),
    state('d', [mis], { shouldRun: false, shouldContinueRunning: false }),
    state('e', [term]),
    state('f', [], runs, true),
    state('g', [], { shouldRun: false, shouldContinueRunning: true }),
  ];
  const plan = planDaemonSet(ds(), nodes, 'h', NOW);
  assert.deepEqual(plan.create, ['a']);
  assert.deepEqual(plan.delete.map((d) => [d.pod.metadata.name, d.reason]).sort(), [
    [failed.metadata.name, 'failed'],
    [young.metadata.name, 'duplicate'],
    [mis.metadata.name, 'misscheduled'],
  ].sort());
});

test('rolling update without surge: unavailable old pods go free, available ones within maxUnavailable, oldest first', () => {
  const oldest = pod('a', 'old', { age: 900 });
  const middle = pod('b', 'old', { age: 800 });
  const notReady = pod('c', 'old', { ready: false });
  const current = pod('d', 'new');
  const plan = planDaemonSet(ds(), [state('a', [oldest]), state('b', [middle]), state('c', [notReady]), state('d', [current])], 'new', NOW);
  assert.deepEqual(plan.create, []);
  // c is unavailable already (1 of maxUnavailable 1), so no available old pod may go yet.
  assert.deepEqual(names(plan.delete), [notReady.metadata.name]);

  const two = ds({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } });
  const plan2 = planDaemonSet(two, [state('a', [oldest]), state('b', [middle]), state('d', [current])], 'new', NOW);
  assert.deepEqual(names(plan2.delete), [oldest.metadata.name, middle.metadata.name].sort());

  // A node whose new pod is not available yet uses up the budget.
  const starting = pod('d', 'new', { ready: false });
  const plan3 = planDaemonSet(ds(), [state('a', [oldest]), state('d', [starting])], 'new', NOW);
  assert.deepEqual(plan3.delete, []);
});

test('rolling update with surge: a new pod beside the old one, the old one goes when the new is available', () => {
  const surge = ds({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const a = pod('a', 'old');
  const b = pod('b', 'old');
  const plan = planDaemonSet(surge, [state('a', [a]), state('b', [b])], 'new', NOW);
  assert.deepEqual([plan.create.length, plan.delete.length], [1, 0], 'one node at a time');

  const aNew = pod('a', 'new', { ready: false });
  const plan2 = planDaemonSet(surge, [state('a', [a, aNew]), state('b', [b])], 'new', NOW);
  assert.deepEqual([plan2.create, plan2.delete], [[], []], 'waits for the surge pod');

  const aReady = pod('a', 'new');
  const plan3 = planDaemonSet(surge, [state('a', [a, aReady]), state('b', [b])], 'new', NOW);
  assert.deepEqual(names(plan3.delete), [a.metadata.name]);
});

test('OnDelete never replaces pods by itself', () => {
  const onDelete = ds({ strategy: { type: 'OnDelete' } });
  const plan = planDaemonSet(onDelete, [state('a', [pod('a', 'old')]), state('b', [])], 'new', NOW);
  assert.deepEqual([plan.create, plan.delete], [['b'], []]);
});

test('status during a surge: a node is judged by its old pod until the new one replaces it', () => {
  const nodes = [state('a', [pod('a', 'old', { age: 500 }), pod('a', 'new', { ready: false, age: 5 })]), state('b', [pod('b', 'new')])];
  const s = daemonSetStatus(ds(), nodes, 'new', NOW);
  assert.deepEqual([s.desiredNumberScheduled, s.numberAvailable, s.updatedNumberScheduled], [2, 2, 1]);
});

test('status counts per node: desired, current, ready, available with minReadySeconds, updated, misscheduled', () => {
  const d = ds({ minReady: 30 });
  const nodes = [
    state('a', [pod('a', 'new', { readyFor: 60 })]),
    state('b', [pod('b', 'new', { readyFor: 5 })]),
    state('c', [pod('c', 'old', { ready: false })]),
    state('d', []),
    state('e', [pod('e', 'new')], { shouldRun: false, shouldContinueRunning: true }),
  ];
  assert.deepEqual(daemonSetStatus(d, nodes, 'new', NOW), {
    desiredNumberScheduled: 4,
    currentNumberScheduled: 3,
    numberMisscheduled: 1,
    numberReady: 2,
    numberAvailable: 1,
    updatedNumberScheduled: 2,
    numberUnavailable: 3,
    observedGeneration: 3,
  });
});
