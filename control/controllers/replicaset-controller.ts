// The ReplicaSet controller (Kubernetes' pkg/controller/replicaset, reduced): keeps
// spec.replicas pods made from spec.template running for each ReplicaSet. A sync claims the
// namespace's active pods — keeps its own that still match the selector, adopts matching
// orphans, releases its own that no longer match — then, unless creates or deletes it asked
// for are still on their way to the informer (expectations), creates or deletes pods to
// match the count, and writes status last through /status.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import type { Recorder } from '../../api/events.js';
import { Informer, objectKey } from '../../api/informer.js';
import { labelSelectorAsMatcher, type LabelMatcher } from '../../api/labels.js';
import { resources } from '../../api/resources.js';
import type { OwnerReference, Pod } from '../../api/types.js';
import type { ReplicaSet, ReplicaSetStatus } from '../../api/workload-types.js';
import { processQueue, WorkQueue } from '../../api/workqueue.js';
import { ControllerExpectations } from './workloads/expectations.js';
import { compareForDeletion, isPodActive, isPodAvailable, isPodReady, msUntilAvailable } from './workloads/pod-ranking.js';

/** At most this many creates or deletes per sync, as Kubernetes' burstReplicas. */
const BURST_REPLICAS = 500;
/** Creates go out in batches of 1, 2, 4, … so a template that cannot work fails once, not 500 times. */
const SLOW_START_INITIAL_BATCH = 1;

export interface ReplicaSetControllerOptions {
  client: ApiClient;
  logger: Logger;
  record: Recorder;
  now?: () => number;
}

export function controllerRef(obj: { metadata: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export class ReplicaSetController {
  private readonly client: ApiClient;
  private readonly logger: Logger;
  private readonly record: Recorder;
  private readonly now: () => number;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;
  private readonly queue = new WorkQueue({ baseDelayMs: 250, maxDelayMs: 30_000 });
  private readonly expectations: ControllerExpectations;

  constructor(o: ReplicaSetControllerOptions) {
    this.client = o.client;
    this.logger = o.logger;
    this.record = o.record;
    this.now = o.now ?? Date.now;
    this.expectations = new ControllerExpectations(this.now);
    this.replicaSets = new Informer<ReplicaSet>(o.client, resources.replicasets, { logger: o.logger });
    this.pods = new Informer<Pod>(o.client, resources.pods, { logger: o.logger });
    this.replicaSets.addHandlers({
      onAdd: (rs) => this.queue.add(objectKey(rs)),
      onUpdate: (_old, rs) => this.queue.add(objectKey(rs)),
      onDelete: (rs) => {
        this.expectations.delete(objectKey(rs));
        this.queue.add(objectKey(rs));
      },
    });
    this.pods.addHandlers({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (old, pod) => this.onPodUpdate(old, pod),
      onDelete: (pod) => this.onPodDelete(pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.replicaSets.run(signal), this.pods.run(signal)];
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    // Never count pods before the pod cache is whole: that would create duplicates.
    await Promise.race([Promise.all([this.replicaSets.synced, this.pods.synced]), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await processQueue(this.queue, (key) => this.syncReplicaSet(key), (key, err) => {
      if (isConflict(err)) this.logger.debug({ replicaSet: key }, 'replicaset sync conflicted, retrying');
      else this.logger.warn({ replicaSet: key, err: (err as Error).message }, 'replicaset sync failed');
    });
    await Promise.allSettled(informers);
  }

  // ---- event handlers: they only enqueue (and count what expectations wait for) ------

  /** The ReplicaSet a controllerRef names, if it is the one in the cache (same uid). */
  private resolveRef(namespace: string | undefined, ref: OwnerReference | undefined): ReplicaSet | undefined {
    if (!ref || ref.kind !== 'ReplicaSet' || ref.apiVersion.split('/')[0] !== 'apps') return undefined;
    const rs = this.replicaSets.get(`${namespace}/${ref.name}`);
    return rs?.metadata.uid === ref.uid ? rs : undefined;
  }

  /** Orphans wake every ReplicaSet that could adopt them. */
  private enqueueSelecting(pod: Pod): void {
    for (const rs of this.replicaSets.list()) {
      if (rs.metadata.namespace !== pod.metadata.namespace) continue;
      if (matcherOf(rs)?.matches(pod.metadata.labels)) this.queue.add(objectKey(rs));
    }
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.onPodDelete(pod);
    const ref = controllerRef(pod);
    if (ref) {
      const rs = this.resolveRef(pod.metadata.namespace, ref);
      if (!rs) return;
      this.expectations.creationObserved(objectKey(rs));
      this.queue.add(objectKey(rs));
      return;
    }
    this.enqueueSelecting(pod);
  }

  private onPodUpdate(old: Pod, pod: Pod): void {
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // A graceful delete: the pod no longer counts, so the deletion is observed now.
      this.onPodDelete(pod);
      return;
    }
    const oldRef = controllerRef(old);
    const ref = controllerRef(pod);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const oldRs = this.resolveRef(old.metadata.namespace, oldRef);
      if (oldRs) this.queue.add(objectKey(oldRs));
    }
    if (ref) {
      const rs = this.resolveRef(pod.metadata.namespace, ref);
      if (rs) this.queue.add(objectKey(rs));
      return;
    }
    this.enqueueSelecting(pod);
  }

  private onPodDelete(pod: Pod): void {
    const rs = this.resolveRef(pod.metadata.namespace, controllerRef(pod));
    if (!rs) return;
    this.expectations.deletionObserved(objectKey(rs), objectKey(pod));
    this.queue.add(objectKey(rs));
  }

  // ---- the worker ---------------------------------------------------------------------

  private async syncReplicaSet(key: string): Promise<void> {
    const rs = this.replicaSets.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const log = this.logger.child({ replicaSet: key });
    const matcher = matcherOf(rs);
    if (!matcher) {
      log.warn('replicaset selector invalid, not syncing');
      return;
    }
    const active = this.pods.list().filter((p) => p.metadata.namespace === rs.metadata.namespace && isPodActive(p));
    const pods = await this.claimPods(rs, matcher, active);

    let manageError: unknown;
    if (this.expectations.satisfied(key) && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(rs, pods, log);
      } catch (err) {
        manageError = err;
      }
    }
    await this.updateStatus(rs, pods);
    if (manageError) throw manageError;

    // A pod that is ready but not yet available becomes available with time alone.
    const minReady = rs.spec.minReadySeconds ?? 0;
    const waits = pods.map((p) => msUntilAvailable(p, minReady, this.now())).filter((ms): ms is number => ms !== undefined);
    if (waits.length > 0) this.queue.addAfter(key, Math.min(...waits) + 100);
  }

  /**
   * Kubernetes' ControllerRefManager: returns the pods this ReplicaSet controls after
   * adopting matching orphans and releasing its own pods that stopped matching.
   */
  private async claimPods(rs: ReplicaSet, matcher: LabelMatcher, candidates: Pod[]): Promise<Pod[]> {
    const owned: Pod[] = [];
    let ownerChecked = false;
    for (const pod of candidates) {
      const ref = controllerRef(pod);
      const matches = matcher.matches(pod.metadata.labels);
      if (ref) {
        if (ref.uid !== rs.metadata.uid) continue; // someone else's
        if (matches) {
          owned.push(pod);
          continue;
        }
        if (rs.metadata.deletionTimestamp) continue;
        await this.releasePod(rs, pod);
        continue;
      }
      if (!matches || rs.metadata.deletionTimestamp || pod.metadata.deletionTimestamp) continue;
      // Before adopting, make sure the cached owner is still the live one: adopting for a
      // ReplicaSet that was deleted and recreated under the same name would be wrong.
      if (!ownerChecked) {
        const live = await this.client.get<ReplicaSet>(resources.replicasets, rs.metadata.name!, rs.metadata.namespace);
        if (live.metadata.uid !== rs.metadata.uid || live.metadata.deletionTimestamp) return owned;
        ownerChecked = true;
      }
      const adopted = await this.adoptPod(rs, pod);
      if (adopted) owned.push(adopted);
    }
    return owned;
  }

  private async adoptPod(rs: ReplicaSet, pod: Pod): Promise<Pod | undefined> {
    const ownerReferences = [...(pod.metadata.ownerReferences ?? []), ownerRefTo(rs)];
    try {
      // resourceVersion makes this a compare-and-swap: a pod changed meanwhile is re-judged.
      return await this.client.patch<Pod>(resources.pods, pod.metadata.name!, { metadata: { ownerReferences, resourceVersion: pod.metadata.resourceVersion } }, { namespace: pod.metadata.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async releasePod(rs: ReplicaSet, pod: Pod): Promise<void> {
    const ownerReferences = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata.uid);
    try {
      await this.client.patch<Pod>(resources.pods, pod.metadata.name!, { metadata: { ownerReferences, resourceVersion: pod.metadata.resourceVersion } }, { namespace: pod.metadata.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async manageReplicas(rs: ReplicaSet, pods: Pod[], log: Logger): Promise<void> {
    const key = objectKey(rs);
    const want = rs.spec.replicas ?? 1;
    const diff = pods.length - want;
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      log.debug({ need: want, have: pods.length, creating: count }, 'too few replicas');
      let remaining = count;
      let batch = Math.min(remaining, SLOW_START_INITIAL_BATCH);
      while (batch > 0) {
        const results = await Promise.allSettled(Array.from({ length: batch }, () => this.createPod(rs)));
        const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        remaining -= batch;
        if (failures.length > 0) {
          // The failed ones, and those never attempted, will never be observed.
          for (let i = 0; i < failures.length + remaining; i++) this.expectations.creationObserved(key);
          throw failures[0]!.reason;
        }
        batch = Math.min(remaining, batch * 2);
      }
      return;
    }
    if (diff > 0) {
      const victims = [...pods].sort(compareForDeletion).slice(0, Math.min(diff, BURST_REPLICAS));
      this.expectations.expectDeletions(key, victims.map(objectKey));
      log.debug({ need: want, have: pods.length, deleting: victims.length }, 'too many replicas');
      const results = await Promise.allSettled(victims.map((pod) => this.deletePod(rs, pod)));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    }
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    const template = structuredClone(rs.spec.template);
    const meta = template.metadata ?? {};
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace!,
        ...(meta.labels ? { labels: meta.labels } : {}),
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
        ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
        ownerReferences: [ownerRefTo(rs)],
      },
      spec: template.spec,
    };
    try {
      const created = await this.client.create<Pod>(resources.pods, pod);
      this.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (err) {
      this.record(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePod(rs: ReplicaSet, pod: Pod): Promise<void> {
    const key = objectKey(rs);
    try {
      await this.client.delete(resources.pods, pod.metadata.name!, pod.metadata.namespace, { preconditions: { uid: pod.metadata.uid! } });
      this.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      // Either way no deletion event for this pod is coming from our request.
      this.expectations.deletionObserved(key, objectKey(pod));
      if (isNotFound(err) || isConflict(err)) return;
      this.record(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  private async updateStatus(rs: ReplicaSet, pods: Pod[]): Promise<void> {
    const templateLabels = rs.spec.template.metadata?.labels ?? {};
    const minReady = rs.spec.minReadySeconds ?? 0;
    const now = this.now();
    const status: ReplicaSetStatus = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: pods.filter(isPodReady).length,
      availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation ?? 0,
    };
    const cur = rs.status ?? {};
    const unchanged = (Object.keys(status) as (keyof ReplicaSetStatus)[]).every((k) => (cur[k] ?? 0) === status[k]);
    if (unchanged) return;
    try {
      await this.client.patch(resources.replicasets, rs.metadata.name!, { status }, { namespace: rs.metadata.namespace, subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function matcherOf(rs: ReplicaSet): LabelMatcher | undefined {
  try {
    return labelSelectorAsMatcher(rs.spec.selector);
  } catch {
    return undefined;
  }
}

function ownerRefTo(rs: ReplicaSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name!, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true };
}
