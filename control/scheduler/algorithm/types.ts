// Shapes the scheduler reads from pods and nodes beyond what api/types.ts spells out.
// PodSpec keeps unknown fields as `unknown`, so tolerations, affinity and overhead are read
// through these typed views (see podTolerations and friends below) instead of widening the
// shared types for one consumer.

import type { Pod } from '../../../api/types.js';

/**
 * Turns Kubernetes quantity strings into numbers. Injected so this package does not depend
 * on a particular quantity implementation; the scheduler wires in api/quantity.ts.
 * Both may throw (or return NaN) for a malformed quantity.
 */
export interface QuantityParser {
  /** "100m" → 100, "2" → 2000. */
  cpuMillis(s: string): number;
  /** Whole units: "64Mi" → 67108864, "1" → 1. Used for memory, storage and extended resources. */
  bytes(s: string): number;
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  /** Empty or absent means every effect. */
  effect?: TaintEffect | '';
  tolerationSeconds?: number;
}

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
}

export interface Affinity {
  nodeAffinity?: NodeAffinity;
  [extra: string]: unknown;
}

/** Where the pod goes. */
export interface ScheduleSuccess {
  nodeName: string;
}

/** Why it goes nowhere: kube-scheduler's FitError text, and per-reason node counts. */
export interface ScheduleFailure {
  unschedulable: true;
  message: string;
  reasons: Map<string, number>;
}

export type ScheduleResult = ScheduleSuccess | ScheduleFailure;

export function podTolerations(pod: Pod): readonly Toleration[] {
  const t = pod.spec['tolerations'];
  return Array.isArray(t) ? (t as Toleration[]) : [];
}

export function podAffinity(pod: Pod): Affinity | undefined {
  const a = pod.spec['affinity'];
  return a && typeof a === 'object' ? (a as Affinity) : undefined;
}

export function podOverhead(pod: Pod): Record<string, string> | undefined {
  const o = pod.spec['overhead'];
  return o && typeof o === 'object' ? (o as Record<string, string>) : undefined;
}

/** The cache's identity for a pod: its UID, as kube-scheduler keys pods, else namespace/name. */
export function podKey(pod: Pod): string {
  return pod.metadata.uid ?? `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

/** Succeeded and Failed pods hold no resources; kube-scheduler's pod informer drops them. */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
