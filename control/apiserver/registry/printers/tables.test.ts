import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, Lease, Namespace } from '../../../../api/types.js';
import { CREATION_TIMESTAMP_DESCRIPTION, NAME_DESCRIPTION } from './column-descriptions.js';
import { defaultTable, deploymentTable, eventTable, leaseTable, namespaceTable, nodeTable, podTable, tableConversionFor } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:59:55Z';

describe('namespaces, leases and the default table', () => {
  const cases: { name: string; table: typeof defaultTable; obj: KubeObject; columns: string[]; cells: unknown[] }[] = [
    {
      name: 'namespace',
      table: namespaceTable,
      obj: { metadata: { name: 'default', creationTimestamp: created }, status: { phase: 'Active' } } as Namespace,
      columns: ['Name', 'Status', 'Age'],
      cells: ['default', 'Active', '5s'],
    },
    {
      name: 'terminating namespace',
      table: namespaceTable,
      obj: { metadata: { name: 'old', creationTimestamp: created }, status: { phase: 'Terminating' } } as Namespace,
      columns: ['Name', 'Status', 'Age'],
      cells: ['old', 'Terminating', '5s'],
    },
    {
      name: 'lease',
      table: leaseTable,
      obj: { metadata: { name: 'n1', namespace: 'kube-node-lease', creationTimestamp: created }, spec: { holderIdentity: 'n1' } } as Lease,
      columns: ['Name', 'Holder', 'Age'],
      cells: ['n1', 'n1', '5s'],
    },
    {
      name: 'lease without holder',
      table: leaseTable,
      obj: { metadata: { name: 'x', creationTimestamp: created }, spec: {} } as Lease,
      columns: ['Name', 'Holder', 'Age'],
      cells: ['x', '', '5s'],
    },
    {
      name: 'anything else',
      table: defaultTable,
      obj: { metadata: { name: 'e1', creationTimestamp: created } },
      columns: ['Name', 'Age'],
      cells: ['e1', '5s'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(
        c.table.columnDefinitions.map((d) => d.name),
        c.columns,
      );
      assert.deepEqual(c.table.rows([c.obj], now), [{ cells: c.cells }]);
    });
  }
  it('descriptions are the Kubernetes API docs', () => {
    for (const table of [namespaceTable, leaseTable, defaultTable, podTable, nodeTable]) {
      assert.equal(table.columnDefinitions[0]!.description, NAME_DESCRIPTION);
      assert.equal(table.columnDefinitions[0]!.format, 'name');
      assert.equal(table.columnDefinitions.find((d) => d.name === 'Age')!.description, CREATION_TIMESTAMP_DESCRIPTION);
    }
    assert.equal(defaultTable.columnDefinitions[1]!.type, 'date');
  });
  it('picks the printer by resource', () => {
    assert.equal(tableConversionFor('pods'), podTable);
    assert.equal(tableConversionFor('nodes'), nodeTable);
    assert.equal(tableConversionFor('namespaces'), namespaceTable);
    assert.equal(tableConversionFor('leases'), leaseTable);
    assert.equal(tableConversionFor('events'), eventTable);
    assert.equal(tableConversionFor('deployments'), deploymentTable);
    assert.equal(tableConversionFor('widgets'), defaultTable);
    assert.equal(tableConversionFor('__proto__'), defaultTable);
  });
});
