// Which Table conversion a resource uses, by its plural resource name.

import type { TableConversion } from '../strategy.js';
import { defaultTable } from './default-table.js';
import { leaseTable } from './lease-table.js';
import { namespaceTable } from './namespace-table.js';
import { nodeTable } from './node-table.js';
import { podTable } from './pod-table.js';

const byResource = new Map<string, TableConversion>([
  ['pods', podTable],
  ['nodes', nodeTable],
  ['namespaces', namespaceTable],
  ['leases', leaseTable],
]);

/** The printer for "pods", "nodes", "namespaces", "leases"; NAME/AGE for anything else. */
export function tableConversionFor(resource: string): TableConversion {
  return byResource.get(resource) ?? defaultTable;
}

export { defaultTable, leaseTable, namespaceTable, nodeTable, podTable };
export { printPod, podColumnDefinitions } from './pod-table.js';
export { printNode, nodeColumnDefinitions, nodeRoles, nodeStatus } from './node-table.js';
export { printNamespace, namespaceColumnDefinitions } from './namespace-table.js';
export { printLease, leaseColumnDefinitions } from './lease-table.js';
export { printDefault, defaultColumnDefinitions } from './default-table.js';
export { humanDuration, timestampAge } from './human-duration.js';
