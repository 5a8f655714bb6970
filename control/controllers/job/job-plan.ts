// What one Job sync decides, without the API (Kubernetes' syncJob, reduced): count the
// Job's pods, decide whether it has finished — Complete when enough pods
// succeeded, Failed when it ran past activeDeadlineSeconds or its failures passed
// backoffLimit — and otherwise how many pods to start or stop so that `parallelism` run
// until `completions` have succeeded. New pods after a failure wait out the backoff:
// 10 s, doubling per failure since the last success, capped at 6 min. An Indexed Job
// counts succeeded indexes instead of pods, keeps one active pod per index still to do, and
// starts the lowest missing indexes first (indexed.ts).

import type { Pod } from '../../../api/types.js';
import type { Job, JobStatus, WorkloadCondition } from '../../../api/workload-types.js';
import { compareForDeletion, isPodReady } from '../workloads/pod-ranking.js';
import { formatIndexes, isIndexed, parseIndexes, podIndex } from './indexed.js';

export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_MAX_MS = 6 * 60_000;

export type FinishReason = 'BackoffLimitExceeded' | 'DeadlineExceeded';

export interface JobPlan {
  /** Set when this sync finishes the Job. */
  finish?: { type: 'Complete' } | { type: 'Failed'; reason: FinishReason; message: string };
  /** Pods to start now. */
  create: number;
  /** Indexed Jobs: the completion index of each pod to start (create of them). */
  createIndexes?: number[];
  /** Active pods to stop (too many, or the Job is done or suspended). */
  delete: Pod[];
  /** Resync after this long: a backoff or a deadline runs out. */
  recheckAfterMs?: number;
  /** Counts for status (before this sync's creates and deletes). */
  counts: { active: number; succeeded: number; failed: number; ready: number; terminating: number; completedIndexes?: string };
}

const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isActive = (p: Pod) => !isTerminal(p) && !p.metadata.deletionTimestamp;

export function conditionOf(job: Job, type: string): WorkloadCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

export function isJobFinished(job: Job): boolean {
  return ['Complete', 'Failed'].some((t) => conditionOf(job, t)?.status === 'True');
}

/** When a pod finished: its last container's finishedAt, else when it was created. */
export function podFinishTime(pod: Pod): number {
  const times = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
    .map((c) => Date.parse(c.state?.terminated?.finishedAt ?? c.lastState?.terminated?.finishedAt ?? ''))
    .filter(Number.isFinite);
  if (times.length > 0) return Math.max(...times);
  return Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
}

/** Kubernetes' backoff record: failures since the last success, and when the latest happened. */
export function failuresSinceSuccess(pods: Pod[]): { count: number; last: number } {
  const done = pods.filter(isTerminal).sort((a, b) => podFinishTime(a) - podFinishTime(b));
  let count = 0;
  let last = 0;
  for (const p of done) {
    if (p.status?.phase === 'Succeeded') {
      count = 0;
      continue;
    }
    count++;
    last = Math.max(last, podFinishTime(p));
  }
  return { count, last };
}

export function backoffDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
}

/** restartPolicy OnFailure: failures show as container restarts of the active pods. */
function restartsOfActive(pods: Pod[]): number {
  let n = 0;
  for (const p of pods) {
    if (!isActive(p)) continue;
    for (const c of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]) n += c.restartCount ?? 0;
  }
  return n;
}

/** Indexed: which indexes have succeeded (the status's record plus succeeded pods). */
function succeededIndexes(job: Job, pods: Pod[], completions: number): Set<number> {
  const done = parseIndexes(job.status?.completedIndexes, completions);
  for (const p of pods) {
    const i = p.status?.phase === 'Succeeded' ? podIndex(p, completions) : undefined;
    if (i !== undefined) done.add(i);
  }
  return done;
}

/** Indexed: active pods that must go — no valid index, an index already done, or a second pod for an index. */
function surplusIndexedPods(active: Pod[], done: Set<number>, completions: number): Pod[] {
  const surplus: Pod[] = [];
  const kept = new Set<number>();
  // The pod to keep for an index is the one compareForDeletion would delete last.
  for (const p of [...active].sort(compareForDeletion).reverse()) {
    const i = podIndex(p, completions);
    if (i === undefined || done.has(i) || kept.has(i)) surplus.push(p);
    else kept.add(i);
  }
  return surplus;
}

export function planJob(job: Job, pods: Pod[], now: number): JobPlan {
  const indexed = isIndexed(job) && typeof job.spec.completions === 'number';
  const doneIndexes = indexed ? succeededIndexes(job, pods, job.spec.completions!) : undefined;
  const surplus = doneIndexes ? surplusIndexedPods(pods.filter(isActive), doneIndexes, job.spec.completions!) : [];
  const active = pods.filter((p) => isActive(p) && !surplus.includes(p));
  // Never count down: a finished pod someone deleted stays counted (Kubernetes keeps that
  // count with a finalizer on each pod; the Job's status is our record instead).
  const succeeded = doneIndexes ? doneIndexes.size : Math.max(job.status?.succeeded ?? 0, pods.filter((p) => p.status?.phase === 'Succeeded').length);
  const failed = Math.max(job.status?.failed ?? 0, pods.filter((p) => p.status?.phase === 'Failed').length);
  const counts = {
    active: active.length,
    succeeded,
    failed,
    ready: active.filter(isPodReady).length,
    terminating: pods.filter((p) => p.metadata.deletionTimestamp && !isTerminal(p)).length,
    ...(doneIndexes && doneIndexes.size > 0 ? { completedIndexes: formatIndexes(doneIndexes) } : {}),
  };
  const plan: JobPlan = { create: 0, delete: [...surplus], counts };
  const stopAll = () => (plan.delete = [...surplus, ...active]);
  const completions = job.spec.completions ?? null;
  const parallelism = job.spec.parallelism ?? 1;
  const backoffLimit = job.spec.backoffLimit ?? 6;

  const startTime = job.status?.startTime ? Date.parse(job.status.startTime) : now;
  const deadline = job.spec.activeDeadlineSeconds;
  if (deadline !== undefined && !job.spec.suspend) {
    const left = startTime + deadline * 1000 - now;
    if (left <= 0) {
      plan.finish = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
      stopAll();
      return plan;
    }
    plan.recheckAfterMs = left;
  }

  const onFailure = job.spec.template.spec.restartPolicy === 'OnFailure';
  const restarts = onFailure ? restartsOfActive(pods) : 0;
  const pastOnFailureLimit = onFailure && (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit);
  if (failed > backoffLimit || pastOnFailureLimit) {
    plan.finish = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    stopAll();
    return plan;
  }

  const complete = completions !== null ? succeeded >= completions : succeeded > 0 && active.length === 0;
  if (complete) {
    plan.finish = { type: 'Complete' };
    stopAll();
    return plan;
  }

  if (job.spec.suspend) {
    stopAll();
    delete plan.recheckAfterMs;
    return plan;
  }

  // With no completions set (a work queue), the first success means no new pods; the
  // running ones finish their work.
  const want = completions !== null ? Math.max(0, Math.min(parallelism, completions - succeeded)) : succeeded > 0 ? Math.min(active.length, parallelism) : parallelism;
  const diff = want - active.length;
  if (diff < 0) {
    plan.delete.push(...[...active].sort(compareForDeletion).slice(0, -diff));
  } else if (diff > 0) {
    const { count, last } = failuresSinceSuccess(pods);
    const wait = last + backoffDelayMs(count) - now;
    if (count > 0 && wait > 0) plan.recheckAfterMs = Math.min(plan.recheckAfterMs ?? Infinity, wait);
    else if (doneIndexes) {
      const running = new Set(active.map((p) => podIndex(p, completions!)));
      const missing: number[] = [];
      for (let i = 0; i < completions! && missing.length < diff; i++) if (!doneIndexes.has(i) && !running.has(i)) missing.push(i);
      plan.create = missing.length;
      plan.createIndexes = missing;
    } else plan.create = diff;
  }
  return plan;
}

/** The status after a sync: counts, startTime on first run, conditions and completionTime when finished. */
export function nextJobStatus(job: Job, plan: JobPlan, nowIso: string): JobStatus {
  const cur = job.status ?? {};
  const status: JobStatus = { ...cur, active: plan.counts.active, succeeded: plan.counts.succeeded, failed: plan.counts.failed, ready: plan.counts.ready, terminating: plan.counts.terminating };
  if (plan.counts.completedIndexes !== undefined) status.completedIndexes = plan.counts.completedIndexes;
  if (!status.startTime && !job.spec.suspend) status.startTime = nowIso;
  const conditions = [...(cur.conditions ?? [])];
  const set = (c: WorkloadCondition) => {
    const i = conditions.findIndex((x) => x.type === c.type);
    if (i >= 0 && conditions[i]!.status === c.status) return;
    const full = { ...c, lastProbeTime: nowIso, lastTransitionTime: nowIso };
    if (i >= 0) conditions[i] = full;
    else conditions.push(full);
  };
  if (plan.finish) {
    if (plan.finish.type === 'Complete') {
      set({ type: 'Complete', status: 'True' });
      status.completionTime = nowIso;
    } else {
      set({ type: 'Failed', status: 'True', reason: plan.finish.reason, message: plan.finish.message });
    }
    // A finished Job stops its pods: nothing counts as active any more.
    status.active = 0;
  } else if (job.spec.suspend) {
    set({ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' });
  } else if (conditionOf(job, 'Suspended')?.status === 'True') {
    set({ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' });
  }
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/** ttlSecondsAfterFinished: milliseconds until a finished Job is deleted (≤ 0: now), or undefined. */
export function msUntilTtlExpiry(job: Job, now: number): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || !isJobFinished(job)) return undefined;
  const finished = job.status?.completionTime ?? conditionOf(job, 'Failed')?.lastTransitionTime ?? conditionOf(job, 'Complete')?.lastTransitionTime;
  const at = finished ? Date.parse(finished) : now;
  return at + ttl * 1000 - now;
}
