// The garbage collector, as Kubernetes' (much reduced): a graph of owners and dependents
// built from informers over every resource type, and three duties:
//  - background: a dependent whose owners are all gone is deleted (verified with a live
//    GET of each owner first, so a stale cache never deletes a living object's child);
//  - foreground: an owner deleted with propagationPolicy=Foreground carries the
//    `foregroundDeletion` finalizer; its dependents are deleted, and once none is left the
//    finalizer is removed and the owner goes;
//  - orphan: an owner deleted with propagationPolicy=Orphan carries `orphan`; its
//    dependents lose their ownerReference to it, then the finalizer is removed.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isNotFound } from '../../api/errors.js';
import { Informer } from '../../api/informer.js';
import { apiVersionOf, resources, type ResourceType } from '../../api/resources.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { processQueue, WorkQueue } from '../../api/workqueue.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

interface GraphNode {
  uid: string;
  type: ResourceType;
  namespace: string | undefined;
  name: string;
  owners: OwnerReference[];
  finalizers: string[];
  deleting: boolean;
}

class Waiting extends Error {
  readonly code = 'Waiting';
}

export class GarbageCollector {
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly graph = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue = new WorkQueue({ baseDelayMs: 250, maxDelayMs: 5_000 });

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
    // Events are never owners nor (in practice) dependents, and there are many of them.
    types: ResourceType[] = Object.values(resources).filter((t) => t.resource !== 'events'),
  ) {
    for (const type of types) {
      const informer = new Informer<KubeObject>(client, type, { logger });
      informer.addHandlers({
        onAdd: (o) => this.upsert(type, o),
        onUpdate: (_old, o) => this.upsert(type, o),
        onDelete: (o) => this.remove(o),
      });
      this.informers.push(informer);
    }
  }

  private typeOf(ref: OwnerReference): ResourceType | undefined {
    return this.informers.map((i) => i.type).find((t) => t.kind === ref.kind && apiVersionOf(t) === ref.apiVersion);
  }

  private upsert(type: ResourceType, obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    const old = this.graph.get(uid);
    for (const ref of old?.owners ?? []) this.dependents.get(ref.uid)?.delete(uid);
    const node: GraphNode = {
      uid,
      type,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name!,
      owners: obj.metadata.ownerReferences ?? [],
      finalizers: obj.metadata.finalizers ?? [],
      deleting: !!obj.metadata.deletionTimestamp,
    };
    this.graph.set(uid, node);
    for (const ref of node.owners) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(uid);
    }
    if (node.owners.length > 0) this.queue.add(uid);
    if (node.deleting && (node.finalizers.includes(FINALIZER_ORPHAN) || node.finalizers.includes(FINALIZER_FOREGROUND))) this.queue.add(uid);
  }

  private remove(obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    const node = this.graph.get(uid);
    this.graph.delete(uid);
    for (const ref of node?.owners ?? []) {
      this.dependents.get(ref.uid)?.delete(uid);
      // An owner waiting in foreground for its dependents may now be free to go.
      if (this.graph.get(ref.uid)?.deleting) this.queue.add(ref.uid);
    }
    for (const dep of this.dependents.get(uid) ?? []) this.queue.add(dep);
  }

  async run(signal: AbortSignal): Promise<void> {
    const loops = this.informers.map((i) => i.run(signal));
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    // Judging ownership needs the whole graph: wait for every first list.
    await Promise.race([Promise.all(this.informers.map((i) => i.synced)), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await processQueue(this.queue, (uid) => this.sync(uid), (uid, err) => {
      if (!(err instanceof Waiting)) this.logger.warn({ uid, err: (err as Error).message }, 'garbage collection failed');
    });
    await Promise.allSettled(loops);
  }

  private async sync(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.deleting && node.finalizers.includes(FINALIZER_ORPHAN)) return this.orphanDependents(node);
    if (node.deleting && node.finalizers.includes(FINALIZER_FOREGROUND)) return this.deleteDependentsFirst(node);
    if (node.owners.length > 0 && !node.deleting) return this.deleteIfOwnersGone(node);
  }

  private async deleteIfOwnersGone(node: GraphNode): Promise<void> {
    for (const ref of node.owners) {
      const type = this.typeOf(ref);
      // An owner kind we do not serve is never judged absent. An owner still in the graph
      // is alive, or is being deleted and will take care of us (foreground, orphan).
      if (!type || this.graph.has(ref.uid)) return;
      // The cache says the owner is gone; ask the API server before acting on it.
      try {
        const live = await this.client.get(type, ref.name, type.namespaced ? node.namespace : undefined);
        if (live.metadata.uid === ref.uid) return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    this.logger.info({ kind: node.type.kind, namespace: node.namespace, name: node.name }, 'deleting object whose owners are gone');
    await this.deleteObject(node, 'Background');
  }

  private async deleteDependentsFirst(owner: GraphNode): Promise<void> {
    const deps = [...(this.dependents.get(owner.uid) ?? [])].map((d) => this.graph.get(d)).filter((d): d is GraphNode => !!d);
    if (deps.length > 0) {
      for (const dep of deps) if (!dep.deleting) await this.deleteObject(dep, 'Foreground');
      throw new Waiting(`${deps.length} dependents of ${owner.name} still exist`);
    }
    await this.removeFinalizer(owner, FINALIZER_FOREGROUND);
  }

  private async orphanDependents(owner: GraphNode): Promise<void> {
    for (const depUid of [...(this.dependents.get(owner.uid) ?? [])]) {
      const dep = this.graph.get(depUid);
      if (!dep) continue;
      const owners = dep.owners.filter((o) => o.uid !== owner.uid);
      try {
        await this.client.patch(dep.type, dep.name, { metadata: { uid: dep.uid, ownerReferences: owners.length ? owners : null } }, { namespace: dep.namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await this.removeFinalizer(owner, FINALIZER_ORPHAN);
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    try {
      const current = await this.client.get(node.type, node.name, node.type.namespaced ? node.namespace : undefined);
      if (current.metadata.uid !== node.uid) return;
      const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      // Pinned to the version read: a concurrent finalizer change is retried, never lost.
      await this.client.patch(node.type, node.name, { metadata: { resourceVersion: current.metadata.resourceVersion, finalizers: finalizers.length ? finalizers : null } }, { namespace: node.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async deleteObject(node: GraphNode, propagationPolicy: 'Background' | 'Foreground'): Promise<void> {
    try {
      await this.client.delete(node.type, node.name, node.namespace, { propagationPolicy, preconditions: { uid: node.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
