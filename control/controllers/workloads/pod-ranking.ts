// Pod predicates the workload controllers share, and the order in which a ReplicaSet gives
// up pods when it scales down (Kubernetes' ActivePods ordering): the pod that costs least
// to lose goes first — unscheduled before scheduled, pending before running, not ready
// before ready, recently ready before long ready, many restarts before few, newer before
// older.

import type { Pod } from '../../../api/types.js';

/** Active pods count toward replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds (at `now`, in ms since the epoch). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = readyCondition(pod);
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/** Milliseconds until a ready pod becomes available, or undefined when it will not by waiting. */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  const ready = readyCondition(pod);
  if (ready?.status !== 'True' || minReadySeconds <= 0 || !ready.lastTransitionTime) return undefined;
  const left = Date.parse(ready.lastTransitionTime) + minReadySeconds * 1000 - now;
  return left > 0 ? left : undefined;
}

const phaseRank = (pod: Pod): number => (pod.status?.phase === 'Pending' ? 0 : pod.status?.phase === 'Running' ? 2 : 1);
const restarts = (pod: Pod): number => Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
const time = (s: string | undefined): number => (s ? Date.parse(s) : 0);

/** Sort comparator: pods to delete first come first. */
export function compareForDeletion(a: Pod, b: Pod): number {
  const aBound = a.spec.nodeName ? 1 : 0;
  const bBound = b.spec.nodeName ? 1 : 0;
  if (aBound !== bBound) return aBound - bBound;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
  const aReady = isPodReady(a) ? 1 : 0;
  const bReady = isPodReady(b) ? 1 : 0;
  if (aReady !== bReady) return aReady - bReady;
  if (aReady && bReady) {
    // Ready more recently is worth less than ready for longer.
    const at = time(readyCondition(a)?.lastTransitionTime);
    const bt = time(readyCondition(b)?.lastTransitionTime);
    if (at !== bt) return bt - at;
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const ac = time(a.metadata.creationTimestamp);
  const bc = time(b.metadata.creationTimestamp);
  return bc - ac;
}
