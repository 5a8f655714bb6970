// The pods Table, computed as Kubernetes' printPod does: READY counts ready containers
// (restartable init containers included), STATUS walks init containers then containers
// for the most telling reason, RESTARTS adds "(5m ago)" from the last termination. The
// API server always sends the wide columns; kubectl hides priority-1 ones without -o wide.
// The caller fills each row's `object` (full object or PartialObjectMetadata).

import type { ContainerStatus, KubeObject, Pod, TableColumnDefinition, TableRow } from '../../../../api/types.js';
import type { TableConversion } from '../strategy.js';
import {
  CREATION_TIMESTAMP_DESCRIPTION,
  NAME_DESCRIPTION,
  NODE_NAME_DESCRIPTION,
  NOMINATED_NODE_NAME_DESCRIPTION,
  POD_IP_DESCRIPTION,
  READINESS_GATES_DESCRIPTION,
} from './column-descriptions.js';
import { humanDuration, parseTimestamp, timestampAge } from './human-duration.js';

export const podColumnDefinitions: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
  { name: 'Ready', type: 'string', format: '', description: 'The aggregate readiness state of this pod for accepting traffic.', priority: 0 },
  { name: 'Status', type: 'string', format: '', description: 'The aggregate status of the containers in this pod.', priority: 0 },
  {
    name: 'Restarts',
    type: 'string',
    format: '',
    description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    priority: 0,
  },
  { name: 'Age', type: 'string', format: '', description: CREATION_TIMESTAMP_DESCRIPTION, priority: 0 },
  { name: 'IP', type: 'string', format: '', description: POD_IP_DESCRIPTION, priority: 1 },
  { name: 'Node', type: 'string', format: '', description: NODE_NAME_DESCRIPTION, priority: 1 },
  { name: 'Nominated Node', type: 'string', format: '', description: NOMINATED_NODE_NAME_DESCRIPTION, priority: 1 },
  { name: 'Readiness Gates', type: 'string', format: '', description: READINESS_GATES_DESCRIPTION, priority: 1 },
];

/** kube-controller-manager's reason for pods on a node that stopped answering. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

const podSucceededConditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const podFailedConditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

const isRestartable = (c: { [extra: string]: unknown } | undefined): boolean => c?.['restartPolicy'] === 'Always';

function finishedAt(status: ContainerStatus): number {
  const at = parseTimestamp(status.lastState?.terminated?.finishedAt);
  return at ?? 0;
}

function hasPodReadyCondition(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function isPodInitialized(pod: Pod): boolean {
  const initialized = (pod.status?.conditions ?? []).find((c) => c.type === 'Initialized');
  return initialized?.status === 'True';
}

export interface PodRowOptions {
  /** Include the priority-1 columns; the API server always does. */
  wide?: boolean;
}

export function printPod(pod: Pod, now: Date, options: PodRowOptions = {}): TableRow {
  const wide = options.wide ?? true;
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const initContainers = spec.initContainers ?? [];
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;

  const phase = status.phase ?? '';
  let reason: string = status.reason || phase;
  // A pod held by scheduling gates says so instead of "Pending".
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const row: TableRow = { cells: [] };
  if (phase === 'Succeeded') row.conditions = podSucceededConditions;
  else if (phase === 'Failed') row.conditions = podFailedConditions;

  const initByName = new Map(initContainers.map((c) => [c.name, c]));
  for (const c of initContainers) if (isRestartable(c)) totalContainers++;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i]!;
    const state = container.state ?? {};
    const restartable = isRestartable(initByName.get(container.name));
    restarts += container.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(container));
    if (restartable) {
      restartableInitRestarts += container.restartCount ?? 0;
      lastRestartableInitRestart = Math.max(lastRestartableInitRestart, finishedAt(container));
    }
    if (state.terminated && state.terminated.exitCode === 0) continue;
    if (restartable && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (state.terminated) {
      const t = state.terminated;
      if (!t.reason) reason = t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
      else reason = `Init:${t.reason}`;
    } else if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || isPodInitialized(pod)) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Walk backwards so the first container's state has the last word, as in Kubernetes.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i]!;
      const state = container.state ?? {};
      restarts += container.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(container));
      if (state.waiting?.reason) {
        reason = state.waiting.reason;
      } else if (state.terminated?.reason) {
        reason = state.terminated.reason;
      } else if (state.terminated) {
        reason = state.terminated.signal ? `Signal:${state.terminated.signal}` : `ExitCode:${state.terminated.exitCode}`;
      } else if (container.ready && state.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A finished container next to a running one does not make the pod "Completed".
    if (reason === 'Completed' && hasRunning) reason = hasPodReadyCondition(pod) ? 'Running' : 'NotReady';
  }

  const terminal = phase === 'Succeeded' || phase === 'Failed';
  if (pod.metadata.deletionTimestamp && status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';

  const restartsText = restarts !== 0 && lastRestart !== 0 ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);

  row.cells.push(pod.metadata.name ?? '', `${readyContainers}/${totalContainers}`, reason, restartsText, timestampAge(pod.metadata.creationTimestamp, now));
  if (wide) {
    const podIP = status.podIPs?.[0]?.ip || status.podIP || '<none>';
    const gates = (spec['readinessGates'] as { conditionType: string }[] | undefined) ?? [];
    let readinessGates = '<none>';
    if (gates.length) {
      const conditions = status.conditions ?? [];
      const trueGates = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
      readinessGates = `${trueGates}/${gates.length}`;
    }
    row.cells.push(podIP, spec.nodeName || '<none>', status.nominatedNodeName || '<none>', readinessGates);
  }
  return row;
}

export const podTable: TableConversion = {
  columnDefinitions: podColumnDefinitions,
  rows: (objects: KubeObject[], now: Date) => objects.map((o) => printPod(o as Pod, now)),
};
