import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../../../api/types.js';
import { nodeColumnDefinitions, nodeTable, printNode } from './node-table.js';

const now = new Date('2024-05-01T12:00:00Z');

function node(extra: { labels?: Record<string, string>; ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean } = {}): Node {
  const n: Node = {
    metadata: { name: 'n1', creationTimestamp: '2024-04-29T09:00:00Z', labels: extra.labels ?? {} },
    spec: extra.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: extra.ready ? [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: extra.ready }] : [],
      addresses: [
        { type: 'Hostname', address: 'n1' },
        { type: 'InternalIP', address: '192.168.1.10' },
      ],
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '6.1.0-18-arm64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'docker://24.0.7',
        kubeletVersion: 'v1.33.0',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'arm64',
      },
    },
  };
  return n;
}

describe('printNode', () => {
  const cases: { name: string; node: Node; status: string; roles: string }[] = [
    { name: 'ready', node: node({ ready: 'True' }), status: 'Ready', roles: '<none>' },
    { name: 'not ready', node: node({ ready: 'False' }), status: 'NotReady', roles: '<none>' },
    { name: 'ready unknown', node: node({ ready: 'Unknown' }), status: 'NotReady', roles: '<none>' },
    { name: 'never reported', node: node(), status: 'Unknown', roles: '<none>' },
    { name: 'cordoned', node: node({ ready: 'True', unschedulable: true }), status: 'Ready,SchedulingDisabled', roles: '<none>' },
    {
      name: 'roles',
      node: node({ ready: 'True', labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': 'true', 'kubernetes.io/role': 'edge', 'node-role.kubernetes.io/': '' } }),
      status: 'Ready',
      roles: 'control-plane,edge,worker',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const row = printNode(c.node, now, { wide: false });
      assert.deepEqual(row.cells, ['n1', c.status, c.roles, '2d3h', 'v1.33.0']);
    });
  }
  it('wide columns', () => {
    assert.deepEqual(printNode(node({ ready: 'True' }), now).cells.slice(5), [
      '192.168.1.10',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0-18-arm64',
      'docker://24.0.7',
    ]);
    const bare: Node = { metadata: { name: 'x' }, spec: {} };
    assert.deepEqual(printNode(bare, now).cells, ['x', 'Unknown', '<none>', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
  it('column definitions', () => {
    assert.deepEqual(
      nodeColumnDefinitions.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Status', 0],
        ['Roles', 0],
        ['Age', 0],
        ['Version', 0],
        ['Internal-IP', 1],
        ['External-IP', 1],
        ['OS-Image', 1],
        ['Kernel-Version', 1],
        ['Container-Runtime', 1],
      ],
    );
    assert.equal(nodeColumnDefinitions[4]!.description, 'Kubelet Version reported by the node.');
    assert.equal(nodeTable.rows([node()], now)[0]!.cells.length, nodeColumnDefinitions.length);
  });
});
