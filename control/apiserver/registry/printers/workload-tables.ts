// The deployments, replicasets and daemonsets Tables as Kubernetes' printDeployment /
// printReplicaSet / printDaemonSet build them; the wide columns show the template's
// containers and images and the selector.

import type { TableRow } from '../../../../api/types.js';
import type { DaemonSet, Deployment, ReplicaSet } from '../../../../api/workload-types.js';
import { ageColumn, column, formatLabelSelector, formatLabels, nameColumn, tableOf, templateCells, templateColumns } from './columns.js';
import { timestampAge } from './human-duration.js';

export const deploymentColumnDefinitions = [
  nameColumn(),
  column('Ready', 'string', 'Number of the pod with ready state'),
  column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
  column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
  ageColumn(),
  ...templateColumns(),
];

export function printDeployment(d: Deployment, now: Date): TableRow {
  const s = d.status ?? {};
  const [containers, images] = templateCells(d.spec?.template);
  return {
    cells: [
      d.metadata.name ?? '',
      `${s.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      s.updatedReplicas ?? 0,
      s.availableReplicas ?? 0,
      timestampAge(d.metadata.creationTimestamp, now),
      containers,
      images,
      formatLabelSelector(d.spec?.selector),
    ],
  };
}

export const deploymentTable = tableOf<Deployment>(deploymentColumnDefinitions, printDeployment);

export const replicaSetColumnDefinitions = [
  nameColumn(),
  column('Desired', 'integer', 'Number of desired pods.'),
  column('Current', 'integer', 'Number of actual pods.'),
  column('Ready', 'integer', 'Number of pods with ready state.'),
  ageColumn(),
  ...templateColumns(),
];

export function printReplicaSet(rs: ReplicaSet, now: Date): TableRow {
  const s = rs.status ?? {};
  const [containers, images] = templateCells(rs.spec?.template);
  return {
    cells: [
      rs.metadata.name ?? '',
      rs.spec?.replicas ?? 0,
      s.replicas ?? 0,
      s.readyReplicas ?? 0,
      timestampAge(rs.metadata.creationTimestamp, now),
      containers,
      images,
      formatLabelSelector(rs.spec?.selector),
    ],
  };
}

export const replicaSetTable = tableOf<ReplicaSet>(replicaSetColumnDefinitions, printReplicaSet);

export const daemonSetColumnDefinitions = [
  nameColumn(),
  column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
  column('Current', 'integer', 'The number of nodes that are running at least one daemon pod and are supposed to.'),
  column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
  column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod.'),
  column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
  column('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
  ageColumn(),
  ...templateColumns(),
];

export function printDaemonSet(ds: DaemonSet, now: Date): TableRow {
  const s = ds.status ?? {};
  const [containers, images] = templateCells(ds.spec?.template);
  const nodeSelector = (ds.spec?.template?.spec as { nodeSelector?: Record<string, string> } | undefined)?.nodeSelector;
  return {
    cells: [
      ds.metadata.name ?? '',
      s.desiredNumberScheduled ?? 0,
      s.currentNumberScheduled ?? 0,
      s.numberReady ?? 0,
      s.updatedNumberScheduled ?? 0,
      s.numberAvailable ?? 0,
      formatLabels(nodeSelector),
      timestampAge(ds.metadata.creationTimestamp, now),
      containers,
      images,
      formatLabelSelector(ds.spec?.selector),
    ],
  };
}

export const daemonSetTable = tableOf<DaemonSet>(daemonSetColumnDefinitions, printDaemonSet);
