// The Filter phase: kube-scheduler's default filter plugins that apply to Skiff, in the
// default profile's order. As in kube-scheduler, a node stops at the first plugin that
// rejects it, so each node contributes that one plugin's reasons to the FitError, and only
// NodeResourcesFit can give several (one per short resource).

import type { Pod } from '../../../api/types.js';
import { compileNodeAffinity, type NodeMatcher } from './node-affinity.js';
import type { NodeInfo } from './node-info.js';
import { computePodRequests, type PodRequests } from './pod-requests.js';
import { findUntoleratedTaint, TAINT_NODE_UNSCHEDULABLE, tolerationsTolerateTaint, untoleratedTaintReason } from './taints.js';
import { podTolerations, type QuantityParser, type Toleration } from './types.js';

export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_NODE_NAME = "node(s) didn't match the requested node name";
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_TOO_MANY_PODS = 'Too many pods';
export const REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';
export const REASON_INSUFFICIENT_EPHEMERAL_STORAGE = 'Insufficient ephemeral-storage';

const UNSCHEDULABLE: readonly string[] = [REASON_UNSCHEDULABLE];
const NODE_NAME: readonly string[] = [REASON_NODE_NAME];
const NODE_AFFINITY: readonly string[] = [REASON_NODE_AFFINITY];

/** Everything about the pod the filters and scorer need, worked out once per attempt. */
export interface PodContext {
  nodeName: string | undefined;
  tolerations: readonly Toleration[];
  toleratesUnschedulable: boolean;
  affinity: NodeMatcher | undefined;
  requests: PodRequests;
}

export function podContext(pod: Pod, parse: QuantityParser): PodContext {
  const tolerations = podTolerations(pod);
  return {
    nodeName: pod.spec.nodeName || undefined,
    tolerations,
    toleratesUnschedulable: tolerationsTolerateTaint(tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' }),
    affinity: compileNodeAffinity(pod),
    requests: computePodRequests(pod, parse),
  };
}

/** NodeResourcesFit: pod count, then cpu, memory, ephemeral storage, scalar resources. */
export function insufficientResources(pod: PodRequests, node: NodeInfo): string[] {
  const reasons: string[] = [];
  if (node.pods.size + 1 > node.allowedPodNumber) reasons.push(REASON_TOO_MANY_PODS);
  const want = pod.requested;
  if (want.isZero()) return reasons;
  const have = node.allocatable;
  const used = node.requested;
  if (want.milliCPU > 0 && want.milliCPU > have.milliCPU - used.milliCPU) reasons.push(REASON_INSUFFICIENT_CPU);
  if (want.memory > 0 && want.memory > have.memory - used.memory) reasons.push(REASON_INSUFFICIENT_MEMORY);
  if (want.ephemeralStorage > 0 && want.ephemeralStorage > have.ephemeralStorage - used.ephemeralStorage) {
    reasons.push(REASON_INSUFFICIENT_EPHEMERAL_STORAGE);
  }
  if (want.scalar) {
    for (const [name, v] of want.scalar) {
      if (v > 0 && v > have.get(name) - used.get(name)) reasons.push(`Insufficient ${name}`);
    }
  }
  return reasons;
}

/** The reasons `node` rejects the pod, or undefined if it passes every filter. */
export function filterNode(pod: PodContext, node: NodeInfo): readonly string[] | undefined {
  // NodeUnschedulable
  if (node.unschedulable && !pod.toleratesUnschedulable) return UNSCHEDULABLE;
  // NodeName
  if (pod.nodeName !== undefined && pod.nodeName !== node.name) return NODE_NAME;
  // TaintToleration (the node's taints, and those its conditions imply: see taints.ts)
  if (node.taints.length > 0) {
    const taint = findUntoleratedTaint(node.taints, pod.tolerations);
    if (taint) return [untoleratedTaintReason(taint)];
  }
  // NodeAffinity
  if (pod.affinity && !pod.affinity(node)) return NODE_AFFINITY;
  // NodeResourcesFit
  const short = insufficientResources(pod.requests, node);
  return short.length > 0 ? short : undefined;
}
