// The scheduler's pure core: filters, scoring and the node cache. No I/O; the loop that
// feeds it from informers and posts Bindings lives in ../scheduler.ts.

export { SchedulerCache } from './scheduler-cache.js';
export { schedulePod } from './schedule-pod.js';
export { NodeInfo } from './node-info.js';
export { computePodRequests, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, type PodRequests } from './pod-requests.js';
export { fitErrorMessage, NO_NODES_AVAILABLE } from './fit-error.js';
export {
  REASON_INSUFFICIENT_CPU,
  REASON_INSUFFICIENT_EPHEMERAL_STORAGE,
  REASON_INSUFFICIENT_MEMORY,
  REASON_NODE_AFFINITY,
  REASON_NODE_NAME,
  REASON_TOO_MANY_PODS,
  REASON_UNSCHEDULABLE,
} from './filters.js';
export { leastAllocatedScore, leastRequestedScore, MAX_NODE_SCORE } from './least-allocated.js';
export { toleratesTaint, untoleratedTaintReason, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE } from './taints.js';
export type {
  Affinity,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  QuantityParser,
  ScheduleFailure,
  ScheduleResult,
  ScheduleSuccess,
  Toleration,
} from './types.js';
