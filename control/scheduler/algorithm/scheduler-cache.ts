// The scheduler's view of the cluster (kube-scheduler's internal cache): one NodeInfo per
// node, kept current by the caller's informer handlers one object at a time, plus pods the
// scheduler has placed but whose Binding the API has not yet confirmed ("assumed"), so the
// next decision already counts them and a burst of pods does not pile onto one node.
//
// The cache only counts; it never talks to the API and never mutates the objects it is
// given, which stay owned by the informer.

import type { Node, Pod } from '../../../api/types.js';
import { filterNode, podContext } from './filters.js';
import { fitErrorMessage, NO_NODES_AVAILABLE } from './fit-error.js';
import { leastAllocatedScore } from './least-allocated.js';
import { NodeInfo } from './node-info.js';
import { computePodRequests, type PodRequests } from './pod-requests.js';
import { Resource } from './resource.js';
import { isTerminal, podKey, type QuantityParser, type ScheduleResult } from './types.js';

interface PodState {
  nodeName: string;
  /** Placed by this scheduler, not yet seen bound through the informer. */
  assumed: boolean;
}

const NOTHING: PodRequests = { requested: new Resource(), nonZeroMilliCPU: 0, nonZeroMemory: 0 };

export class SchedulerCache {
  /** Every node we know of, including ones that only exist because pods name them. */
  private readonly nodeInfos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  /** NodeInfos that have a Node, in a stable order; rebuilt only when that set changes. */
  private nodeList: NodeInfo[] | undefined;

  constructor(private readonly parse: QuantityParser) {}

  // ---- nodes ----------------------------------------------------------------------------

  addNode(node: Node): void {
    const name = node.metadata.name;
    if (!name) return;
    const info = this.nodeInfo(name);
    if (!info.node) this.nodeList = undefined;
    info.setNode(node, this.parse);
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  /**
   * Forgets the Node. Pods still bound to it keep being counted until they are deleted, as
   * kube-scheduler does, so a node that comes back is not mistaken for an empty one.
   */
  removeNode(node: Node | string): void {
    const name = typeof node === 'string' ? node : node.metadata.name;
    if (!name) return;
    const info = this.nodeInfos.get(name);
    if (!info?.node) return;
    info.clearNode();
    this.nodeList = undefined;
    if (info.pods.size === 0) this.nodeInfos.delete(name);
  }

  // ---- pods -----------------------------------------------------------------------------

  /**
   * Adds or updates a pod seen by the informer. Pods without a node are not counted; pods
   * that finished (Succeeded/Failed) stop being counted. Safe to call for every update.
   */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec.nodeName;
    if (isTerminal(pod)) {
      this.removeKey(key); // a finished pod frees its share of the node
      return;
    }
    if (!nodeName) {
      // An update from before the Binding landed says nothing about where we assumed it.
      if (!this.podStates.get(key)?.assumed) this.removeKey(key);
      return;
    }
    this.place(key, nodeName, this.requestsOf(pod), false);
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    this.removeKey(podKey(pod));
  }

  /** Counts the pod on `nodeName` before the Binding is confirmed. */
  assumePod(pod: Pod, nodeName: string): void {
    const key = podKey(pod);
    if (this.podStates.get(key)?.assumed === false) return; // already seen bound
    this.place(key, nodeName, this.requestsOf(pod), true);
  }

  /** Undoes assumePod after a failed Binding; a pod already seen bound stays counted. */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    if (this.podStates.get(key)?.assumed) this.removeKey(key);
  }

  isAssumed(pod: Pod): boolean {
    return this.podStates.get(podKey(pod))?.assumed === true;
  }

  // ---- reading --------------------------------------------------------------------------

  /** Nodes that have a Node object: what the scheduler can place pods on. */
  nodes(): readonly NodeInfo[] {
    this.nodeList ??= [...this.nodeInfos.values()].filter((i) => i.node !== undefined);
    return this.nodeList;
  }

  getNodeInfo(name: string): NodeInfo | undefined {
    return this.nodeInfos.get(name);
  }

  // ---- scheduling -----------------------------------------------------------------------

  /**
   * Picks a node for the pod: filter every node, score the feasible ones (least allocated),
   * and take the best, breaking ties by fewer pods and then by name so equal nodes fill
   * evenly and the choice is reproducible. Does not assume the pod; the caller does that
   * once it commits to binding. Throws if the pod's own quantities do not parse.
   */
  schedule(pod: Pod): ScheduleResult {
    const nodes = this.nodes();
    if (nodes.length === 0) return { unschedulable: true, message: NO_NODES_AVAILABLE, reasons: new Map() };
    const ctx = podContext(pod, this.parse);
    let best: NodeInfo | undefined;
    let bestScore = -1;
    let reasons: Map<string, number> | undefined;
    for (const info of nodes) {
      const rejected = filterNode(ctx, info);
      if (rejected) {
        reasons ??= new Map();
        for (const r of rejected) reasons.set(r, (reasons.get(r) ?? 0) + 1);
        continue;
      }
      const score = leastAllocatedScore(ctx.requests, info);
      if (best === undefined || score > bestScore || (score === bestScore && breaksTie(info, best))) {
        best = info;
        bestScore = score;
      }
    }
    if (best) return { nodeName: best.name };
    const histogram = reasons ?? new Map<string, number>();
    return { unschedulable: true, message: fitErrorMessage(nodes.length, histogram), reasons: histogram };
  }

  // ---- internals ------------------------------------------------------------------------

  private nodeInfo(name: string): NodeInfo {
    let info = this.nodeInfos.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.nodeInfos.set(name, info);
    }
    return info;
  }

  /**
   * A bound pod's requests. Its quantities passed API validation; should one still not
   * parse, the pod is counted (for "Too many pods") with no requests rather than throwing
   * out of an informer handler.
   */
  private requestsOf(pod: Pod): PodRequests {
    try {
      return computePodRequests(pod, this.parse);
    } catch {
      return NOTHING;
    }
  }

  private place(key: string, nodeName: string, requests: PodRequests, assumed: boolean): void {
    const old = this.podStates.get(key);
    if (old && old.nodeName !== nodeName) this.removeKey(key);
    this.nodeInfo(nodeName).addPod(key, requests);
    this.podStates.set(key, { nodeName, assumed });
  }

  private removeKey(key: string): void {
    const state = this.podStates.get(key);
    if (!state) return;
    this.podStates.delete(key);
    const info = this.nodeInfos.get(state.nodeName);
    if (!info) return;
    info.removePod(key);
    if (!info.node && info.pods.size === 0) this.nodeInfos.delete(state.nodeName);
  }
}

function breaksTie(candidate: NodeInfo, best: NodeInfo): boolean {
  if (candidate.pods.size !== best.pods.size) return candidate.pods.size < best.pods.size;
  return candidate.name < best.name;
}
