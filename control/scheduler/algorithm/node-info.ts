// Per-node aggregate the filters and scorer read (kube-scheduler's NodeInfo): what the node
// offers, parsed once when the Node changes, and what its pods request, kept as running
// totals that change by one pod at a time. Scheduling a pod then costs a few comparisons
// per node instead of a walk over every pod in the cluster.

import type { Labels, Node, Taint } from '../../../api/types.js';
import type { PodRequests } from './pod-requests.js';
import { CPU, PODS, Resource } from './resource.js';
import { schedulingTaints } from './taints.js';
import type { QuantityParser } from './types.js';

export class NodeInfo {
  /** Undefined while pods are known to be bound here but the Node itself is not (yet, or any more). */
  node: Node | undefined;
  unschedulable = false;
  labels: Labels = {};
  /** NoSchedule and NoExecute taints, including those derived from conditions. */
  taints: Taint[] = [];
  allocatable = new Resource();
  allowedPodNumber = 0;

  /** Sum of the requests of the pods counted below. */
  readonly requested = new Resource();
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  /** Pods counted against this node, bound or assumed, by pod key. */
  readonly pods = new Map<string, PodRequests>();

  constructor(readonly name: string) {}

  /**
   * Takes a new version of the Node. Malformed allocatable quantities count as zero: the
   * node then fits nothing that needs them, rather than failing every scheduling attempt.
   */
  setNode(node: Node, parse: QuantityParser): void {
    this.node = node;
    this.unschedulable = node.spec?.unschedulable === true;
    this.labels = node.metadata.labels ?? {};
    this.taints = schedulingTaints(node);
    const allocatable = new Resource();
    let pods = 0;
    for (const [name, quantity] of Object.entries(node.status?.allocatable ?? {})) {
      let v: number;
      try {
        v = name === CPU ? parse.cpuMillis(quantity) : parse.bytes(quantity);
      } catch {
        continue;
      }
      if (!Number.isFinite(v)) continue;
      if (name === PODS) pods = v;
      else allocatable.addAmount(name, v);
    }
    this.allocatable = allocatable;
    this.allowedPodNumber = pods;
  }

  clearNode(): void {
    this.node = undefined;
  }

  addPod(key: string, requests: PodRequests): void {
    this.removePod(key);
    this.pods.set(key, requests);
    this.requested.add(requests.requested);
    this.nonZeroMilliCPU += requests.nonZeroMilliCPU;
    this.nonZeroMemory += requests.nonZeroMemory;
  }

  removePod(key: string): boolean {
    const old = this.pods.get(key);
    if (!old) return false;
    this.pods.delete(key);
    this.requested.add(old.requested, -1);
    this.nonZeroMilliCPU -= old.nonZeroMilliCPU;
    this.nonZeroMemory -= old.nonZeroMemory;
    return true;
  }
}
