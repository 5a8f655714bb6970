// The score half of NodeResourcesFit with its default LeastAllocated strategy: favour the
// node that would have the most cpu and memory left after placing the pod. Integer maths on
// a 0..100 scale as in kube-scheduler, so equal-looking nodes tie and the tie-break in the
// cache spreads pods across them.

import type { NodeInfo } from './node-info.js';
import type { PodRequests } from './pod-requests.js';

export const MAX_NODE_SCORE = 100;

/** (capacity − requested) × 100 / capacity, 0 when the node has none or is overcommitted. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/**
 * Weighted (cpu 1, memory 1) mean of the per-resource scores. Uses the non-zero requests,
 * so pods that request nothing still make a node look fuller.
 */
export function leastAllocatedScore(pod: PodRequests, node: NodeInfo): number {
  const cpu = leastRequestedScore(node.nonZeroMilliCPU + pod.nonZeroMilliCPU, node.allocatable.milliCPU);
  const memory = leastRequestedScore(node.nonZeroMemory + pod.nonZeroMemory, node.allocatable.memory);
  return Math.floor((cpu + memory) / 2);
}
