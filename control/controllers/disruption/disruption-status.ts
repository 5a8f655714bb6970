// What the disruption controller computes for one PodDisruptionBudget (Kubernetes'
// pkg/controller/disruption, trySync), kept free of I/O so it can be tested on its own:
// - expected pods: for minAvailable as a count, the pods selected; otherwise the scale of
//   their controllers (a Deployment's replicas for its ReplicaSets' pods), each counted once;
// - desired healthy: minAvailable (percentages of the expected pods, rounded up), or the
//   expected pods less maxUnavailable (rounded up), never below 0;
// - current healthy: selected pods that are Ready, not being deleted, and not evicted in the
//   last two minutes (status.disruptedPods: the eviction subresource's note that a delete is
//   on its way, so two quick evictions cannot both spend the same disruption);
// - disruptions allowed: current − desired, 0 when negative or nothing is expected.

import type { PodDisruptionBudget, PodDisruptionBudgetCondition, PodDisruptionBudgetStatus } from '../../../api/policy-types.js';
import { DISRUPTION_ALLOWED_CONDITION } from '../../../api/policy-types.js';
import { metaTime } from '../../../api/time.js';
import type { OwnerReference, Pod } from '../../../api/types.js';
import type { IntOrString } from '../../../api/workload-types.js';
import { isPodReady } from '../workloads/pod-ranking.js';

/** How long an eviction's note keeps a pod out of the healthy count (Kubernetes' DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** The scale of the controller a pod's controllerRef names; undefined when none is known. */
export type ScaleFinder = (namespace: string, ref: OwnerReference) => { uid: string; replicas: number } | undefined;

export interface DisruptionComputation {
  status: PodDisruptionBudgetStatus;
  /** Selected pods without a controller: left out of the expected count. */
  unmanagedPods: string[];
  /** When a disruptedPods entry expires and the budget must be computed again (ms since the epoch). */
  recheckAt?: number;
}

export class DisruptionSyncError extends Error {}

function scaled(value: IntOrString, total: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) throw new DisruptionSyncError(`invalid value for IntOrString: invalid value "${value}"`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

function controllerOf(pod: Pod): OwnerReference | undefined {
  return pod.metadata.ownerReferences?.find((r) => r.controller === true);
}

function expectedScale(pods: Pod[], find: ScaleFinder): { expected: number; unmanaged: string[] } {
  const seen = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name ?? '');
      continue;
    }
    const scale = find(pod.metadata.namespace ?? 'default', ref);
    if (!scale) throw new DisruptionSyncError(`found no controllers for pod "${pod.metadata.name}"`);
    seen.set(scale.uid, scale.replicas);
  }
  let expected = 0;
  for (const n of seen.values()) expected += n;
  return { expected, unmanaged };
}

function condition(allowed: number, previous: PodDisruptionBudgetCondition[] | undefined, generation: number, now: string, syncError?: string): PodDisruptionBudgetCondition {
  const next = syncError !== undefined
    ? { status: 'False' as const, reason: 'SyncFailed', message: syncError }
    : allowed > 0
      ? { status: 'True' as const, reason: 'SufficientPods', message: '' }
      : { status: 'False' as const, reason: 'InsufficientPods', message: '' };
  const old = previous?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now;
  return { type: DISRUPTION_ALLOWED_CONDITION, ...next, observedGeneration: generation, lastTransitionTime };
}

/** The budget's status from the pods its selector picks (same namespace, already filtered). */
export function computeDisruptionStatus(pdb: PodDisruptionBudget, pods: Pod[], find: ScaleFinder, nowMs: number): DisruptionComputation {
  const generation = pdb.metadata.generation ?? 1;
  const now = metaTime(new Date(nowMs));
  const spec = pdb.spec ?? {};
  let expected = 0;
  let desired = 0;
  let unmanaged: string[] = [];
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    ({ expected, unmanaged } = expectedScale(pods, find));
    desired = Math.max(0, expected - scaled(spec.maxUnavailable, expected));
  } else if (typeof spec.minAvailable === 'number') {
    expected = pods.length;
    desired = spec.minAvailable;
  } else if (typeof spec.minAvailable === 'string') {
    ({ expected, unmanaged } = expectedScale(pods, find));
    desired = scaled(spec.minAvailable, expected);
  }

  const disruptedPods: Record<string, string> = {};
  let recheckAt: number | undefined;
  const noted = pdb.status?.disruptedPods ?? {};
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const at = noted[name];
    if (pod.metadata.deletionTimestamp || at === undefined) continue;
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
    // An eviction whose delete never came: the pod counts again.
    if (!(expires > nowMs)) continue;
    disruptedPods[name] = at;
    recheckAt = recheckAt === undefined ? expires : Math.min(recheckAt, expires);
  }
  const healthy = pods.filter((p) => !p.metadata.deletionTimestamp && disruptedPods[p.metadata.name ?? ''] === undefined && isPodReady(p)).length;
  const allowed = expected <= 0 || healthy - desired <= 0 ? 0 : healthy - desired;
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: generation,
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    conditions: [condition(allowed, pdb.status?.conditions, generation, now)],
  };
  if (Object.keys(disruptedPods).length > 0) status.disruptedPods = disruptedPods;
  return { status, unmanagedPods: unmanaged, ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

/** The fail-safe status after a sync error: no disruptions, and the reason in the condition. */
export function failedDisruptionStatus(pdb: PodDisruptionBudget, err: Error, nowMs: number): PodDisruptionBudgetStatus {
  const generation = pdb.metadata.generation ?? 1;
  const now = metaTime(new Date(nowMs));
  const base = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  return { ...base, observedGeneration: generation, disruptionsAllowed: 0, conditions: [condition(0, base.conditions, generation, now, err.message)] };
}
