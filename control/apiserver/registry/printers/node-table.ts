// The nodes Table as Kubernetes' printNode builds it: STATUS from the Ready condition
// only ("Ready", "NotReady", or "Unknown" when the node never reported one), plus
// ",SchedulingDisabled" for cordoned nodes; ROLES from node-role.kubernetes.io/<role>
// labels and the older kubernetes.io/role label.

import type { KubeObject, Node, TableColumnDefinition, TableRow } from '../../../../api/types.js';
import type { TableConversion } from '../strategy.js';
import {
  CONTAINER_RUNTIME_VERSION_DESCRIPTION,
  CREATION_TIMESTAMP_DESCRIPTION,
  KERNEL_VERSION_DESCRIPTION,
  KUBELET_VERSION_DESCRIPTION,
  NAME_DESCRIPTION,
  NODE_ADDRESSES_DESCRIPTION,
  OS_IMAGE_DESCRIPTION,
} from './column-descriptions.js';
import { timestampAge } from './human-duration.js';

export const nodeColumnDefinitions: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
  { name: 'Status', type: 'string', format: '', description: 'The status of the node', priority: 0 },
  { name: 'Roles', type: 'string', format: '', description: 'The roles of the node', priority: 0 },
  { name: 'Age', type: 'string', format: '', description: CREATION_TIMESTAMP_DESCRIPTION, priority: 0 },
  { name: 'Version', type: 'string', format: '', description: KUBELET_VERSION_DESCRIPTION, priority: 0 },
  { name: 'Internal-IP', type: 'string', format: '', description: NODE_ADDRESSES_DESCRIPTION, priority: 1 },
  { name: 'External-IP', type: 'string', format: '', description: NODE_ADDRESSES_DESCRIPTION, priority: 1 },
  { name: 'OS-Image', type: 'string', format: '', description: OS_IMAGE_DESCRIPTION, priority: 1 },
  { name: 'Kernel-Version', type: 'string', format: '', description: KERNEL_VERSION_DESCRIPTION, priority: 1 },
  { name: 'Container-Runtime', type: 'string', format: '', description: CONTAINER_RUNTIME_VERSION_DESCRIPTION, priority: 1 },
];

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** Sorted, de-duplicated roles of a node. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith(NODE_ROLE_PREFIX)) {
      const role = key.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === NODE_ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

/** "Ready", "NotReady" or "Unknown", then ",SchedulingDisabled" when unschedulable. */
export function nodeStatus(node: Node): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').at(-1);
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function address(node: Node, type: 'InternalIP' | 'ExternalIP'): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

export interface NodeRowOptions {
  /** Include the priority-1 columns; the API server always does. */
  wide?: boolean;
}

export function printNode(node: Node, now: Date, options: NodeRowOptions = {}): TableRow {
  const info = node.status?.nodeInfo;
  const roles = nodeRoles(node).join(',') || '<none>';
  const cells: unknown[] = [node.metadata.name ?? '', nodeStatus(node), roles, timestampAge(node.metadata.creationTimestamp, now), info?.kubeletVersion ?? ''];
  if (options.wide ?? true) {
    cells.push(
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    );
  }
  return { cells };
}

export const nodeTable: TableConversion = {
  columnDefinitions: nodeColumnDefinitions,
  rows: (objects: KubeObject[], now: Date) => objects.map((o) => printNode(o as Node, now)),
};
