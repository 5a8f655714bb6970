import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitErrorMessage } from './fit-error.js';

const cases: { name: string; nodes: number; reasons: [string, number][]; want: string }[] = [
  {
    name: 'the documented example',
    nodes: 2,
    reasons: [['node(s) were unschedulable', 1], ['Insufficient memory', 1]],
    want: '0/2 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable.',
  },
  {
    name: 'one node, several resource reasons',
    nodes: 1,
    reasons: [['Insufficient memory', 1], ['Insufficient cpu', 1], ['Too many pods', 1]],
    want: '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods.',
  },
  {
    name: 'sorted as "<count> <reason>" strings, as kube-scheduler sorts them',
    nodes: 12,
    reasons: [['node(s) were unschedulable', 2], ['Insufficient cpu', 10]],
    want: '0/12 nodes are available: 10 Insufficient cpu, 2 node(s) were unschedulable.',
  },
  {
    name: 'taint reason',
    nodes: 3,
    reasons: [['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }', 1], ["node(s) didn't match Pod's node affinity/selector", 2]],
    want: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector.",
  },
  { name: 'no reasons', nodes: 0, reasons: [], want: '0/0 nodes are available:' },
];

for (const c of cases) {
  test(`fitErrorMessage: ${c.name}`, () => assert.equal(fitErrorMessage(c.nodes, new Map(c.reasons)), c.want));
}
