// Answers "what is this node using now" for metrics.k8s.io (kubectl top). CPU is a rate, so
// it needs two readings of the counters: the provider keeps the last reading and, when it
// is missing or stale, takes a fresh pair a short window apart. Nothing is sampled while
// nobody asks, so an idle Raspberry Pi pays nothing for metrics.

import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, type ContainerStats } from '../runtime/runtime.js';
import type { NodeStatsSummary, Usage } from '../../api/tunnel/tunnel-protocol.js';
import { readNodeCounters, type NodeCounters } from './node-usage.js';

export interface ContainerStatsSource {
  listContainerStats(): Promise<ContainerStats[]>;
}

export interface Reading {
  /** Milliseconds since the epoch. */
  at: number;
  node: NodeCounters;
  containers: Map<string, ContainerStats>;
}

export interface SummaryProviderOptions {
  runtime: ContainerStatsSource;
  readNode?: () => Promise<NodeCounters>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** A reading older than this is not used as the start of a window (metrics-server scrapes every 15 s; 60 s keeps rates recent). */
  maxWindowMs?: number;
  /** How far apart a fresh pair of readings is taken. */
  minWindowMs?: number;
}

export class SummaryProvider {
  private last: Reading | undefined;
  private inFlight: Promise<NodeStatsSummary> | undefined;
  private readonly readNode: () => Promise<NodeCounters>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: SummaryProviderOptions) {
    this.readNode = o.readNode ?? readNodeCounters;
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Concurrent callers (several kubectl top at once) share one measurement. */
  summary(): Promise<NodeStatsSummary> {
    this.inFlight ??= this.measure().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async measure(): Promise<NodeStatsSummary> {
    let start = this.last;
    if (!start || this.now() - start.at > (this.o.maxWindowMs ?? 60_000)) {
      start = await this.read();
      await this.sleep(this.o.minWindowMs ?? 1_000);
    }
    const end = await this.read();
    this.last = end;
    return summarize(start, end);
  }

  private async read(): Promise<Reading> {
    const [node, stats] = await Promise.all([this.readNode(), this.o.runtime.listContainerStats()]);
    return { at: this.now(), node, containers: new Map(stats.map((s) => [s.id, s])) };
  }
}

function rate(cpuFrom: bigint, cpuTo: bigint, seconds: number): number {
  const used = Number(cpuTo - cpuFrom);
  return seconds > 0 && used > 0 ? Math.round(used / seconds) : 0;
}

/** Rates between two readings; a container must be in both (a new one shows up next time). */
export function summarize(start: Reading, end: Reading): NodeStatsSummary {
  const seconds = (end.at - start.at) / 1000;
  const pods = new Map<string, NodeStatsSummary['pods'][number]>();
  for (const [id, now] of end.containers) {
    const before = start.containers.get(id);
    const uid = now.labels[LABEL_POD_UID];
    if (!before || !uid) continue;
    const pod = pods.get(uid) ?? { namespace: now.labels[LABEL_POD_NAMESPACE] ?? '', name: now.labels[LABEL_POD_NAME] ?? '', uid, containers: [] };
    const span = Number(now.timestamp - before.timestamp) / 1e9 || seconds;
    pod.containers.push({
      name: now.labels[LABEL_CONTAINER_NAME] ?? '',
      cpuNanoCores: rate(before.usageCoreNanoSeconds, now.usageCoreNanoSeconds, span),
      memoryWorkingSetBytes: now.workingSetBytes,
    });
    pods.set(uid, pod);
  }
  const node: Usage = {
    cpuNanoCores: rate(start.node.usageCoreNanoSeconds, end.node.usageCoreNanoSeconds, seconds),
    memoryWorkingSetBytes: end.node.workingSetBytes,
  };
  return { timestamp: new Date(end.at).toISOString(), windowSeconds: Math.round(seconds * 1000) / 1000, node, pods: [...pods.values()] };
}
