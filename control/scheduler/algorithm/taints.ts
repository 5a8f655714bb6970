// Taints and tolerations as the TaintToleration and NodeUnschedulable plugins read them,
// plus the taints Kubernetes' node lifecycle controller would put on a node for its
// conditions (TaintNodesByCondition). Skiff has no such controller writing taints yet, so
// the scheduler derives them from the conditions itself; that gives a NotReady node the
// same rejection, and the same FailedScheduling text, that it gets in Kubernetes.

import type { Node, Taint } from '../../../api/types.js';
import type { Toleration } from './types.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** Kubernetes' ToleratesTaint: effect, then key, then value by operator. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint (in node order) that no toleration covers. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  for (const taint of taints) if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  return undefined;
}

export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

function conditionStatus(node: Node, type: string): string | undefined {
  return node.status?.conditions?.find((c) => c.type === type)?.status;
}

/**
 * The NoSchedule taints the node lifecycle controller keeps in step with conditions:
 * Ready=False (or no Ready yet) → not-ready, Ready=Unknown → unreachable, and one per
 * pressure condition that is True.
 */
export function conditionTaints(node: Node): Taint[] {
  const out: Taint[] = [];
  const ready = conditionStatus(node, 'Ready');
  if (ready !== 'True') out.push({ key: ready === 'Unknown' ? TAINT_NODE_UNREACHABLE : TAINT_NODE_NOT_READY, effect: 'NoSchedule' });
  if (conditionStatus(node, 'MemoryPressure') === 'True') out.push({ key: TAINT_NODE_MEMORY_PRESSURE, effect: 'NoSchedule' });
  if (conditionStatus(node, 'DiskPressure') === 'True') out.push({ key: TAINT_NODE_DISK_PRESSURE, effect: 'NoSchedule' });
  if (conditionStatus(node, 'PIDPressure') === 'True') out.push({ key: TAINT_NODE_PID_PRESSURE, effect: 'NoSchedule' });
  if (conditionStatus(node, 'NetworkUnavailable') === 'True') out.push({ key: TAINT_NODE_NETWORK_UNAVAILABLE, effect: 'NoSchedule' });
  return out;
}

/**
 * The taints the Filter phase checks: the node's own NoSchedule/NoExecute taints, then the
 * condition taints it does not carry already (a real node lifecycle controller, should one
 * run, writes them into spec.taints and they are not doubled).
 */
export function schedulingTaints(node: Node): Taint[] {
  const own = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  for (const taint of conditionTaints(node)) {
    if (!own.some((t) => t.key === taint.key && t.effect === 'NoSchedule')) own.push(taint);
  }
  return own;
}
