// Fixtures for this package's tests: a tiny quantity parser that knows just the forms the
// tests use (the real one lives in api/quantity.ts), and short builders for nodes and pods.

import type { Container, Node, NodeCondition, Pod, PodPhase, Taint } from '../../../api/types.js';
import type { QuantityParser, Toleration } from './types.js';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9 };

function scaled(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G)?$/.exec(s);
  if (!m) throw new Error(`test parser cannot read ${JSON.stringify(s)}`);
  const suffix = m[2];
  return Number(m[1]) * (suffix ? (BINARY[suffix] ?? DECIMAL[suffix]!) : 1);
}

export const testParser: QuantityParser = {
  cpuMillis: (s) => Math.ceil(s.endsWith('m') ? scaled(s.slice(0, -1)) : scaled(s) * 1000),
  bytes: (s) => Math.ceil(scaled(s)),
};

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  ephemeralStorage?: string;
  extra?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  /** Ready condition status; 'none' leaves the condition out. Default 'True'. */
  ready?: 'True' | 'False' | 'Unknown' | 'none';
  conditions?: NodeCondition[];
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const allocatable: Record<string, string> = { cpu: o.cpu ?? '2', memory: o.memory ?? '4Gi', pods: o.pods ?? '110', ...o.extra };
  if (o.ephemeralStorage) allocatable['ephemeral-storage'] = o.ephemeralStorage;
  const conditions: NodeCondition[] = [...(o.conditions ?? [])];
  if ((o.ready ?? 'True') !== 'none') conditions.push({ type: 'Ready', status: (o.ready ?? 'True') as 'True' });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { capacity: { ...allocatable }, allocatable, conditions },
  };
}

export interface PodOptions {
  cpu?: string;
  memory?: string;
  limits?: Record<string, string>;
  requests?: Record<string, string>;
  containers?: Container[];
  initContainers?: Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: unknown;
  overhead?: Record<string, string>;
  phase?: PodPhase;
  uid?: string;
}

export function container(name: string, requests?: Record<string, string>, limits?: Record<string, string>, extra: Partial<Container> = {}): Container {
  const resources: Container['resources'] = {};
  if (requests) resources.requests = requests;
  if (limits) resources.limits = limits;
  return { name, image: 'busybox', resources, ...extra };
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const requests: Record<string, string> = { ...o.requests };
  if (o.cpu) requests['cpu'] = o.cpu;
  if (o.memory) requests['memory'] = o.memory;
  const containers = o.containers ?? [container('c', Object.keys(requests).length ? requests : undefined, o.limits)];
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: o.uid ?? `uid-${name}` },
    spec: { containers },
    status: { phase: o.phase ?? 'Pending' },
  };
  if (o.initContainers) pod.spec.initContainers = o.initContainers;
  if (o.nodeName) pod.spec.nodeName = o.nodeName;
  if (o.nodeSelector) pod.spec.nodeSelector = o.nodeSelector;
  if (o.tolerations) pod.spec['tolerations'] = o.tolerations;
  if (o.affinity) pod.spec['affinity'] = o.affinity;
  if (o.overhead) pod.spec['overhead'] = o.overhead;
  return pod;
}
