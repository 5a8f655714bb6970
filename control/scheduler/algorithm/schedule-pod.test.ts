import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from '../../../api/types.js';
import { schedulePod } from './schedule-pod.js';
import { container, makeNode, makePod, testParser } from './testing.js';
import type { ScheduleResult } from './types.js';

interface Case {
  name: string;
  pod: Pod;
  nodes: Node[];
  /** Pods already bound, by node. */
  bound?: Record<string, Pod[]>;
  /** The chosen node, or the exact FailedScheduling message. */
  want: { node: string } | { message: string; reasons?: Record<string, number> };
}

const busy = (n: number, node: string, o: Parameters<typeof makePod>[1] = {}) =>
  Array.from({ length: n }, (_, i) => makePod(`${node}-busy-${i}`, { nodeName: node, ...o }));

const cases: Case[] = [
  // ---- messages ----
  {
    name: 'no nodes at all',
    pod: makePod('p'),
    nodes: [],
    want: { message: 'no nodes available to schedule pods', reasons: {} },
  },
  {
    name: 'the documented two-node example',
    pod: makePod('p', { cpu: '100m', memory: '4Gi' }),
    nodes: [makeNode('a', { memory: '1Gi' }), makeNode('b', { unschedulable: true })],
    want: {
      message: '0/2 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable.',
      reasons: { 'Insufficient memory': 1, 'node(s) were unschedulable': 1 },
    },
  },
  {
    name: 'a node may give several resource reasons; counts add across nodes',
    pod: makePod('p', { cpu: '2', memory: '4Gi' }),
    nodes: [makeNode('a', { cpu: '1', memory: '1Gi' }), makeNode('b', { cpu: '1', memory: '64Mi' }), makeNode('c', { cpu: '4', memory: '1Gi' })],
    want: {
      message: '0/3 nodes are available: 2 Insufficient cpu, 3 Insufficient memory.',
      reasons: { 'Insufficient cpu': 2, 'Insufficient memory': 3 },
    },
  },
  {
    name: 'a node reports only the first filter that rejects it',
    pod: makePod('p', { cpu: '4' }),
    nodes: [makeNode('a', { cpu: '1', unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] })],
    want: { message: '0/1 nodes are available: 1 node(s) were unschedulable.' },
  },

  // ---- NodeUnschedulable ----
  {
    name: 'NodeUnschedulable: cordoned node skipped',
    pod: makePod('p'),
    nodes: [makeNode('a', { unschedulable: true }), makeNode('b')],
    want: { node: 'b' },
  },
  {
    name: 'NodeUnschedulable: tolerated by the unschedulable toleration',
    pod: makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }),
    nodes: [makeNode('a', { unschedulable: true })],
    want: { node: 'a' },
  },

  // ---- NodeName ----
  {
    name: 'NodeName: only the named node fits',
    pod: makePod('p', { nodeName: 'b' }),
    nodes: [makeNode('a'), makeNode('b'), makeNode('c')],
    want: { node: 'b' },
  },
  {
    name: 'NodeName: the named node does not exist',
    pod: makePod('p', { nodeName: 'gone' }),
    nodes: [makeNode('a'), makeNode('b')],
    want: { message: "0/2 nodes are available: 2 node(s) didn't match the requested node name." },
  },

  // ---- TaintToleration ----
  {
    name: 'TaintToleration: NoSchedule taint rejects',
    pod: makePod('p'),
    nodes: [makeNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] })],
    want: { message: '0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.' },
  },
  {
    name: 'TaintToleration: NoExecute taint with value rejects',
    pod: makePod('p'),
    nodes: [makeNode('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] })],
    want: { message: '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.' },
  },
  {
    name: 'TaintToleration: PreferNoSchedule does not filter',
    pod: makePod('p'),
    nodes: [makeNode('a', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] })],
    want: { node: 'a' },
  },
  {
    name: 'TaintToleration: tolerated taint',
    pod: makePod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }),
    nodes: [makeNode('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })],
    want: { node: 'a' },
  },

  // ---- node readiness (as Kubernetes' condition taints) ----
  {
    name: 'Ready=False: rejected as the not-ready taint',
    pod: makePod('p'),
    nodes: [makeNode('a', { ready: 'False' }), makeNode('b', { ready: 'none' })],
    want: { message: '0/2 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.' },
  },
  {
    name: 'Ready=False with the taint already present: same reason, counted once',
    pod: makePod('p'),
    nodes: [makeNode('a', { ready: 'False', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] })],
    want: { message: '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.' },
  },
  {
    name: 'Ready=Unknown: rejected as the unreachable taint',
    pod: makePod('p'),
    nodes: [makeNode('a', { ready: 'Unknown' })],
    want: { message: '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.' },
  },
  {
    name: 'the default NoExecute not-ready toleration does not admit to a NotReady node',
    pod: makePod('p', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] }),
    nodes: [makeNode('a', { ready: 'False' })],
    want: { message: '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.' },
  },
  {
    name: 'a pod tolerating every taint lands on a NotReady node',
    pod: makePod('p', { tolerations: [{ operator: 'Exists' }] }),
    nodes: [makeNode('a', { ready: 'False' })],
    want: { node: 'a' },
  },

  // ---- NodeAffinity ----
  {
    name: 'NodeAffinity: nodeSelector picks the labelled node',
    pod: makePod('p', { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }),
    nodes: [makeNode('x86'), makeNode('pi', { labels: { 'kubernetes.io/arch': 'arm64' } })],
    want: { node: 'pi' },
  },
  {
    name: 'NodeAffinity: nothing matches',
    pod: makePod('p', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['attic'] }] }] },
        },
      },
    }),
    nodes: [makeNode('a'), makeNode('b', { labels: { zone: 'cellar' } })],
    want: { message: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector." },
  },

  // ---- NodeResourcesFit ----
  {
    name: 'NodeResourcesFit: Insufficient cpu',
    pod: makePod('p', { cpu: '2' }),
    nodes: [makeNode('a', { cpu: '2' })],
    bound: { a: [makePod('q', { cpu: '100m', nodeName: 'a' })] },
    want: { message: '0/1 nodes are available: 1 Insufficient cpu.' },
  },
  {
    name: 'NodeResourcesFit: exactly full still fits',
    pod: makePod('p', { cpu: '1900m', memory: '3Gi' }),
    nodes: [makeNode('a', { cpu: '2', memory: '4Gi' })],
    bound: { a: [makePod('q', { cpu: '100m', memory: '1Gi', nodeName: 'a' })] },
    want: { node: 'a' },
  },
  {
    name: 'NodeResourcesFit: limits count as requests on bound pods',
    pod: makePod('p', { memory: '1Gi' }),
    nodes: [makeNode('a', { memory: '4Gi' })],
    bound: { a: [makePod('q', { limits: { memory: '4Gi' }, nodeName: 'a' })] },
    want: { message: '0/1 nodes are available: 1 Insufficient memory.' },
  },
  {
    name: 'NodeResourcesFit: limits count as requests on the pod',
    pod: makePod('p', { limits: { cpu: '4' } }),
    nodes: [makeNode('a', { cpu: '2' })],
    want: { message: '0/1 nodes are available: 1 Insufficient cpu.' },
  },
  {
    name: 'NodeResourcesFit: finished pods free their requests',
    pod: makePod('p', { memory: '4Gi' }),
    nodes: [makeNode('a', { memory: '4Gi' })],
    bound: { a: [makePod('done', { memory: '4Gi', nodeName: 'a', phase: 'Succeeded' }), makePod('failed', { memory: '4Gi', nodeName: 'a', phase: 'Failed' })] },
    want: { node: 'a' },
  },
  {
    name: 'NodeResourcesFit: init containers count as max(init, sum(containers))',
    pod: makePod('p', { initContainers: [container('init', { memory: '4Gi' })], containers: [container('c', { memory: '64Mi' })] }),
    nodes: [makeNode('a', { memory: '4Gi' })],
    bound: { a: [makePod('q', { memory: '64Mi', nodeName: 'a' })] },
    want: { message: '0/1 nodes are available: 1 Insufficient memory.' },
  },
  {
    name: 'NodeResourcesFit: Too many pods',
    pod: makePod('p'),
    nodes: [makeNode('a', { pods: '3' })],
    bound: { a: busy(3, 'a') },
    want: { message: '0/1 nodes are available: 1 Too many pods.' },
  },
  {
    name: 'NodeResourcesFit: Too many pods and Insufficient cpu from one node',
    pod: makePod('p', { cpu: '4' }),
    nodes: [makeNode('a', { pods: '1', cpu: '2' })],
    bound: { a: busy(1, 'a') },
    want: { message: '0/1 nodes are available: 1 Insufficient cpu, 1 Too many pods.' },
  },
  {
    name: 'NodeResourcesFit: a pod requesting nothing fits an overcommitted node',
    pod: makePod('p'),
    nodes: [makeNode('a', { cpu: '1' })],
    bound: { a: [makePod('q', { cpu: '2', nodeName: 'a' })] },
    want: { node: 'a' },
  },
  {
    name: 'NodeResourcesFit: extended resources and ephemeral storage',
    pod: makePod('p', { requests: { 'example.com/gpu': '1', 'ephemeral-storage': '2Gi' } }),
    nodes: [makeNode('a', { ephemeralStorage: '1Gi' }), makeNode('b', { ephemeralStorage: '10Gi', extra: { 'example.com/gpu': '1' } })],
    bound: { b: [makePod('q', { requests: { 'example.com/gpu': '1' }, nodeName: 'b' })] },
    want: {
      message: '0/2 nodes are available: 1 Insufficient ephemeral-storage, 2 Insufficient example.com/gpu.',
      reasons: { 'Insufficient ephemeral-storage': 1, 'Insufficient example.com/gpu': 2 },
    },
  },
  {
    name: 'NodeResourcesFit: a node without allocatable fits nothing',
    pod: makePod('p'),
    nodes: [{ ...makeNode('a'), status: { conditions: [{ type: 'Ready', status: 'True' }] } }],
    want: { message: '0/1 nodes are available: 1 Too many pods.' },
  },

  // ---- scoring ----
  {
    name: 'score: least allocated wins',
    pod: makePod('p', { cpu: '500m', memory: '512Mi' }),
    nodes: [makeNode('a'), makeNode('b')],
    bound: { a: [makePod('q', { cpu: '1', memory: '2Gi', nodeName: 'a' })] },
    want: { node: 'b' },
  },
  {
    name: 'score: a bigger node is emptier',
    pod: makePod('p', { cpu: '500m', memory: '512Mi' }),
    nodes: [makeNode('small', { cpu: '1', memory: '1Gi' }), makeNode('big', { cpu: '4', memory: '8Gi' })],
    want: { node: 'big' },
  },
  {
    name: 'score tie: fewer pods first',
    pod: makePod('p'),
    nodes: [makeNode('a', { cpu: '64', memory: '64Gi' }), makeNode('b', { cpu: '64', memory: '64Gi' })],
    bound: { a: busy(1, 'a', { cpu: '1m' }) },
    want: { node: 'b' },
  },
  {
    name: 'score tie: then by name',
    pod: makePod('p'),
    nodes: [makeNode('n2'), makeNode('n1'), makeNode('n3')],
    want: { node: 'n1' },
  },
];

function summary(r: ScheduleResult): unknown {
  return 'nodeName' in r ? { node: r.nodeName } : { message: r.message, reasons: Object.fromEntries(r.reasons) };
}

for (const c of cases) {
  test(`schedulePod: ${c.name}`, () => {
    const got = summary(schedulePod(c.pod, c.nodes, new Map(Object.entries(c.bound ?? {})), testParser)) as Record<string, unknown>;
    if ('node' in c.want) assert.deepEqual(got, c.want);
    else {
      assert.equal(got['message'], c.want.message);
      if (c.want.reasons) assert.deepEqual(got['reasons'], c.want.reasons);
    }
  });
}

test('schedulePod counts a pod by the node it is listed under', () => {
  const unbound = makePod('q', { cpu: '2' }); // no spec.nodeName yet, but listed under "a"
  const r = schedulePod(makePod('p', { cpu: '1' }), [makeNode('a', { cpu: '2' })], new Map([['a', [unbound]]]), testParser);
  assert.deepEqual(summary(r), { message: '0/1 nodes are available: 1 Insufficient cpu.', reasons: { 'Insufficient cpu': 1 } });
});

test('schedulePod spreads equal pods evenly over equal nodes', () => {
  const nodes = ['a', 'b', 'c'].map((n) => makeNode(n, { cpu: '4', memory: '8Gi' }));
  const bound = new Map<string, Pod[]>();
  for (let i = 0; i < 9; i++) {
    const pod = makePod(`p${i}`, { cpu: '100m', memory: '64Mi' });
    const r = schedulePod(pod, nodes, bound, testParser);
    assert.ok('nodeName' in r);
    bound.set(r.nodeName, [...(bound.get(r.nodeName) ?? []), { ...pod, spec: { ...pod.spec, nodeName: r.nodeName } }]);
  }
  assert.deepEqual([...bound].map(([n, ps]) => [n, ps.length]).sort(), [['a', 3], ['b', 3], ['c', 3]]);
});
