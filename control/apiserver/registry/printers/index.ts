// Which Table conversion a resource uses, by its plural resource name.

import type { TableConversion } from '../strategy.js';
import { defaultTable } from './default-table.js';
import { leaseTable } from './lease-table.js';
import { namespaceTable } from './namespace-table.js';
import { nodeTable } from './node-table.js';
import { podTable } from './pod-table.js';
import { podDisruptionBudgetTable } from './pdb-table.js';
import { controllerRevisionTable } from './controller-revision-table.js';
import { cronJobTable, jobTable } from './batch-tables.js';
import { configMapTable, secretTable, serviceAccountTable } from './config-tables.js';
import { eventTable } from './event-table.js';
import { endpointSliceTable, endpointsTable, serviceTable } from './service-table.js';
import { daemonSetTable, deploymentTable, replicaSetTable } from './workload-tables.js';

const byResource = new Map<string, TableConversion>([
  ['pods', podTable],
  ['nodes', nodeTable],
  ['namespaces', namespaceTable],
  ['leases', leaseTable],
  ['events', eventTable],
  ['services', serviceTable],
  ['endpoints', endpointsTable],
  ['endpointslices', endpointSliceTable],
  ['configmaps', configMapTable],
  ['secrets', secretTable],
  ['serviceaccounts', serviceAccountTable],
  ['deployments', deploymentTable],
  ['replicasets', replicaSetTable],
  ['daemonsets', daemonSetTable],
  ['jobs', jobTable],
  ['cronjobs', cronJobTable],
  ['poddisruptionbudgets', podDisruptionBudgetTable],
  ['controllerrevisions', controllerRevisionTable],
]);

/** The printer for "pods", "nodes", "namespaces", "leases"; NAME/AGE for anything else. */
export function tableConversionFor(resource: string): TableConversion {
  return byResource.get(resource) ?? defaultTable;
}

export { defaultTable, leaseTable, namespaceTable, nodeTable, podTable };
export { eventTable, serviceTable, endpointsTable, endpointSliceTable, configMapTable, secretTable, serviceAccountTable };
export { deploymentTable, replicaSetTable, daemonSetTable, jobTable, cronJobTable, podDisruptionBudgetTable };
export { printPod, podColumnDefinitions } from './pod-table.js';
export { printNode, nodeColumnDefinitions, nodeRoles, nodeStatus } from './node-table.js';
export { printNamespace, namespaceColumnDefinitions } from './namespace-table.js';
export { printLease, leaseColumnDefinitions } from './lease-table.js';
export { printDefault, defaultColumnDefinitions } from './default-table.js';
export { humanDuration, timestampAge } from './human-duration.js';
