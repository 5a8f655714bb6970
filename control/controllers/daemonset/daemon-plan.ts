// What one DaemonSet sync does, worked out without the API: per node, which daemon pods
// to create and delete (Kubernetes' podsShouldBeOnNode), then the rolling update's
// replacements within maxUnavailable or maxSurge, and the status `kubectl rollout status ds`
// reads. The controller feeds it the cache and carries out the result.

import type { Pod } from '../../../api/types.js';
import type { DaemonSet, DaemonSetStatus } from '../../../api/workload-types.js';
import { isPodAvailable, isPodReady } from '../workloads/pod-ranking.js';
import { resolveIntOrPercent } from '../workloads/deployment-util.js';
import { CONTROLLER_REVISION_HASH, type Placement } from './daemon-pods.js';

export interface NodeState {
  name: string;
  placement: Placement;
  /** This DaemonSet's pods on the node (or pinned to it), terminating and failed ones included. */
  pods: Pod[];
  /** A failed daemon pod was removed from this node recently: new ones wait. */
  inBackoff?: boolean;
}

export interface DaemonPlan {
  /** Nodes that get a new pod at the current revision. */
  create: string[];
  /** Pods to delete, with why (for events and logs). */
  delete: { pod: Pod; reason: 'failed' | 'misscheduled' | 'duplicate' | 'update' }[];
}

const created = (p: Pod): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
const byAge = (a: Pod, b: Pod): number => created(a) - created(b);
/** Kubernetes' podByCreationTimestampAndPhase: bound pods first, then the oldest. */
const byBoundThenAge = (a: Pod, b: Pod): number => (a.spec.nodeName ? 0 : 1) - (b.spec.nodeName ? 0 : 1) || byAge(a, b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
const isFailed = (p: Pod): boolean => p.status?.phase === 'Failed';
const isLive = (p: Pod): boolean => !p.metadata.deletionTimestamp && !isFailed(p);

export function isCurrent(pod: Pod, hash: string): boolean {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;
}

export interface Fenceposts {
  maxUnavailable: number;
  maxSurge: number;
}

/** maxUnavailable/maxSurge against the desired count; percentages round up, as Kubernetes' DaemonSet does. */
export function daemonFenceposts(ds: DaemonSet, desired: number): Fenceposts {
  const ru = ds.spec.updateStrategy?.rollingUpdate ?? {};
  const maxSurge = resolveIntOrPercent(ru.maxSurge, desired, true, '0');
  let maxUnavailable = resolveIntOrPercent(ru.maxUnavailable, desired, true, '1');
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxUnavailable, maxSurge };
}

export function planDaemonSet(ds: DaemonSet, nodes: NodeState[], hash: string, now: number): DaemonPlan {
  const plan: DaemonPlan = { create: [], delete: [] };
  const rolling = (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const desired = nodes.filter((n) => n.placement.shouldRun).length;
  const { maxUnavailable, maxSurge } = daemonFenceposts(ds, desired);
  const surging = rolling && maxSurge > 0;
  const minReady = ds.spec.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);

  // After the per-node pass: the live pods each node keeps, for the rolling update.
  const kept = new Map<string, Pod[]>();
  for (const n of nodes) {
    const live = n.pods.filter(isLive).sort(byAge);
    if (!n.placement.shouldContinueRunning) {
      for (const pod of live) plan.delete.push({ pod, reason: 'misscheduled' });
      continue;
    }
    const failed = n.pods.filter((p) => isFailed(p) && !p.metadata.deletionTimestamp);
    for (const pod of failed) plan.delete.push({ pod, reason: 'failed' });
    const terminating = n.pods.some((p) => p.metadata.deletionTimestamp);
    if (live.length === 0) {
      // Wait for a terminating pod to be gone (a new one could collide on host ports), and
      // after a failure for the backoff the controller starts when it deletes the failed pod.
      if (n.placement.shouldRun && !terminating && failed.length === 0 && !n.inBackoff) plan.create.push(n.name);
      continue;
    }
    let keep: Pod[];
    if (surging) {
      // While surging a node may hold one old and one new pod; anything beyond goes.
      const newest = live.find((p) => isCurrent(p, hash));
      const oldest = live.find((p) => !isCurrent(p, hash));
      keep = [oldest, newest].filter((p): p is Pod => p !== undefined);
    } else {
      keep = [live[0]!];
    }
    for (const pod of live) if (!keep.includes(pod)) plan.delete.push({ pod, reason: 'duplicate' });
    if (n.placement.shouldRun) kept.set(n.name, keep);
  }
  if (!rolling) return plan;

  if (!surging) {
    // Nodes without an available pod count against maxUnavailable; old pods that are not
    // available anyway are replaced for free, available ones within the budget, oldest first.
    let unavailable = 0;
    for (const n of nodes) if (n.placement.shouldRun && !(kept.get(n.name) ?? []).some(available)) unavailable++;
    const candidates: Pod[] = [];
    for (const pods of kept.values()) {
      const old = pods.find((p) => !isCurrent(p, hash));
      if (!old) continue;
      if (!available(old)) plan.delete.push({ pod: old, reason: 'update' });
      else candidates.push(old);
    }
    candidates.sort(byAge);
    for (const pod of candidates) {
      if (unavailable >= maxUnavailable) break;
      plan.delete.push({ pod, reason: 'update' });
      unavailable++;
    }
    return plan;
  }

  // Surge: a node first gets a new pod beside its old one (at most maxSurge nodes at a time,
  // unless the old one is unavailable anyway); the old one goes once the new one is available.
  let inFlight = 0;
  for (const pods of kept.values()) if (pods.length === 2) inFlight++;
  for (const [node, pods] of kept) {
    const old = pods.find((p) => !isCurrent(p, hash));
    const cur = pods.find((p) => isCurrent(p, hash));
    if (!old) continue;
    if (cur) {
      if (available(cur)) plan.delete.push({ pod: old, reason: 'update' });
      continue;
    }
    if (!available(old)) plan.create.push(node);
    else if (inFlight < maxSurge) {
      plan.create.push(node);
      inFlight++;
    }
  }
  return plan;
}

/** The status fields, counted per node as Kubernetes' updateDaemonSetStatus counts them. */
export function daemonSetStatus(ds: DaemonSet, nodes: NodeState[], hash: string, now: number): DaemonSetStatus {
  const minReady = ds.spec.minReadySeconds ?? 0;
  const s = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberAvailable: 0, updatedNumberScheduled: 0 };
  for (const n of nodes) {
    const live = n.pods.filter((p) => !p.metadata.deletionTimestamp).sort(byBoundThenAge);
    if (n.placement.shouldRun) {
      s.desiredNumberScheduled++;
      if (live.length === 0) continue;
      s.currentNumberScheduled++;
      // Judged by its oldest bound pod: while a surge pod starts beside it, the old one
      // still serves, and the node counts as updated once only the new one is left.
      const pod = live[0]!;
      if (isPodReady(pod)) {
        s.numberReady++;
        if (isPodAvailable(pod, minReady, now)) s.numberAvailable++;
      }
      if (isCurrent(pod, hash)) s.updatedNumberScheduled++;
    } else if (live.length > 0) {
      s.numberMisscheduled++;
    }
  }
  return {
    ...s,
    numberUnavailable: s.desiredNumberScheduled - s.numberAvailable,
    observedGeneration: ds.metadata.generation ?? 0,
  };
}
