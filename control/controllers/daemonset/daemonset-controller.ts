// The DaemonSet controller (Kubernetes' pkg/controller/daemon, reduced): one pod of each
// DaemonSet on every node it should run on. A sync claims the namespace's pods by selector
// and controllerRef, groups them by node, and — unless creates or deletes it asked for are
// still on their way to the informer — carries out daemon-plan.ts: create where a pod is
// missing, delete failed, duplicate and misscheduled pods, replace old-revision pods within
// maxUnavailable/maxSurge. Status goes last through /status. Pods are pinned to their node
// by node affinity and bound by the scheduler (see daemon-pods.ts). Each template is a
// ControllerRevision (history.ts); its hash is the pods' controller-revision-hash label.

import type { Logger } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import { isConflict, isNotFound } from '../../../api/errors.js';
import type { Recorder } from '../../../api/events.js';
import { Informer, objectKey } from '../../../api/informer.js';
import { labelSelectorAsMatcher, type LabelMatcher } from '../../../api/labels.js';
import { resources } from '../../../api/resources.js';
import type { Node, Pod } from '../../../api/types.js';
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from '../../../api/workload-types.js';
import { processQueue, WorkQueue } from '../../../api/workqueue.js';
import { controllerRef } from '../replicaset-controller.js';
import { computeTemplateHash } from '../workloads/deployment-util.js';
import { ControllerExpectations } from '../workloads/expectations.js';
import { msUntilAvailable } from '../workloads/pod-ranking.js';
import { CONTROLLER_REVISION_HASH, daemonPodNode, daemonSetOwnerRef, newDaemonPod, nodeShouldRunDaemonPod } from './daemon-pods.js';
import { DaemonSetHistory } from './history.js';
import { daemonSetStatus, planDaemonSet, type NodeState } from './daemon-plan.js';

/** Kubernetes' failedPodsBackoff: a node whose daemon pod keeps failing is retried 1 s, 2 s, … 15 min apart. */
const FAILED_POD_BACKOFF_BASE_MS = 1_000;
const FAILED_POD_BACKOFF_MAX_MS = 15 * 60_000;

export interface DaemonSetControllerOptions {
  client: ApiClient;
  logger: Logger;
  record: Recorder;
  now?: () => number;
}

export class DaemonSetController {
  private readonly client: ApiClient;
  private readonly logger: Logger;
  private readonly record: Recorder;
  private readonly now: () => number;
  private readonly daemonSets: Informer<DaemonSet>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly history: DaemonSetHistory;
  private readonly queue = new WorkQueue({ baseDelayMs: 250, maxDelayMs: 30_000 });
  private readonly expectations: ControllerExpectations;
  /** `ds key|node` → when a new pod may be created there again, and the last delay. */
  private readonly failedBackoff = new Map<string, { until: number; delayMs: number }>();

  constructor(o: DaemonSetControllerOptions) {
    this.client = o.client;
    this.logger = o.logger;
    this.record = o.record;
    this.now = o.now ?? Date.now;
    this.expectations = new ControllerExpectations(this.now);
    this.daemonSets = new Informer<DaemonSet>(o.client, resources.daemonsets, { logger: o.logger });
    this.pods = new Informer<Pod>(o.client, resources.pods, { logger: o.logger });
    this.nodes = new Informer<Node>(o.client, resources.nodes, { logger: o.logger });
    this.revisions = new Informer<ControllerRevision>(o.client, resources.controllerrevisions, { logger: o.logger });
    this.history = new DaemonSetHistory(o.client, this.revisions);
    // A revision deleted or renumbered by someone else: its DaemonSet puts its history right.
    const owner = (cr: ControllerRevision) => {
      const ref = controllerRef(cr);
      if (ref?.kind === 'DaemonSet') this.queue.add(`${cr.metadata.namespace}/${ref.name}`);
    };
    this.revisions.addHandlers({ onUpdate: (_a, cr) => owner(cr), onDelete: owner });
    this.daemonSets.addHandlers({
      onAdd: (ds) => this.queue.add(objectKey(ds)),
      onUpdate: (_old, ds) => this.queue.add(objectKey(ds)),
      onDelete: (ds) => {
        this.expectations.delete(objectKey(ds));
        this.queue.add(objectKey(ds));
      },
    });
    this.pods.addHandlers({
      onAdd: (pod) => {
        if (pod.metadata.deletionTimestamp) return this.onPodDelete(pod);
        const ds = this.resolveRef(pod);
        if (ds) {
          this.expectations.creationObserved(objectKey(ds));
          this.queue.add(objectKey(ds));
        } else if (!controllerRef(pod)) this.enqueueSelecting(pod);
      },
      onUpdate: (old, pod) => {
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) return this.onPodDelete(pod);
        const oldDs = this.resolveRef(old);
        if (oldDs) this.queue.add(objectKey(oldDs));
        const ds = this.resolveRef(pod);
        if (ds) this.queue.add(objectKey(ds));
        else if (!controllerRef(pod)) this.enqueueSelecting(pod);
      },
      onDelete: (pod) => this.onPodDelete(pod),
    });
    const all = () => this.daemonSets.list().forEach((ds) => this.queue.add(objectKey(ds)));
    this.nodes.addHandlers({
      onAdd: all,
      onUpdate: (old, node) => {
        if (placementInputs(old) !== placementInputs(node)) all();
      },
      onDelete: all,
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.daemonSets.run(signal), this.pods.run(signal), this.nodes.run(signal), this.revisions.run(signal)];
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    // Counting pods per node before every cache is whole would create duplicates.
    await Promise.race([
      Promise.all([this.daemonSets.synced, this.pods.synced, this.nodes.synced, this.revisions.synced]),
      new Promise((r) => signal.addEventListener('abort', r, { once: true })),
    ]);
    await processQueue(this.queue, (key) => this.syncDaemonSet(key), (key, err) => {
      if (isConflict(err)) this.logger.debug({ daemonSet: key }, 'daemonset sync conflicted, retrying');
      else this.logger.warn({ daemonSet: key, err: (err as Error).message }, 'daemonset sync failed');
    });
    await Promise.allSettled(informers);
  }

  private resolveRef(pod: Pod): DaemonSet | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const ds = this.daemonSets.get(`${pod.metadata.namespace}/${ref.name}`);
    return ds?.metadata.uid === ref.uid ? ds : undefined;
  }

  private enqueueSelecting(pod: Pod): void {
    for (const ds of this.daemonSets.list()) {
      if (ds.metadata.namespace === pod.metadata.namespace && matcherOf(ds)?.matches(pod.metadata.labels)) this.queue.add(objectKey(ds));
    }
  }

  private onPodDelete(pod: Pod): void {
    const ds = this.resolveRef(pod);
    if (!ds) return;
    this.expectations.deletionObserved(objectKey(ds), objectKey(pod));
    this.queue.add(objectKey(ds));
  }

  private async syncDaemonSet(key: string): Promise<void> {
    const ds = this.daemonSets.get(key);
    if (!ds) {
      this.expectations.delete(key);
      for (const k of this.failedBackoff.keys()) if (k.startsWith(`${key}|`)) this.failedBackoff.delete(k);
      return;
    }
    const matcher = matcherOf(ds);
    if (!matcher) {
      this.logger.warn({ daemonSet: key }, 'daemonset selector invalid, not syncing');
      return;
    }
    const hash = ds.metadata.deletionTimestamp ? computeTemplateHash(ds.spec.template) : await this.history.current(ds);
    const pods = await this.claimPods(ds, matcher);
    const now = this.now();
    const nodes = this.nodeStates(ds, pods, now);

    let manageError: unknown;
    if (this.expectations.satisfied(key) && !ds.metadata.deletionTimestamp) {
      try {
        await this.manage(ds, nodes, hash, now);
      } catch (err) {
        manageError = err;
      }
    }
    await this.updateStatus(ds, daemonSetStatus(ds, nodes, hash, now));
    if (manageError) throw manageError;
    if (!ds.metadata.deletionTimestamp) {
      const live = new Set(pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH]).filter((h): h is string => Boolean(h)));
      await this.history.cleanup(ds, live, hash);
    }

    // Time alone makes pods available (minReadySeconds) and ends failure backoffs.
    const waits: number[] = [];
    const minReady = ds.spec.minReadySeconds ?? 0;
    for (const p of pods) {
      const ms = msUntilAvailable(p, minReady, now);
      if (ms !== undefined) waits.push(ms);
    }
    for (const [k, b] of this.failedBackoff) if (k.startsWith(`${key}|`) && b.until > now) waits.push(b.until - now);
    if (waits.length > 0) this.queue.addAfter(key, Math.min(...waits) + 100);
  }

  private nodeStates(ds: DaemonSet, pods: Pod[], now: number): NodeState[] {
    const byNode = new Map<string, Pod[]>();
    for (const pod of pods) {
      const node = daemonPodNode(pod);
      if (!node) continue;
      const list = byNode.get(node) ?? [];
      list.push(pod);
      byNode.set(node, list);
    }
    const states: NodeState[] = [];
    const key = objectKey(ds);
    for (const node of this.nodes.list()) {
      const name = node.metadata.name!;
      const backoff = this.failedBackoff.get(`${key}|${name}`);
      states.push({ name, placement: nodeShouldRunDaemonPod(node, ds), pods: byNode.get(name) ?? [], inBackoff: backoff !== undefined && backoff.until > now });
      byNode.delete(name);
    }
    // Pods on nodes that no longer exist are misscheduled: they go.
    for (const [name, list] of byNode) states.push({ name, placement: { shouldRun: false, shouldContinueRunning: false }, pods: list });
    return states;
  }

  /** Claims the namespace's pods as the ReplicaSet controller does: own, adopt, release. */
  private async claimPods(ds: DaemonSet, matcher: LabelMatcher): Promise<Pod[]> {
    const owned: Pod[] = [];
    let ownerChecked = false;
    for (const pod of this.pods.list()) {
      if (pod.metadata.namespace !== ds.metadata.namespace) continue;
      const ref = controllerRef(pod);
      const matches = matcher.matches(pod.metadata.labels);
      if (ref) {
        if (ref.uid !== ds.metadata.uid) continue;
        if (matches) owned.push(pod);
        else if (!ds.metadata.deletionTimestamp) {
          const ownerReferences = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== ds.metadata.uid);
          await this.patchPod(pod, { metadata: { ownerReferences, resourceVersion: pod.metadata.resourceVersion } });
        }
        continue;
      }
      if (!matches || ds.metadata.deletionTimestamp || pod.metadata.deletionTimestamp) continue;
      if (!ownerChecked) {
        // Adopt only for the live DaemonSet, not one deleted and recreated under the name.
        const live = await this.client.get<DaemonSet>(resources.daemonsets, ds.metadata.name!, ds.metadata.namespace);
        if (live.metadata.uid !== ds.metadata.uid || live.metadata.deletionTimestamp) return owned;
        ownerChecked = true;
      }
      const ownerReferences = [...(pod.metadata.ownerReferences ?? []), daemonSetOwnerRef(ds)];
      const adopted = await this.patchPod(pod, { metadata: { ownerReferences, resourceVersion: pod.metadata.resourceVersion } });
      if (adopted) owned.push(adopted);
    }
    return owned;
  }

  private async patchPod(pod: Pod, patch: unknown): Promise<Pod | undefined> {
    try {
      return await this.client.patch<Pod>(resources.pods, pod.metadata.name!, patch, { namespace: pod.metadata.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async manage(ds: DaemonSet, nodes: NodeState[], hash: string, now: number): Promise<void> {
    const key = objectKey(ds);
    const plan = planDaemonSet(ds, nodes, hash, now);
    if (plan.create.length === 0 && plan.delete.length === 0) return;
    this.logger.debug({ daemonSet: key, create: plan.create, delete: plan.delete.map((d) => `${d.pod.metadata.name}:${d.reason}`) }, 'daemonset plan');
    for (const { pod, reason } of plan.delete) {
      if (reason !== 'failed') continue;
      const node = daemonPodNode(pod)!;
      const prev = this.failedBackoff.get(`${key}|${node}`);
      const delayMs = prev ? Math.min(prev.delayMs * 2, FAILED_POD_BACKOFF_MAX_MS) : FAILED_POD_BACKOFF_BASE_MS;
      this.failedBackoff.set(`${key}|${node}`, { until: now + delayMs, delayMs });
      this.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${node}, will try to kill it`);
    }
    // Set before any request goes out: a create seen by the informer must not find the
    // expectation missing and let a second sync act on a half-done plan.
    this.expectations.expect(key, plan.create.length, plan.delete.map((d) => objectKey(d.pod)));

    const results = await Promise.allSettled([
      ...plan.create.map((node) => this.createPod(ds, node, hash)),
      ...plan.delete.map(({ pod }) => this.deletePod(ds, pod)),
    ]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async createPod(ds: DaemonSet, node: string, hash: string): Promise<void> {
    const key = objectKey(ds);
    try {
      const created = await this.client.create<Pod>(resources.pods, newDaemonPod(ds, node, hash));
      this.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (err) {
      this.expectations.creationObserved(key);
      this.record(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePod(ds: DaemonSet, pod: Pod): Promise<void> {
    try {
      await this.client.delete(resources.pods, pod.metadata.name!, pod.metadata.namespace, { preconditions: { uid: pod.metadata.uid! } });
      this.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      this.expectations.deletionObserved(objectKey(ds), objectKey(pod));
      if (isNotFound(err) || isConflict(err)) return;
      this.record(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  private async updateStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    const cur = ds.status ?? {};
    const unchanged = (Object.keys(status) as (keyof DaemonSetStatus)[]).every((k) => (cur[k] ?? 0) === status[k]);
    if (unchanged) return;
    try {
      await this.client.patch(resources.daemonsets, ds.metadata.name!, { status }, { namespace: ds.metadata.namespace, subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** What about a node decides daemon placement: a change elsewhere (heartbeats) is ignored. */
function placementInputs(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return JSON.stringify([node.metadata.labels ?? {}, node.spec?.taints ?? [], node.spec?.unschedulable ?? false, ready]);
}

function matcherOf(ds: DaemonSet): LabelMatcher | undefined {
  try {
    return labelSelectorAsMatcher(ds.spec.selector);
  } catch {
    return undefined;
  }
}
