// What a pod asks of a node, computed as Kubernetes does (component-helpers PodRequests):
// app containers run together, so their requests add up; init containers run one at a time
// before them, so the pod needs the larger of the two; restartable init containers
// (sidecars) keep running, so they add to everything after them. Pod overhead comes on top.
//
// A container that sets a limit but no request for a resource requests its limit: the API
// server defaults it that way in Kubernetes, and Skiff's may not, so it is applied here.

import type { Container, Pod } from '../../../api/types.js';
import { CPU, MEMORY, Resource } from './resource.js';
import { podOverhead, type QuantityParser } from './types.js';

/** kube-scheduler's stand-in requests for scoring containers that request nothing. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface PodRequests {
  /** What the NodeResourcesFit filter checks and the node's `requested` total sums. */
  requested: Resource;
  /**
   * cpu and memory with kube-scheduler's defaults filled in for containers that request
   * none, so a node full of request-less pods does not look empty to the scorer.
   */
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
}

type ResourceList = Map<string, number>;

function amount(parse: QuantityParser, name: string, quantity: string): number {
  const n = name === CPU ? parse.cpuMillis(quantity) : parse.bytes(quantity);
  if (!Number.isFinite(n)) throw new Error(`invalid quantity ${JSON.stringify(quantity)} for ${name}`);
  return n;
}

function containerRequests(c: Container, parse: QuantityParser, defaults: ResourceList | undefined): ResourceList {
  const out: ResourceList = new Map();
  const requests = c.resources?.requests;
  const limits = c.resources?.limits;
  if (requests) for (const name in requests) out.set(name, amount(parse, name, requests[name]!));
  if (limits) {
    for (const name in limits) if (!out.has(name)) out.set(name, amount(parse, name, limits[name]!));
  }
  if (defaults) for (const [name, v] of defaults) if (!out.has(name)) out.set(name, v);
  return out;
}

function addInto(into: ResourceList, from: ResourceList): void {
  for (const [name, v] of from) into.set(name, (into.get(name) ?? 0) + v);
}

function maxInto(into: ResourceList, from: ResourceList): void {
  for (const [name, v] of from) {
    const cur = into.get(name);
    if (cur === undefined || v > cur) into.set(name, v);
  }
}

function aggregate(pod: Pod, parse: QuantityParser, defaults?: ResourceList): ResourceList {
  const total: ResourceList = new Map();
  for (const c of pod.spec.containers ?? []) addInto(total, containerRequests(c, parse, defaults));
  const initContainers = pod.spec.initContainers;
  if (initContainers?.length) {
    const sidecars: ResourceList = new Map();
    const initPeak: ResourceList = new Map();
    for (const c of initContainers) {
      const r = containerRequests(c, parse, defaults);
      if (c['restartPolicy'] === 'Always') {
        addInto(total, r);
        addInto(sidecars, r);
        maxInto(initPeak, sidecars);
      } else {
        // While this one initialises, the sidecars started before it are running too.
        addInto(r, sidecars);
        maxInto(initPeak, r);
      }
    }
    maxInto(total, initPeak);
  }
  const overhead = podOverhead(pod);
  if (overhead) for (const name in overhead) total.set(name, (total.get(name) ?? 0) + amount(parse, name, overhead[name]!));
  return total;
}

/** Throws if a quantity does not parse (API validation keeps those out of a real cluster). */
export function computePodRequests(pod: Pod, parse: QuantityParser): PodRequests {
  const list = aggregate(pod, parse);
  const requested = new Resource();
  for (const [name, v] of list) requested.addAmount(name, v);

  // As kube-scheduler does, defaults apply only when no container names the resource at
  // all; a pod that requests cpu in one container is taken at its word for the others.
  let nonZero = list;
  const missingCPU = !list.has(CPU);
  const missingMemory = !list.has(MEMORY);
  if (missingCPU || missingMemory) {
    const defaults: ResourceList = new Map();
    if (missingCPU) defaults.set(CPU, DEFAULT_MILLI_CPU_REQUEST);
    if (missingMemory) defaults.set(MEMORY, DEFAULT_MEMORY_REQUEST);
    nonZero = aggregate(pod, parse, defaults);
  }
  return { requested, nonZeroMilliCPU: nonZero.get(CPU) ?? 0, nonZeroMemory: nonZero.get(MEMORY) ?? 0 };
}
