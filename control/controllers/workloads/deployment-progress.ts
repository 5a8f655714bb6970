// The Deployment's Progressing condition as Kubernetes' syncRolloutStatus sets it: True
// with NewReplicaSetAvailable once the rollout is complete; True with a fresh
// lastUpdateTime whenever the rollout made progress (more updated, ready or available
// pods, fewer old ones); False with ProgressDeadlineExceeded once it has made none for
// progressDeadlineSeconds since that lastUpdateTime — which `kubectl rollout status` turns
// into "exceeded its progress deadline". Paused Deployments never time out.

import type { DeploymentStatus, WorkloadCondition } from '../../../api/workload-types.js';

export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
/** Kubernetes treats MaxInt32 as "no deadline". */
const NO_DEADLINE = 2147483647;

type Counts = Pick<DeploymentStatus, 'replicas' | 'updatedReplicas' | 'readyReplicas' | 'availableReplicas'>;

export interface ProgressInput {
  newRsName: string;
  created: boolean;
  complete: boolean;
  previous: Counts;
  next: Counts;
  current: WorkloadCondition | undefined;
  progressDeadlineSeconds: number | undefined;
  now: number;
}

export interface ProgressVerdict {
  /** The condition to set (undefined: keep the current one). */
  condition?: Omit<WorkloadCondition, 'lastUpdateTime' | 'lastTransitionTime'>;
  /** Progress happened: lastUpdateTime moves to now even if nothing else changes. */
  touch: boolean;
  /** Resync then, to notice the deadline passing without any event. */
  recheckAfterMs?: number;
}

const n = (x: number | undefined) => x ?? 0;

/** Kubernetes' DeploymentProgressing. */
export function madeProgress(previous: Counts, next: Counts): boolean {
  const oldBefore = n(previous.replicas) - n(previous.updatedReplicas);
  const oldNow = n(next.replicas) - n(next.updatedReplicas);
  return n(next.updatedReplicas) > n(previous.updatedReplicas) || oldNow < oldBefore || n(next.readyReplicas) > n(previous.readyReplicas) || n(next.availableReplicas) > n(previous.availableReplicas);
}

export function progressVerdict(i: ProgressInput): ProgressVerdict {
  const progressing = (touch: boolean): ProgressVerdict => ({
    condition: { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${i.newRsName}" is progressing.` },
    touch,
  });
  if (i.complete) return { condition: { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${i.newRsName}" has successfully progressed.` }, touch: false };
  // A finished rollout whose pods come and go (a scale, a crash) is not a rollout to time out.
  if (n(i.next.replicas) === n(i.next.updatedReplicas) && i.current?.reason === 'NewReplicaSetAvailable') return { touch: false };
  if (i.created) return { condition: { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${i.newRsName}"` }, touch: true };
  if (madeProgress(i.previous, i.next)) return progressing(true);
  // Not progressing before (none yet, or paused until now): the deadline starts now.
  if (!i.current || (i.current.status !== 'True' && i.current.reason !== TIMED_OUT_REASON)) return progressing(true);
  const deadline = i.progressDeadlineSeconds;
  if (deadline === undefined || deadline === NO_DEADLINE || i.current.reason === TIMED_OUT_REASON) return { touch: false };
  const since = Date.parse(i.current.lastUpdateTime ?? i.current.lastTransitionTime ?? '');
  const left = (Number.isFinite(since) ? since : i.now) + deadline * 1000 - i.now;
  if (left > 0) return { touch: false, recheckAfterMs: left };
  return { condition: { type: 'Progressing', status: 'False', reason: TIMED_OUT_REASON, message: `ReplicaSet "${i.newRsName}" has timed out progressing.` }, touch: false };
}
