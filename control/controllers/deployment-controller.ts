// The Deployment controller (Kubernetes' pkg/controller/deployment, reduced): each
// Deployment owns ReplicaSets, one per pod template it has had. A sync claims matching
// ReplicaSets, makes sure one exists for the current template (named and labelled with the
// pod-template-hash, annotated with the next revision), moves replicas from the old ones
// to it — all at once for Recreate, within maxSurge/maxUnavailable for RollingUpdate — and
// writes status and the Available/Progressing conditions last, which is what
// `kubectl rollout status` reads.

import { metaTime } from '../../api/time.js';
import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import type { Recorder } from '../../api/events.js';
import { Informer, objectKey } from '../../api/informer.js';
import { labelSelectorAsMatcher, type LabelMatcher } from '../../api/labels.js';
import { resources } from '../../api/resources.js';
import type { OwnerReference } from '../../api/types.js';
import type { Deployment, DeploymentStatus, ReplicaSet, WorkloadCondition } from '../../api/workload-types.js';
import { processQueue, WorkQueue } from '../../api/workqueue.js';
import { controllerRef } from './replicaset-controller.js';
import {
  computeTemplateHash,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH,
  resolveFenceposts,
  REVISION_ANNOTATION,
  revisionOf,
  templatesEqualIgnoringHash,
} from './workloads/deployment-util.js';
import { progressVerdict, TIMED_OUT_REASON } from './workloads/deployment-progress.js';

export interface DeploymentControllerOptions {
  client: ApiClient;
  logger: Logger;
  record: Recorder;
  now?: () => number;
}

const specReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 0;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

export class DeploymentController {
  private readonly client: ApiClient;
  private readonly logger: Logger;
  private readonly record: Recorder;
  private readonly now: () => number;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly queue = new WorkQueue({ baseDelayMs: 250, maxDelayMs: 30_000 });

  constructor(o: DeploymentControllerOptions) {
    this.client = o.client;
    this.logger = o.logger;
    this.record = o.record;
    this.now = o.now ?? Date.now;
    this.deployments = new Informer<Deployment>(o.client, resources.deployments, { logger: o.logger });
    this.replicaSets = new Informer<ReplicaSet>(o.client, resources.replicasets, { logger: o.logger });
    const enqueue = (d: Deployment) => this.queue.add(objectKey(d));
    this.deployments.addHandlers({ onAdd: enqueue, onUpdate: (_o, d) => enqueue(d), onDelete: enqueue });
    const onRs = (rs: ReplicaSet) => this.enqueueFor(rs);
    this.replicaSets.addHandlers({
      onAdd: onRs,
      onUpdate: (old, rs) => {
        const oldRef = controllerRef(old);
        if (oldRef && oldRef.uid !== controllerRef(rs)?.uid) this.enqueueFor(old);
        onRs(rs);
      },
      onDelete: onRs,
    });
  }

  private enqueueFor(rs: ReplicaSet): void {
    const ref = controllerRef(rs);
    if (ref) {
      if (ref.kind !== 'Deployment') return;
      const d = this.deployments.get(`${rs.metadata.namespace}/${ref.name}`);
      if (d?.metadata.uid === ref.uid) this.queue.add(objectKey(d));
      return;
    }
    for (const d of this.deployments.list()) {
      if (d.metadata.namespace === rs.metadata.namespace && matcherOf(d)?.matches(rs.metadata.labels)) this.queue.add(objectKey(d));
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.deployments.run(signal), this.replicaSets.run(signal)];
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await Promise.race([Promise.all([this.deployments.synced, this.replicaSets.synced]), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await processQueue(this.queue, (key) => this.syncDeployment(key), (key, err) => {
      if (isConflict(err)) this.logger.debug({ deployment: key }, 'deployment sync conflicted, retrying');
      else this.logger.warn({ deployment: key, err: (err as Error).message }, 'deployment sync failed');
    });
    await Promise.allSettled(informers);
  }

  private async syncDeployment(key: string): Promise<void> {
    const d = this.deployments.get(key);
    if (!d) return;
    const matcher = matcherOf(d);
    if (!matcher) {
      this.logger.warn({ deployment: key }, 'deployment selector invalid, not syncing');
      return;
    }
    const candidates = this.replicaSets.list().filter((rs) => rs.metadata.namespace === d.metadata.namespace);
    const owned = await this.claimReplicaSets(d, matcher, candidates);
    if (d.metadata.deletionTimestamp) return;

    let newRs = owned.find((rs) => templatesEqualIgnoringHash(rs.spec.template, d.spec.template));
    const olds = owned.filter((rs) => rs !== newRs);
    let created = false;
    if (!d.spec.paused) {
      if (!newRs) {
        const made = await this.createNewReplicaSet(d, olds);
        if (!made) return; // a hash collision: status carries the new collisionCount, the update re-syncs
        newRs = made;
        created = true;
      } else {
        newRs = await this.ensureRevision(d, newRs, olds);
      }
      if (d.spec.strategy?.type === 'Recreate') await this.rolloutRecreate(d, newRs, olds);
      else await this.rolloutRolling(d, newRs, olds);
      await this.annotateRevision(d, newRs);
    }
    await this.syncStatus(d, newRs, olds, created);
    if (newRs && !d.spec.paused) await this.cleanupOldReplicaSets(d, olds);
  }

  /** Old ReplicaSets beyond revisionHistoryLimit that are fully scaled down go, oldest first. */
  private async cleanupOldReplicaSets(d: Deployment, olds: ReplicaSet[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const idle = olds.filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        await this.client.delete(resources.replicasets, rs.metadata.name!, rs.metadata.namespace, { preconditions: { uid: rs.metadata.uid! } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  private async claimReplicaSets(d: Deployment, matcher: LabelMatcher, candidates: ReplicaSet[]): Promise<ReplicaSet[]> {
    const owned: ReplicaSet[] = [];
    for (const rs of candidates) {
      const ref = controllerRef(rs);
      const matches = matcher.matches(rs.metadata.labels);
      if (ref) {
        if (ref.uid !== d.metadata.uid) continue;
        if (matches) owned.push(rs);
        else if (!d.metadata.deletionTimestamp) {
          const ownerReferences = (rs.metadata.ownerReferences ?? []).filter((r) => r.uid !== d.metadata.uid);
          await this.patchRs(rs, { metadata: { ownerReferences, resourceVersion: rs.metadata.resourceVersion } });
        }
        continue;
      }
      if (!matches || d.metadata.deletionTimestamp || rs.metadata.deletionTimestamp) continue;
      const ownerReferences = [...(rs.metadata.ownerReferences ?? []), ownerRefTo(d)];
      const adopted = await this.patchRs(rs, { metadata: { ownerReferences, resourceVersion: rs.metadata.resourceVersion } });
      if (adopted) owned.push(adopted);
    }
    return owned;
  }

  private async patchRs(rs: ReplicaSet, patch: unknown): Promise<ReplicaSet | undefined> {
    try {
      return await this.client.patch<ReplicaSet>(resources.replicasets, rs.metadata.name!, patch, { namespace: rs.metadata.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private nextRevision(olds: ReplicaSet[]): number {
    return Math.max(0, ...olds.map(revisionOf)) + 1;
  }

  private async createNewReplicaSet(d: Deployment, olds: ReplicaSet[]): Promise<ReplicaSet | undefined> {
    const collisionCount = d.status?.collisionCount ?? 0;
    const hash = computeTemplateHash(d.spec.template, collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const replicas = d.spec.replicas ?? 1;
    const { surge } = this.fenceposts(d);
    // A first ReplicaSet starts at full size; a later one starts at 0 and the rollout grows it.
    const initial = olds.some((rs) => specReplicas(rs) > 0) ? 0 : replicas;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace!,
        labels: template.metadata.labels!,
        annotations: {
          ...copiedAnnotations(d),
          [REVISION_ANNOTATION]: String(this.nextRevision(olds)),
          [DESIRED_REPLICAS_ANNOTATION]: String(replicas),
          [MAX_REPLICAS_ANNOTATION]: String(replicas + surge),
        },
        ownerReferences: [ownerRefTo(d)],
      },
      spec: { replicas: initial, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    try {
      const made = await this.client.create<ReplicaSet>(resources.replicasets, rs);
      this.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${made.metadata.name} from 0 to ${initial}`);
      return made;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.client.get<ReplicaSet>(resources.replicasets, rs.metadata.name!, rs.metadata.namespace);
      if (controllerRef(existing)?.uid === d.metadata.uid && templatesEqualIgnoringHash(existing.spec.template, d.spec.template)) return existing;
      // Someone else's ReplicaSet has our name: hash again with a higher collision count.
      await this.client.patch(resources.deployments, d.metadata.name!, { status: { collisionCount: collisionCount + 1 } }, { namespace: d.metadata.namespace, subresource: 'status' });
      return undefined;
    }
  }

  /**
   * The Deployment carries its current revision, as in Kubernetes (SetDeploymentRevision):
   * `kubectl rollout undo` patches /metadata/annotations and needs them to exist.
   */
  private async annotateRevision(d: Deployment, newRs: ReplicaSet): Promise<void> {
    // The new ReplicaSet follows the Deployment's own annotations (kubernetes.io/change-cause
    // is what `kubectl rollout history` prints), as Kubernetes' SetNewReplicaSetAnnotations.
    const copied = copiedAnnotations(d);
    if (Object.entries(copied).some(([k, v]) => newRs.metadata.annotations?.[k] !== v)) {
      await this.patchRs(newRs, { metadata: { annotations: copied } });
    }
    const revision = String(revisionOf(newRs));
    if (d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return;
    try {
      await this.client.patch(resources.deployments, d.metadata.name!, { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } }, { namespace: d.metadata.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** A template rolled back to becomes the newest revision again. */
  private async ensureRevision(d: Deployment, rs: ReplicaSet, olds: ReplicaSet[]): Promise<ReplicaSet> {
    const next = this.nextRevision(olds);
    if (revisionOf(rs) >= next) return rs;
    return (await this.patchRs(rs, { metadata: { annotations: { [REVISION_ANNOTATION]: String(next) } } })) ?? rs;
  }

  private fenceposts(d: Deployment): { surge: number; unavailable: number } {
    if (d.spec.strategy?.type === 'Recreate') return { surge: 0, unavailable: 0 };
    const ru = d.spec.strategy?.rollingUpdate ?? {};
    return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, d.spec.replicas ?? 1);
  }

  private async scale(d: Deployment, rs: ReplicaSet, to: number): Promise<ReplicaSet> {
    const from = specReplicas(rs);
    const replicas = d.spec.replicas ?? 1;
    const annotations = { [DESIRED_REPLICAS_ANNOTATION]: String(replicas), [MAX_REPLICAS_ANNOTATION]: String(replicas + this.fenceposts(d).surge) };
    const sameAnnotations = Object.entries(annotations).every(([k, v]) => rs.metadata.annotations?.[k] === v);
    if (from === to && sameAnnotations) return rs;
    const updated = await this.patchRs(rs, { metadata: { annotations, resourceVersion: rs.metadata.resourceVersion }, spec: { replicas: to } });
    if (from !== to) this.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`);
    return updated ?? rs;
  }

  private async rolloutRecreate(d: Deployment, newRs: ReplicaSet, olds: ReplicaSet[]): Promise<void> {
    for (const rs of olds) if (specReplicas(rs) > 0) await this.scale(d, rs, 0);
    // The new pods start only once every old pod is gone.
    if (olds.some((rs) => specReplicas(rs) > 0 || (rs.status?.replicas ?? 0) > 0)) return;
    await this.scale(d, newRs, d.spec.replicas ?? 1);
  }

  private async rolloutRolling(d: Deployment, newRs: ReplicaSet, olds: ReplicaSet[]): Promise<void> {
    const replicas = d.spec.replicas ?? 1;
    const { surge, unavailable } = this.fenceposts(d);
    // Scale the new ReplicaSet up as far as maxSurge allows (or straight down to size).
    const current = specReplicas(newRs);
    if (current > replicas) newRs = await this.scale(d, newRs, replicas);
    else if (current < replicas) {
      const total = sum([newRs, ...olds].map(specReplicas));
      const room = replicas + surge - total;
      if (room > 0) newRs = await this.scale(d, newRs, current + Math.min(room, replicas - current));
      else newRs = await this.scale(d, newRs, current);
    } else newRs = await this.scale(d, newRs, current);

    // Scale old ReplicaSets down as far as maxUnavailable allows.
    const activeOlds = olds.filter((rs) => specReplicas(rs) > 0).sort((a, b) => revisionOf(a) - revisionOf(b));
    if (activeOlds.length === 0) return;
    const all = [newRs, ...olds];
    const minAvailable = replicas - unavailable;
    const newUnavailable = Math.max(0, specReplicas(newRs) - (newRs.status?.availableReplicas ?? 0));
    let budget = sum(all.map(specReplicas)) - minAvailable - newUnavailable;
    if (budget <= 0) return;
    // First the old pods that are not available anyway: removing them costs nothing.
    for (const rs of activeOlds) {
      if (budget <= 0) break;
      const unhealthy = Math.max(0, specReplicas(rs) - (rs.status?.availableReplicas ?? 0));
      const cut = Math.min(unhealthy, budget);
      if (cut === 0) continue;
      const scaled = await this.scale(d, rs, specReplicas(rs) - cut);
      activeOlds[activeOlds.indexOf(rs)] = scaled;
      budget -= cut;
    }
    // Then available ones, oldest first, keeping minAvailable available. A ReplicaSet just
    // scaled down still reports its old count until its controller catches up; counting more
    // available pods than it is asked to keep would take the Deployment below minAvailable.
    const keeps = (rs: ReplicaSet) => Math.min(specReplicas(activeOlds.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs), rs.status?.availableReplicas ?? 0);
    let canRemove = sum(all.map(keeps)) - minAvailable;
    for (const rs of activeOlds) {
      if (canRemove <= 0) break;
      const size = specReplicas(rs);
      if (size === 0) continue;
      const cut = Math.min(size, canRemove);
      await this.scale(d, rs, size - cut);
      canRemove -= cut;
    }
  }

  private async syncStatus(d: Deployment, newRs: ReplicaSet | undefined, olds: ReplicaSet[], created: boolean): Promise<void> {
    const all = newRs ? [newRs, ...olds] : olds;
    const replicas = d.spec.replicas ?? 1;
    const available = sum(all.map((rs) => rs.status?.availableReplicas ?? 0));
    const status: DeploymentStatus = {
      observedGeneration: d.metadata.generation ?? 0,
      replicas: sum(all.map((rs) => rs.status?.replicas ?? 0)),
      updatedReplicas: newRs?.status?.replicas ?? 0,
      readyReplicas: sum(all.map((rs) => rs.status?.readyReplicas ?? 0)),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available),
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    const nowIso = metaTime(new Date(this.now()));
    const conditions = [...(d.status?.conditions ?? [])];
    const setCondition = (c: Omit<WorkloadCondition, 'lastUpdateTime' | 'lastTransitionTime'>, touch = false) => {
      const i = conditions.findIndex((x) => x.type === c.type);
      const prev = conditions[i];
      if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message && !touch) return;
      const lastTransitionTime = prev && prev.status === c.status ? (prev.lastTransitionTime ?? nowIso) : nowIso;
      const next = { ...c, lastUpdateTime: nowIso, lastTransitionTime };
      if (i >= 0) conditions[i] = next;
      else conditions.push(next);
    };
    const { unavailable } = this.fenceposts(d);
    if (available >= replicas - unavailable) setCondition({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    else setCondition({ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
    if (newRs && !d.spec.paused) {
      const complete = status.updatedReplicas === replicas && status.replicas === replicas && available >= replicas && olds.every((rs) => (rs.status?.replicas ?? 0) === 0);
      const verdict = progressVerdict({
        newRsName: newRs.metadata.name!,
        created,
        complete,
        previous: d.status ?? {},
        next: status,
        current: conditions.find((c) => c.type === 'Progressing'),
        progressDeadlineSeconds: d.spec.progressDeadlineSeconds,
        now: this.now(),
      });
      if (verdict.condition) setCondition(verdict.condition, verdict.touch);
      if (verdict.condition?.reason === TIMED_OUT_REASON) this.record(d, 'Warning', TIMED_OUT_REASON, `Deployment "${d.metadata.name}" has timed out progressing.`);
      if (verdict.recheckAfterMs !== undefined) this.queue.addAfter(objectKey(d), verdict.recheckAfterMs + 500);
    } else if (d.spec.paused) {
      setCondition({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    }
    status.conditions = conditions;
    const cur = d.status ?? {};
    const same = JSON.stringify(cur.conditions ?? []) === JSON.stringify(conditions) &&
      (['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const).every((k) => (cur[k] ?? 0) === status[k]);
    if (same) return;
    try {
      await this.client.patch(resources.deployments, d.metadata.name!, { status }, { namespace: d.metadata.namespace, subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** Annotations a Deployment passes to its ReplicaSets: all but kubectl's and the controller's own (Kubernetes' annotationsToSkip). */
const ANNOTATIONS_NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

function copiedAnnotations(d: Deployment): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !ANNOTATIONS_NOT_COPIED.has(k)));
}

function matcherOf(d: Deployment): LabelMatcher | undefined {
  try {
    return labelSelectorAsMatcher(d.spec.selector);
  } catch {
    return undefined;
  }
}

function ownerRefTo(d: Deployment): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true };
}
