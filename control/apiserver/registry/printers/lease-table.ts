// The leases Table as Kubernetes' printLease builds it: NAME, HOLDER, AGE.

import type { KubeObject, Lease, TableColumnDefinition, TableRow } from '../../../../api/types.js';
import type { TableConversion } from '../strategy.js';
import { CREATION_TIMESTAMP_DESCRIPTION, LEASE_HOLDER_DESCRIPTION, NAME_DESCRIPTION } from './column-descriptions.js';
import { timestampAge } from './human-duration.js';

export const leaseColumnDefinitions: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
  { name: 'Holder', type: 'string', format: '', description: LEASE_HOLDER_DESCRIPTION, priority: 0 },
  { name: 'Age', type: 'string', format: '', description: CREATION_TIMESTAMP_DESCRIPTION, priority: 0 },
];

export function printLease(lease: Lease, now: Date): TableRow {
  return { cells: [lease.metadata.name ?? '', lease.spec?.holderIdentity ?? '', timestampAge(lease.metadata.creationTimestamp, now)] };
}

export const leaseTable: TableConversion = {
  columnDefinitions: leaseColumnDefinitions,
  rows: (objects: KubeObject[], now: Date) => objects.map((o) => printLease(o as Lease, now)),
};
