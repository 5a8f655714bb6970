// The node lifecycle controller (Kubernetes' node_lifecycle_controller + taint manager):
//  - a node whose agent has not renewed its Lease (nor posted status) for the grace period
//    gets every condition set to Unknown ("Kubelet stopped posting node status.") and its
//    pods marked not Ready;
//  - taints follow the Ready condition: Unknown → node.kubernetes.io/unreachable, False →
//    node.kubernetes.io/not-ready, each as NoSchedule and NoExecute; a node that comes back
//    loses them;
//  - pods on a node with a NoExecute taint they do not tolerate are evicted (deleted) at
//    once, or when their tolerationSeconds run out.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import type { Recorder } from '../../api/events.js';
import { Informer } from '../../api/informer.js';
import { resources } from '../../api/resources.js';
import type { Lease, Node, NodeCondition, Pod, Taint } from '../../api/types.js';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, toleratesTaint } from '../scheduler/algorithm/taints.js';
import type { Toleration } from '../scheduler/algorithm/types.js';
import { metaTime } from '../../api/time.js';

export interface NodeLifecycleOptions {
  client: ApiClient;
  logger: Logger;
  record: Recorder;
  /** How long a node may stay silent before it is Unknown (kube: --node-monitor-grace-period 40s). */
  gracePeriodMs: number;
  /** How often nodes are checked (kube: --node-monitor-period 5s). */
  monitorPeriodMs: number;
}

const LIFECYCLE_TAINT_KEYS = [TAINT_NODE_UNREACHABLE, TAINT_NODE_NOT_READY];

export class NodeLifecycleController {
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly o: NodeLifecycleOptions) {
    this.nodes = new Informer<Node>(o.client, resources.nodes, { logger: o.logger });
    this.leases = new Informer<Lease>(o.client, resources.leases, { namespace: 'kube-node-lease', logger: o.logger });
    this.pods = new Informer<Pod>(o.client, resources.pods, { logger: o.logger });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.nodes, this.leases, this.pods];
    const loops = informers.map((i) => i.run(signal));
    const started = Date.now();
    await Promise.race([Promise.all(informers.map((i) => i.synced)), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    while (!signal.aborted) {
      // After a control restart every node gets one grace period to check in before it
      // is judged: the leases we read may be old only because we were down.
      if (Date.now() - started >= this.o.gracePeriodMs) {
        for (const node of this.nodes.list()) {
          await this.monitor(node).catch((err) => {
            if (!isNotFound(err) && !isConflict(err)) this.o.logger.warn({ node: node.metadata.name, err: (err as Error).message }, 'node monitoring failed');
          });
        }
      }
      await new Promise<void>((r) => {
        const t = setTimeout(done, this.o.monitorPeriodMs);
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          r();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
    await Promise.allSettled(loops);
  }

  /** The last time the node's agent showed life: lease renewal or a Ready heartbeat. */
  private lastSeen(node: Node): number {
    const lease = this.leases.get(`kube-node-lease/${node.metadata.name}`);
    const renew = lease?.spec.renewTime ? Date.parse(lease.spec.renewTime) : 0;
    const heartbeat = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
    const created = node.metadata.creationTimestamp ? Date.parse(node.metadata.creationTimestamp) : 0;
    return Math.max(renew, heartbeat ? Date.parse(heartbeat) : 0, created);
  }

  private async monitor(node: Node): Promise<void> {
    const name = node.metadata.name!;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (Date.now() - this.lastSeen(node) > this.o.gracePeriodMs && ready?.status !== 'Unknown') {
      await this.markUnknown(node);
      return; // the update comes back through the informer; taints follow next round
    }
    await this.syncTaints(node);
    await this.evictPods(this.nodes.get(name) ?? node);
  }

  private async markUnknown(node: Node): Promise<void> {
    const name = node.metadata.name!;
    const t = metaTime();
    const conditions: NodeCondition[] = (node.status?.conditions ?? []).map((c) => ({
      ...c,
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastTransitionTime: c.status === 'Unknown' ? c.lastTransitionTime ?? t : t,
    }));
    if (!conditions.some((c) => c.type === 'Ready')) {
      conditions.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastTransitionTime: t });
    }
    await this.o.client.patch(resources.nodes, name, { metadata: { uid: node.metadata.uid }, status: { conditions } }, { subresource: 'status' });
    this.o.logger.info({ node: name }, 'node stopped posting status: conditions set to Unknown');
    this.o.record(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    // MarkPodsNotReady: their containers may be running, but nobody can vouch for them.
    for (const pod of this.pods.list().filter((p) => p.spec.nodeName === name)) {
      const conds = pod.status?.conditions ?? [];
      if (!conds.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      const updated = conds.map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' as const, lastTransitionTime: t } : c));
      await this.o.client
        .patch(resources.pods, pod.metadata.name!, { metadata: { uid: pod.metadata.uid }, status: { conditions: updated } }, { namespace: pod.metadata.namespace, subresource: 'status' })
        .catch(() => undefined);
    }
  }

  private desiredTaints(node: Node): Taint[] {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    if (ready === 'True') return [];
    const key = ready === 'Unknown' ? TAINT_NODE_UNREACHABLE : TAINT_NODE_NOT_READY;
    return [
      { key, effect: 'NoSchedule' },
      { key, effect: 'NoExecute' },
    ];
  }

  private async syncTaints(node: Node): Promise<void> {
    const current = node.spec.taints ?? [];
    const others = current.filter((t) => !LIFECYCLE_TAINT_KEYS.includes(t.key));
    const ours = current.filter((t) => LIFECYCLE_TAINT_KEYS.includes(t.key));
    const desired = this.desiredTaints(node);
    const same = ours.length === desired.length && desired.every((d) => ours.some((o) => o.key === d.key && o.effect === d.effect));
    if (same) return;
    const t = metaTime();
    const next = [...others, ...desired.map((d) => ours.find((o) => o.key === d.key && o.effect === d.effect) ?? (d.effect === 'NoExecute' ? { ...d, timeAdded: t } : d))];
    await this.o.client.patch(resources.nodes, node.metadata.name!, { metadata: { uid: node.metadata.uid }, spec: { taints: next.length ? next : null } });
    this.o.logger.info({ node: node.metadata.name, taints: next.map((x) => `${x.key}:${x.effect}`) }, 'node taints updated');
  }

  /** The taint manager: NoExecute taints evict pods that do not tolerate them (in time). */
  private async evictPods(node: Node): Promise<void> {
    const noExecute = (node.spec.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length === 0) return;
    const nowMs = Date.now();
    for (const pod of this.pods.list().filter((p) => p.spec.nodeName === node.metadata.name && !p.metadata.deletionTimestamp)) {
      const tolerations = (pod.spec['tolerations'] as Toleration[] | undefined) ?? [];
      let evictAt = Infinity;
      for (const taint of noExecute) {
        const matching = tolerations.filter((tol) => toleratesTaint(tol, taint));
        if (matching.length === 0) {
          evictAt = nowMs;
          break;
        }
        // The shortest bounded toleration wins; any unbounded one tolerates forever.
        if (matching.some((m) => m.tolerationSeconds === undefined)) continue;
        const seconds = Math.min(...matching.map((m) => Math.max(0, m.tolerationSeconds ?? 0)));
        const added = taint.timeAdded ? Date.parse(taint.timeAdded) : nowMs;
        evictAt = Math.min(evictAt, added + seconds * 1000);
      }
      if (evictAt > nowMs) continue;
      try {
        await this.o.client.delete(resources.pods, pod.metadata.name!, pod.metadata.namespace, { preconditions: { uid: pod.metadata.uid! } });
        this.o.logger.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, node: node.metadata.name }, 'evicting pod from tainted node');
        this.o.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }
}
