// The disruption controller (Kubernetes' pkg/controller/disruption): keeps every
// PodDisruptionBudget's status — how many of its pods are healthy, how many must stay so,
// and so how many may be evicted now — for the eviction subresource to spend. A budget is
// computed again when it changes, when one of its pods changes, when a ReplicaSet or
// Deployment of its namespace is scaled, and when an eviction's note expires.

import type { Logger } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import { isConflict, isNotFound } from '../../../api/errors.js';
import type { Recorder } from '../../../api/events.js';
import { Informer, objectKey } from '../../../api/informer.js';
import { labelSelectorAsMatcher, LabelSelectorError } from '../../../api/labels.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../../api/policy-types.js';
import { resources } from '../../../api/resources.js';
import type { OwnerReference, Pod } from '../../../api/types.js';
import type { Deployment, ReplicaSet } from '../../../api/workload-types.js';
import { processQueue, WorkQueue } from '../../../api/workqueue.js';
import { computeDisruptionStatus, DisruptionSyncError, failedDisruptionStatus } from './disruption-status.js';

export interface DisruptionControllerOptions {
  client: ApiClient;
  logger: Logger;
  record: Recorder;
  now?: () => number;
}

export class DisruptionController {
  private readonly budgets: Informer<PodDisruptionBudget>;
  private readonly pods: Informer<Pod>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly deployments: Informer<Deployment>;
  private readonly queue = new WorkQueue({ baseDelayMs: 250, maxDelayMs: 30_000 });
  private readonly now: () => number;
  /** Budgets already told they select no pods / unmanaged pods, per generation: one event, not one per sync. */
  private readonly warned = new Map<string, string>();

  constructor(private readonly o: DisruptionControllerOptions) {
    this.now = o.now ?? Date.now;
    this.budgets = new Informer<PodDisruptionBudget>(o.client, resources.poddisruptionbudgets, { logger: o.logger });
    this.pods = new Informer<Pod>(o.client, resources.pods, { logger: o.logger });
    this.replicaSets = new Informer<ReplicaSet>(o.client, resources.replicasets, { logger: o.logger });
    this.deployments = new Informer<Deployment>(o.client, resources.deployments, { logger: o.logger });
    this.budgets.addHandlers({
      onAdd: (b) => this.queue.add(objectKey(b)),
      onUpdate: (_a, b) => this.queue.add(objectKey(b)),
      onDelete: (b) => this.warned.delete(objectKey(b)),
    });
    this.pods.addHandlers({
      onAdd: (p) => this.enqueueSelecting(p),
      onUpdate: (a, b) => {
        this.enqueueSelecting(a);
        this.enqueueSelecting(b);
      },
      onDelete: (p) => this.enqueueSelecting(p),
    });
    const scaled = <T extends ReplicaSet | Deployment>(a: T | undefined, b: T) => {
      if (a?.spec.replicas !== b.spec.replicas) this.enqueueNamespace(b.metadata.namespace);
    };
    this.replicaSets.addHandlers({ onAdd: (b) => scaled(undefined, b), onUpdate: scaled, onDelete: (b) => this.enqueueNamespace(b.metadata.namespace) });
    this.deployments.addHandlers({ onAdd: (b) => scaled(undefined, b), onUpdate: scaled, onDelete: (b) => this.enqueueNamespace(b.metadata.namespace) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.budgets, this.pods, this.replicaSets, this.deployments];
    const running = informers.map((i) => i.run(signal));
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    // A budget computed from a partial pod cache would allow too many evictions.
    await Promise.race([Promise.all(informers.map((i) => i.synced)), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await processQueue(this.queue, (key) => this.sync(key), (key, err) => {
      if (isConflict(err)) this.o.logger.debug({ pdb: key }, 'pdb status update conflicted, retrying');
      else this.o.logger.warn({ pdb: key, err: (err as Error).message }, 'pdb sync failed');
    });
    await Promise.allSettled(running);
  }

  private enqueueSelecting(pod: Pod): void {
    for (const pdb of this.budgets.list()) {
      if (pdb.metadata.namespace !== pod.metadata.namespace) continue;
      try {
        if (labelSelectorAsMatcher(pdb.spec?.selector).matches(pod.metadata.labels)) this.queue.add(objectKey(pdb));
      } catch {
        // A selector validation let through but the matcher refuses: the sync reports it.
        this.queue.add(objectKey(pdb));
      }
    }
  }

  private enqueueNamespace(namespace: string | undefined): void {
    for (const pdb of this.budgets.list()) if (pdb.metadata.namespace === namespace) this.queue.add(objectKey(pdb));
  }

  /** A pod's controller's scale: a ReplicaSet's replicas, or its Deployment's when it has one. */
  private findScale = (namespace: string, ref: OwnerReference): { uid: string; replicas: number } | undefined => {
    if (ref.kind !== 'ReplicaSet' || ref.apiVersion.split('/')[0] !== 'apps') return undefined;
    const rs = this.replicaSets.get(`${namespace}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    const owner = rs.metadata.ownerReferences?.find((r) => r.controller === true);
    if (owner?.kind === 'Deployment') {
      const d = this.deployments.get(`${namespace}/${owner.name}`);
      if (d && d.metadata.uid === owner.uid) return { uid: d.metadata.uid!, replicas: d.spec.replicas ?? 1 };
      return undefined;
    }
    return { uid: rs.metadata.uid!, replicas: rs.spec.replicas ?? 1 };
  };

  private async sync(key: string): Promise<void> {
    const pdb = this.budgets.get(key);
    if (!pdb) return;
    const now = this.now();
    let status: PodDisruptionBudgetStatus;
    try {
      const matcher = labelSelectorAsMatcher(pdb.spec?.selector);
      const pods = this.pods.list().filter((p) => p.metadata.namespace === pdb.metadata.namespace && matcher.matches(p.metadata.labels));
      const result = computeDisruptionStatus(pdb, pods, this.findScale, now);
      status = result.status;
      this.warnOnce(pdb, pods.length === 0 ? 'NoPods' : result.unmanagedPods.length > 0 ? 'UnmanagedPods' : undefined);
      if (result.recheckAt !== undefined) this.queue.addAfter(key, result.recheckAt - now + 10);
    } catch (err) {
      if (!(err instanceof DisruptionSyncError) && !(err instanceof LabelSelectorError)) throw err;
      this.o.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${err.message}`);
      status = failedDisruptionStatus(pdb, err, now);
    }
    if (sameStatus(pdb.status, status)) return;
    try {
      await this.o.client.update(resources.poddisruptionbudgets, { ...pdb, status }, 'status');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private warnOnce(pdb: PodDisruptionBudget, reason: 'NoPods' | 'UnmanagedPods' | undefined): void {
    const key = objectKey(pdb);
    const mark = reason ? `${reason}/${pdb.metadata.generation ?? 1}` : '';
    if (this.warned.get(key) === mark) return;
    this.warned.set(key, mark);
    if (reason === 'NoPods') this.o.record(pdb, 'Normal', 'NoPods', 'No matching pods found');
    if (reason === 'UnmanagedPods') {
      this.o.record(pdb, 'Warning', 'UnmanagedPods', `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec.selector ?? {})}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`);
    }
  }
}

/** Only a change is written; condition times come along with the status they describe. */
function sameStatus(a: PodDisruptionBudgetStatus | undefined, b: PodDisruptionBudgetStatus): boolean {
  if (!a) return false;
  const counts = (s: PodDisruptionBudgetStatus) => [s.observedGeneration, s.disruptionsAllowed, s.currentHealthy, s.desiredHealthy, s.expectedPods].join();
  const pods = (s: PodDisruptionBudgetStatus) => JSON.stringify(Object.entries(s.disruptedPods ?? {}).sort());
  const conditions = (s: PodDisruptionBudgetStatus) => JSON.stringify((s.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration]));
  return counts(a) === counts(b) && pods(a) === pods(b) && conditions(a) === conditions(b);
}
