// The pods/eviction subresource (Kubernetes' EvictionREST): a delete that first asks the
// pod's PodDisruptionBudget. A pod that is not running (Pending, Succeeded, Failed) or
// already being deleted goes at once. Otherwise the one budget selecting it must have a
// disruption to spend: the eviction takes it (disruptionsAllowed − 1, and the pod noted in
// status.disruptedPods so the controller does not count it healthy while it terminates) in
// one conditional write of the budget's status, then deletes the pod. No disruption left →
// 429 TooManyRequests, which `kubectl drain` retries every 5 s. An unready pod may go
// without spending one when the budget is met anyway (or its policy is AlwaysAllow): it
// counts as unhealthy already.

import { errors } from '../../../api/errors.js';
import { labelSelectorAsMatcher } from '../../../api/labels.js';
import type { PodDisruptionBudget } from '../../../api/policy-types.js';
import { DISRUPTION_ALLOWED_CONDITION } from '../../../api/policy-types.js';
import { metaTime } from '../../../api/time.js';
import type { DeleteOptions, KubeObject, Pod } from '../../../api/types.js';
import type { ResourceStorage } from '../registry/storage.js';

/** Past this many evictions the controller has not confirmed, refuse (Kubernetes' MaxDisruptedPodSize). */
const MAX_DISRUPTED_PODS = 2000;
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";
const CAUSE = 'DisruptionBudget';

export interface EvictionRequest {
  pods: ResourceStorage;
  /** Undefined on servers without policy/v1 (every eviction then just deletes). */
  budgets: ResourceStorage | undefined;
  namespace: string;
  name: string;
  options: DeleteOptions;
  dryRun: boolean;
}

function canIgnoreBudget(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata.deletionTimestamp);
}

function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

function deniedMessage(pdb: PodDisruptionBudget): string {
  const s = pdb.status!;
  const c = s.conditions?.find((x) => x.type === DISRUPTION_ALLOWED_CONDITION);
  const name = pdb.metadata.name;
  if (c?.status === 'False' && c.message && c.reason === 'SyncFailed') return `The disruption budget ${name} does not allow evicting pods currently because it failed sync: ${c.message}`;
  if (s.currentHealthy <= s.desiredHealthy) return `The disruption budget ${name} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`;
  if (c?.status === 'False' && c.message) return `The disruption budget ${name} does not allow evicting pods currently (${c.reason}): ${c.message}`;
  return `The disruption budget ${name} does not allow evicting pods currently`;
}

function stillProcessing(name: string | undefined) {
  return errors.tooManyRequests(VIOLATION, 10, { type: CAUSE, message: `The disruption budget ${name} is still being processed by the server.` });
}

async function matchingBudgets(budgets: ResourceStorage, pod: Pod): Promise<PodDisruptionBudget[]> {
  const { items } = await budgets.list(pod.metadata.namespace, {});
  return (items as PodDisruptionBudget[]).filter((pdb) => {
    try {
      return labelSelectorAsMatcher(pdb.spec?.selector).matches(pod.metadata.labels);
    } catch {
      return false;
    }
  });
}

/** Spends one of the budget's disruptions on this pod, or refuses with why. */
async function checkAndDecrement(budgets: ResourceStorage, pdb: PodDisruptionBudget, podName: string, dryRun: boolean): Promise<void> {
  await budgets.guaranteedUpdate(
    pdb.metadata.namespace,
    pdb.metadata.name!,
    (current: KubeObject) => {
      const cur = current as PodDisruptionBudget;
      const status = cur.status;
      if (!status || (status.observedGeneration ?? 0) < (cur.metadata.generation ?? 1)) throw stillProcessing(cur.metadata.name);
      if (status.disruptionsAllowed < 0) throw errors.forbidden(`poddisruptionbudgets.policy "${cur.metadata.name}" is forbidden: pdb disruptions allowed is negative`);
      if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
        throw errors.forbidden(`poddisruptionbudgets.policy "${cur.metadata.name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`);
      }
      if (status.disruptionsAllowed === 0) throw errors.tooManyRequests(VIOLATION, 0, { type: CAUSE, message: deniedMessage(cur) });
      status.disruptionsAllowed -= 1;
      if (status.disruptionsAllowed === 0) {
        const now = metaTime();
        status.conditions = (status.conditions ?? []).filter((c) => c.type !== DISRUPTION_ALLOWED_CONDITION);
        status.conditions.push({ type: DISRUPTION_ALLOWED_CONDITION, status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: status.observedGeneration ?? 1, lastTransitionTime: now });
      }
      status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: metaTime() };
      // Pinned to the version read: a concurrent eviction makes this a conflict, retried on fresh numbers.
      return cur;
    },
    { subresource: 'status', dryRun },
  );
}

async function guard(r: EvictionRequest, pod: Pod): Promise<void> {
  if (!r.budgets) return;
  const found = await matchingBudgets(r.budgets, pod);
  if (found.length > 1) throw errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const pdb = found[0];
  if (!pdb) return;
  if (!isReady(pod)) {
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return;
    const s = pdb.status;
    if (s && s.currentHealthy >= s.desiredHealthy && s.desiredHealthy > 0) return;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      return await checkAndDecrement(r.budgets, pdb, pod.metadata.name!, r.dryRun);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      if (attempt >= 5) throw stillProcessing(pdb.metadata.name);
    }
  }
}

/** Marks the pod as a disruption target (as Kubernetes does since 1.26) before deleting it. */
async function markDisruptionTarget(pods: ResourceStorage, pod: Pod): Promise<void> {
  await pods.guaranteedUpdate(
    pod.metadata.namespace,
    pod.metadata.name!,
    (current: KubeObject) => {
      const p = current as Pod;
      const status = (p.status ??= {});
      const conditions = status.conditions ?? [];
      const old = conditions.find((c) => c.type === 'DisruptionTarget');
      const next = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : metaTime() };
      status.conditions = [...conditions.filter((c) => c.type !== 'DisruptionTarget'), next] as typeof conditions;
      return p;
    },
    { subresource: 'status' },
  );
}

export async function evictPod(r: EvictionRequest): Promise<void> {
  const pod = (await r.pods.get(r.namespace, r.name)) as Pod;
  if (!canIgnoreBudget(pod)) await guard(r, pod);
  if (!r.dryRun && !canIgnoreBudget(pod)) await markDisruptionTarget(r.pods, pod).catch((err: { code?: number }) => {
    if (err.code !== 404) throw err;
  });
  await r.pods.delete(r.namespace, r.name, r.options, { dryRun: r.dryRun });
}
