import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint } from '../../../api/types.js';
import { conditionTaints, findUntoleratedTaint, schedulingTaints, toleratesTaint, untoleratedTaintReason } from './taints.js';
import { makeNode } from './testing.js';
import type { Toleration } from './types.js';

const dedicated: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

const toleration: { name: string; t: Toleration; taint: Taint; want: boolean }[] = [
  { name: 'Equal with matching key, value, effect', t: { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint: dedicated, want: true },
  { name: 'operator defaults to Equal', t: { key: 'dedicated', value: 'gpu' }, taint: dedicated, want: true },
  { name: 'Equal with another value', t: { key: 'dedicated', value: 'cpu' }, taint: dedicated, want: false },
  { name: 'Exists ignores the value', t: { key: 'dedicated', operator: 'Exists' }, taint: dedicated, want: true },
  { name: 'empty key with Exists tolerates everything', t: { operator: 'Exists' }, taint: dedicated, want: true },
  { name: 'effect must match when given', t: { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint: dedicated, want: false },
  { name: 'empty effect matches every effect', t: { key: 'dedicated', operator: 'Exists', effect: '' }, taint: dedicated, want: true },
  { name: 'other key', t: { key: 'zone', operator: 'Exists' }, taint: dedicated, want: false },
  { name: 'missing values compare as empty', t: { key: 'node.kubernetes.io/not-ready' }, taint: { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }, want: true },
];

for (const c of toleration) {
  test(`toleratesTaint: ${c.name}`, () => assert.equal(toleratesTaint(c.t, c.taint), c.want));
}

test('findUntoleratedTaint returns the first uncovered taint in node order', () => {
  const taints: Taint[] = [dedicated, { key: 'zone', value: 'a', effect: 'NoExecute' }];
  assert.equal(findUntoleratedTaint(taints, []), dedicated);
  assert.equal(findUntoleratedTaint(taints, [{ key: 'dedicated', operator: 'Exists' }])?.key, 'zone');
  assert.equal(findUntoleratedTaint(taints, [{ operator: 'Exists' }]), undefined);
});

test('untoleratedTaintReason prints {key: value} with an empty value as kube-scheduler does', () => {
  assert.equal(untoleratedTaintReason(dedicated), 'node(s) had untolerated taint {dedicated: gpu}');
  assert.equal(untoleratedTaintReason({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }), 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }');
});

const byCondition: { name: string; node: ReturnType<typeof makeNode>; want: string[] }[] = [
  { name: 'Ready node', node: makeNode('n'), want: [] },
  { name: 'Ready=False', node: makeNode('n', { ready: 'False' }), want: ['node.kubernetes.io/not-ready'] },
  { name: 'no Ready condition yet', node: makeNode('n', { ready: 'none' }), want: ['node.kubernetes.io/not-ready'] },
  { name: 'Ready=Unknown (stopped heartbeating)', node: makeNode('n', { ready: 'Unknown' }), want: ['node.kubernetes.io/unreachable'] },
  {
    name: 'pressure conditions',
    node: makeNode('n', {
      conditions: [
        { type: 'MemoryPressure', status: 'True' },
        { type: 'DiskPressure', status: 'False' },
        { type: 'PIDPressure', status: 'True' },
      ],
    }),
    want: ['node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure'],
  },
];

for (const c of byCondition) {
  test(`conditionTaints: ${c.name}`, () => {
    const taints = conditionTaints(c.node);
    assert.deepEqual(taints.map((t) => t.key), c.want);
    assert.ok(taints.every((t) => t.effect === 'NoSchedule'));
  });
}

test('schedulingTaints keeps NoSchedule/NoExecute, drops PreferNoSchedule, does not double a condition taint', () => {
  const node = makeNode('n', {
    ready: 'False',
    taints: [
      { key: 'soft', effect: 'PreferNoSchedule' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
      { key: 'hard', value: 'x', effect: 'NoExecute' },
    ],
  });
  assert.deepEqual(
    schedulingTaints(node).map((t) => `${t.key}:${t.effect}`),
    ['node.kubernetes.io/not-ready:NoSchedule', 'hard:NoExecute'],
  );
  // Only the NoExecute flavour present: the scheduler still needs the NoSchedule one.
  const onlyExecute = makeNode('n', { ready: 'False', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] });
  assert.deepEqual(
    schedulingTaints(onlyExecute).map((t) => `${t.key}:${t.effect}`),
    ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule'],
  );
});
